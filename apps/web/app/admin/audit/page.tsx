'use client';
// Audit log: filterable, newest first, with the hash chain's verification status.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, gql } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';

interface AuditEvent { id: string; at: string; actorType: string; actorId: string | null; action: string; resourceType: string; resourceId: string | null; outcome: string; requestId: string | null }
interface ChainStatus { ok: boolean; checked: number; firstBadId: string | null; reason: string | null }
interface Page { nodes: AuditEvent[]; hasNextPage: boolean; endCursor: string | null }

const PAGE_SIZE = 50;
const EVENTS = `query($f: AuditFilterInput, $first: Int, $after: String) {
  auditEvents(filter: $f, first: $first, after: $after) { nodes { id at actorType actorId action resourceType resourceId outcome requestId } hasNextPage endCursor } }`;
const EMPTY_FORM = { action: '', actorId: '', resourceType: '', resourceId: '', from: '', to: '' };

export default function AuditPage() {
  return <RequirePermission permission="audit:read"><Audit /></RequirePermission>;
}

function ChainBadge() {
  const [chain, setChain] = useState<ChainStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const verify = useCallback(async () => {
    setChain(null);
    setError(null);
    try {
      setChain((await gql<{ auditChainStatus: ChainStatus }>('{ auditChainStatus { ok checked firstBadId reason } }')).auditChainStatus);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => { void verify(); }, [verify]);
  return (
    <p className="chain" data-testid="chain-status" aria-live="polite">
      Hash chain:{' '}
      {!chain && !error && <span className="badge" data-testid="chain-checking">checking…</span>}
      {error && <span className="badge bad" data-testid="chain-error">could not be checked: {error}</span>}
      {chain?.ok && <span className="badge good" data-testid="chain-ok">verified: all {chain.checked} events intact</span>}
      {chain && !chain.ok && <span className="badge bad" data-testid="chain-broken">BROKEN at event {chain.firstBadId}: {chain.reason} ({chain.checked} checked)</span>}
      {' '}<button type="button" className="secondary small" onClick={() => void verify()} data-testid="chain-verify">Verify again</button>
    </p>
  );
}

function Audit() {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY_FORM);
  const [filter, setFilter] = useState<Record<string, string>>({});
  // The filter the rows on screen answer (differs from `filter` while a new search loads).
  const [shownFilter, setShownFilter] = useState<Record<string, string>>({});
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (after: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = (await gql<{ auditEvents: Page }>(EVENTS, { f: filter, first: PAGE_SIZE, after })).auditEvents;
      setEvents((old) => (after && old ? [...old, ...page.nodes] : page.nodes));
      setNext(page.hasNextPage ? page.endCursor : null);
      setShownFilter(filter);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [filter]);
  useEffect(() => { void load(null); }, [load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const f: Record<string, string> = {};
    for (const key of ['action', 'actorId', 'resourceType', 'resourceId'] as const) if (form[key].trim()) f[key] = form[key].trim();
    if (form.from) f.from = new Date(form.from).toISOString();
    if (form.to) f.to = new Date(form.to).toISOString();
    setFilter(f);
  };
  const clear = () => { setForm(EMPTY_FORM); setFilter({}); };
  const input = (key: keyof typeof EMPTY_FORM, label: string, type = 'text', placeholder = '') => (
    <label>{label}<input type={type} value={form[key]} placeholder={placeholder} onChange={(e) => setForm({ ...form, [key]: e.target.value })} data-testid={`audit-${key}`} /></label>
  );

  return (
    <>
      <h1>Audit log</h1>
      <ChainBadge />
      <form className="filters card" onSubmit={search} role="search" aria-label="Filter audit events" data-testid="audit-form">
        {input('action', 'Action', 'text', 'study.* or login')}
        {input('actorId', 'Actor id')}
        {input('resourceType', 'Resource type', 'text', 'study')}
        {input('resourceId', 'Resource id')}
        {input('from', 'From', 'datetime-local')}
        {input('to', 'To', 'datetime-local')}
        <div className="actions">
          <button type="submit" data-testid="audit-search">Filter</button>
          <button type="button" className="secondary" onClick={clear} data-testid="audit-clear">Clear</button>
        </div>
      </form>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      {events && (
        <>
          <p className="muted" data-testid="audit-count">{events.length} event{events.length === 1 ? '' : 's'} shown{next ? ' (more available)' : ''}</p>
          <div className="table-wrap">
            <table data-testid="audit-table" aria-busy={loading} data-action-filter={shownFilter.action ?? ''}>
              <thead><tr><th className="num">#</th><th>Time</th><th>Actor</th><th>Action</th><th>Resource</th><th>Outcome</th><th>Request</th></tr></thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id} data-testid="audit-row">
                    <td className="num">{e.id}</td><td className="nowrap">{new Date(e.at).toLocaleString()}</td>
                    <td><span className="muted">{e.actorType}</span> <span className="uid">{e.actorId ?? ''}</span></td>
                    <td data-testid="audit-action-cell">{e.action}</td>
                    <td><span className="muted">{e.resourceType}</span> <span className="uid">{e.resourceId ?? ''}</span></td>
                    <td><span className={`badge ${e.outcome.toUpperCase() === 'SUCCESS' ? 'good' : 'bad'}`}>{e.outcome}</span></td>
                    <td className="uid muted">{e.requestId ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {events.length === 0 && <p className="card muted" data-testid="audit-empty">No events match this filter.</p>}
          {next && <p><button type="button" className="secondary" disabled={loading} onClick={() => void load(next)} data-testid="audit-more">Older events</button></p>}
        </>
      )}
      {!events && !error && <p className="muted page-state" data-testid="audit-loading">Loading events…</p>}
    </>
  );
}
