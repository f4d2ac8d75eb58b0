'use client';
// API keys for integrators: create (the secret is shown once, with an expiry), list, revoke.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, gql, ROLES, type Role } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';

interface ApiKey { id: string; name: string; prefix: string; role: Role; createdAt: string; lastUsedAt: string | null; expiresAt: string | null; revokedAt: string | null }

export default function ApiKeysPage() {
  return <RequirePermission permission="apikey:manage"><ApiKeys /></RequirePermission>;
}

function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('INTEGRATOR');
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const load = useCallback(async () => {
    try {
      setKeys((await gql<{ apiKeys: ApiKey[] }>('{ apiKeys { id name prefix role createdAt lastUsedAt expiresAt revokedAt } }')).apiKeys);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCopied(null);
    try {
      const d = await gql<{ createApiKey: { key: string; apiKey: ApiKey } }>(
        'mutation($n: String!, $r: Role!, $d: Int) { createApiKey(name: $n, role: $r, expiresInDays: $d) { key apiKey { id name prefix role } } }',
        { n: name.trim(), r: role, d: days.trim() ? Number(days) : null });
      setCreated({ key: d.createApiKey.key, name: d.createApiKey.apiKey.name });
      setName('');
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke the key "${key.name}"? Integrations using it stop working at once.`)) return;
    setError(null);
    try {
      await gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: key.id });
    } catch (e) {
      setError(errorText(e));
    }
    await load();
  };

  return (
    <>
      <h1>API keys</h1>
      <form className="filters card" onSubmit={create} aria-label="Create an API key" data-testid="key-form">
        <label>Name<input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="PACS bridge" data-testid="key-name" /></label>
        <label>Role<select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="key-role">{ROLES.map((r) => <option key={r}>{r}</option>)}</select></label>
        <label>Expires after (days)<input type="number" min={1} step={1} value={days} onChange={(e) => setDays(e.target.value)} data-testid="key-days" /></label>
        <div className="actions"><button type="submit" data-testid="key-create">Create key</button></div>
      </form>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      {created && (
        <div className="card secret" role="status" data-testid="key-created">
          <p><strong>Copy the key for “{created.name}” now.</strong> It is shown only this once; the server keeps only its hash.</p>
          <p className="key" data-testid="key-value">{created.key}</p>
          <button type="button" onClick={() => void copy()} data-testid="key-copy">Copy to clipboard</button>{' '}
          <button type="button" className="secondary" onClick={() => { setCreated(null); setCopied(null); }} data-testid="key-dismiss">I have saved it</button>{' '}
          {copied === 'yes' && <span className="ok" data-testid="key-copied">Copied.</span>}
          {copied === 'failed' && <span className="error-inline" data-testid="key-copy-failed">The browser refused the clipboard: select the key and copy it by hand.</span>}
        </div>
      )}
      {keys && (
        <div className="table-wrap">
          <table data-testid="keys-table">
            <thead><tr><th>Name</th><th>Key starts with</th><th>Role</th><th>Created</th><th>Last used</th><th>Expires</th><th>State</th></tr></thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-testid="key-row" data-name={k.name} data-revoked={k.revokedAt ? 'true' : 'false'}>
                  <td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{k.role}</td><td className="nowrap">{new Date(k.createdAt).toLocaleString()}</td>
                  <td className="nowrap">{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : 'never'}</td>
                  <td className="nowrap">{k.expiresAt ? new Date(k.expiresAt).toLocaleDateString() : 'never'}</td>
                  <td>{k.revokedAt
                    ? <span className="badge bad" data-testid="key-revoked">revoked</span>
                    : <button type="button" className="secondary" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`} data-testid="key-revoke">Revoke</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {keys?.length === 0 && <p className="muted" data-testid="keys-empty">No API keys yet.</p>}
      {!keys && !error && <p className="muted page-state" data-testid="keys-loading">Loading keys…</p>}
    </>
  );
}
