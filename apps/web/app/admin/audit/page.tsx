'use client';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../../lib/graphql';

interface AuditEvent { id: string; at: string; actorType: string; actorId: string | null; action: string; resourceType: string; resourceId: string | null; outcome: string; requestId: string | null }
interface Chain { ok: boolean; checked: number; firstBadId: string | null; reason: string | null }

export default function AuditPage() {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [chain, setChain] = useState<Chain | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ action: '', actorId: '', resourceType: '' });
  const [filter, setFilter] = useState<Record<string, string>>({});
  const load = useCallback(async () => {
    try {
      const d = await gql<{ auditEvents: { nodes: AuditEvent[] }; auditChainStatus: Chain }>(
        `query($f: AuditFilterInput) { auditEvents(filter: $f, first: 100) { nodes { id at actorType actorId action resourceType resourceId outcome requestId } }
         auditChainStatus { ok checked firstBadId reason } }`, { f: filter });
      setEvents(d.auditEvents.nodes);
      setChain(d.auditChainStatus);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [filter]);
  useEffect(() => { void load(); }, [load]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilter(Object.fromEntries(Object.entries(form).filter(([, v]) => v)));
  };
  return (
    <>
      <h1>Audit log</h1>
      {chain && (
        <p data-testid="chain-status">
          Hash chain: {chain.ok
            ? <span className="badge good" data-testid="chain-ok">verified ({chain.checked} events)</span>
            : <span className="badge bad" data-testid="chain-broken">BROKEN at event {chain.firstBadId}: {chain.reason}</span>}
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <form className="filters" onSubmit={search}>
        <label>Action (prefix*)<input value={form.action} onChange={(e) => setForm({ ...form, action: e.target.value })} data-testid="audit-action" /></label>
        <label>Actor id<input value={form.actorId} onChange={(e) => setForm({ ...form, actorId: e.target.value })} /></label>
        <label>Resource type<input value={form.resourceType} onChange={(e) => setForm({ ...form, resourceType: e.target.value })} /></label>
        <button type="submit" data-testid="audit-search">Filter</button>
      </form>
      {events && (
        <table data-testid="audit-table">
          <thead><tr><th>#</th><th>Time</th><th>Actor</th><th>Action</th><th>Resource</th><th>Outcome</th><th>Request</th></tr></thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} data-testid="audit-row">
                <td>{e.id}</td><td>{new Date(e.at).toLocaleString()}</td><td>{e.actorType} {e.actorId ?? ''}</td><td>{e.action}</td>
                <td>{e.resourceType} {e.resourceId ?? ''}</td><td>{e.outcome}</td><td className="muted">{e.requestId ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
