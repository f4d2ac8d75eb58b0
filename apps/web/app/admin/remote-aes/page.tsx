'use client';
// Remote DICOM AEs (C-MOVE destinations, export targets): list, add, edit, enable/disable, delete,
// and verify by C-ECHO. The server checks the PS3.5 rules and audits every change.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, gql } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';

interface RemoteAe { id: string; aeTitle: string; host: string; port: number; description: string; enabled: boolean; updatedAt: string }
interface Verification { ok: boolean; status: number | null; error: string | null; durationMs: number }
interface Draft { aeTitle: string; host: string; port: string; description: string; enabled: boolean }

const FIELDS = 'id aeTitle host port description enabled updatedAt';
const EMPTY: Draft = { aeTitle: '', host: '', port: '104', description: '', enabled: true };

export default function RemoteAesPage() {
  return <RequirePermission permission="remoteAe:manage"><RemoteAes /></RequirePermission>;
}

function RemoteAes() {
  const [aes, setAes] = useState<RemoteAe[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<string | null>(null);
  const [verified, setVerified] = useState<Record<string, Verification | 'pending'>>({});
  const load = useCallback(async () => {
    try {
      setAes((await gql<{ remoteAes: RemoteAe[] }>(`{ remoteAes { ${FIELDS} } }`)).remoteAes);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  const input = (d: Draft) => ({ aeTitle: d.aeTitle, host: d.host.trim(), port: Number(d.port), description: d.description, enabled: d.enabled });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      if (editing) await gql(`mutation($id: ID!, $i: RemoteAeInput!) { updateRemoteAe(id: $id, input: $i) { id } }`, { id: editing, i: input(draft) });
      else await gql(`mutation($i: RemoteAeInput!) { createRemoteAe(input: $i) { id } }`, { i: input(draft) });
      setDraft(EMPTY);
      setEditing(null);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const edit = (ae: RemoteAe) => {
    setEditing(ae.id);
    setDraft({ aeTitle: ae.aeTitle, host: ae.host, port: String(ae.port), description: ae.description, enabled: ae.enabled });
  };
  const remove = async (ae: RemoteAe) => {
    if (!window.confirm(`Delete the remote AE ${ae.aeTitle}? It stops being a C-MOVE destination at once.`)) return;
    setError(null);
    try {
      await gql('mutation($id: ID!) { deleteRemoteAe(id: $id) { id } }', { id: ae.id });
    } catch (e) {
      setError(errorText(e));
    }
    await load();
  };
  const verify = async (ae: RemoteAe) => {
    setVerified((v) => ({ ...v, [ae.id]: 'pending' }));
    try {
      const result = (await gql<{ verifyRemoteAe: Verification }>('mutation($id: ID!) { verifyRemoteAe(id: $id) { ok status error durationMs } }', { id: ae.id })).verifyRemoteAe;
      setVerified((v) => ({ ...v, [ae.id]: result }));
    } catch (e) {
      setVerified((v) => ({ ...v, [ae.id]: { ok: false, status: null, error: errorText(e), durationMs: 0 } }));
    }
  };

  return (
    <>
      <h1>Remote AEs</h1>
      <p className="muted">DICOM nodes this platform may send to: C-MOVE destinations (by AE title) and export targets. Our own AE title is set by DIMSE_AE_TITLE.</p>
      <form className="filters card" onSubmit={save} aria-label={editing ? 'Edit the remote AE' : 'Add a remote AE'} data-testid="ae-form">
        <label>AE title<input required maxLength={16} value={draft.aeTitle} onChange={(e) => setDraft({ ...draft, aeTitle: e.target.value })} placeholder="PACS" data-testid="ae-title" /></label>
        <label>Host<input required maxLength={253} value={draft.host} onChange={(e) => setDraft({ ...draft, host: e.target.value })} placeholder="pacs.hospital.org" data-testid="ae-host" /></label>
        <label>Port<input required type="number" min={1} max={65535} step={1} value={draft.port} onChange={(e) => setDraft({ ...draft, port: e.target.value })} data-testid="ae-port" /></label>
        <label>Description<input maxLength={200} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} data-testid="ae-description" /></label>
        <label><input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} data-testid="ae-enabled" /> Enabled</label>
        <div className="actions">
          <button type="submit" data-testid="ae-save">{editing ? 'Save changes' : 'Add remote AE'}</button>
          {editing && <button type="button" className="secondary" onClick={() => { setEditing(null); setDraft(EMPTY); }} data-testid="ae-cancel">Cancel</button>}
        </div>
      </form>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      {aes && aes.length > 0 && (
        <div className="table-wrap">
          <table data-testid="ae-table">
            <thead><tr><th>AE title</th><th>Host</th><th>Port</th><th>Description</th><th>State</th><th>Changed</th><th>Actions</th></tr></thead>
            <tbody>
              {aes.map((ae) => {
                const v = verified[ae.id];
                return (
                  <tr key={ae.id} data-testid="ae-row" data-title={ae.aeTitle}>
                    <td><code>{ae.aeTitle}</code></td><td>{ae.host}</td><td>{ae.port}</td><td>{ae.description}</td>
                    <td>{ae.enabled ? <span className="badge ok">enabled</span> : <span className="badge bad">disabled</span>}</td>
                    <td className="nowrap">{new Date(ae.updatedAt).toLocaleString()}</td>
                    <td className="nowrap">
                      <button type="button" className="secondary" onClick={() => void verify(ae)} aria-label={`Verify ${ae.aeTitle}`} data-testid="ae-verify">Verify (C-ECHO)</button>{' '}
                      <button type="button" className="secondary" onClick={() => edit(ae)} aria-label={`Edit ${ae.aeTitle}`} data-testid="ae-edit">Edit</button>{' '}
                      <button type="button" className="secondary" onClick={() => void remove(ae)} aria-label={`Delete ${ae.aeTitle}`} data-testid="ae-delete">Delete</button>
                      {v === 'pending' && <span className="muted" data-testid="ae-verify-pending"> checking…</span>}
                      {v && v !== 'pending' && (v.ok
                        ? <span className="ok" data-testid="ae-verify-ok"> reachable ({v.durationMs} ms)</span>
                        : <span className="error-inline" data-testid="ae-verify-failed"> {v.error}</span>)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {aes?.length === 0 && <p className="muted" data-testid="ae-empty">No remote AEs yet.</p>}
      {!aes && !error && <p className="muted page-state" data-testid="ae-loading">Loading remote AEs…</p>}
    </>
  );
}
