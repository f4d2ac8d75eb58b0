'use client';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../../lib/graphql';

interface ApiKey { id: string; name: string; prefix: string; role: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }

export default function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('INTEGRATOR');
  const [created, setCreated] = useState<string | null>(null);
  const load = useCallback(() => gql<{ apiKeys: ApiKey[] }>('{ apiKeys { id name prefix role createdAt lastUsedAt revokedAt } }').then((d) => setKeys(d.apiKeys), (e: Error) => setError(e.message)), []);
  useEffect(() => { void load(); }, [load]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const d = await gql<{ createApiKey: { key: string } }>('mutation($n: String!, $r: Role!) { createApiKey(name: $n, role: $r) { key } }', { n: name, r: role });
      setCreated(d.createApiKey.key);
      setName('');
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (id: string) => {
    await gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id }).catch((e: Error) => setError(e.message));
    await load();
  };
  return (
    <>
      <h1>API keys</h1>
      {error && <p className="error" role="alert">{error}</p>}
      <form className="filters card" onSubmit={create}>
        <label>Name<input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} data-testid="key-name" /></label>
        <label>Role<select value={role} onChange={(e) => setRole(e.target.value)}><option>INTEGRATOR</option><option>RADIOLOGIST</option><option>ADMIN</option></select></label>
        <button type="submit" data-testid="key-create">Create key</button>
      </form>
      {created && (
        <div className="card" data-testid="key-created">
          <p><strong>Copy this key now.</strong> It is shown only once; the server keeps only its hash.</p>
          <p className="key" data-testid="key-value">{created}</p>
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(created)}>Copy</button>{' '}
          <button type="button" className="secondary" onClick={() => setCreated(null)}>Done</button>
        </div>
      )}
      {keys && (
        <table data-testid="keys-table">
          <thead><tr><th>Name</th><th>Key starts with</th><th>Role</th><th>Created</th><th>Last used</th><th></th></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="key-row">
                <td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{k.role}</td><td>{new Date(k.createdAt).toLocaleString()}</td>
                <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : 'never'}</td>
                <td>{k.revokedAt ? <span className="badge bad">revoked</span> : <button type="button" className="secondary" onClick={() => void revoke(k.id)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
