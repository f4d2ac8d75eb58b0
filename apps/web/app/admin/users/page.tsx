'use client';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../../lib/graphql';

interface User { id: string; email: string; displayName: string; role: string; disabled: boolean }
const ROLES = ['ADMIN', 'RADIOLOGIST', 'INTEGRATOR'];

export default function UsersPage() {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ email: '', displayName: '', password: '', role: 'RADIOLOGIST' });
  const load = useCallback(() => gql<{ users: User[] }>('{ users { id email displayName role disabled } }').then((d) => setUsers(d.users), (e: Error) => setError(e.message)), []);
  useEffect(() => { void load(); }, [load]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await gql('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: form });
      setForm({ email: '', displayName: '', password: '', role: 'RADIOLOGIST' });
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const setRole = async (userId: string, role: string) => {
    setError(null);
    await gql('mutation($u: ID!, $r: Role!) { setUserRole(userId: $u, role: $r) { id } }', { u: userId, r: role }).catch((e: Error) => setError(e.message));
    await load();
  };
  return (
    <>
      <h1>Users and roles</h1>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      <form className="filters card" onSubmit={create}>
        <label>Email<input type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} data-testid="user-email" /></label>
        <label>Name<input value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} /></label>
        <label>Password (10+ characters)<input type="password" required minLength={10} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} data-testid="user-password" /></label>
        <label>Role<select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></label>
        <button type="submit" data-testid="user-create">Create user</button>
      </form>
      {users && (
        <table data-testid="users-table">
          <thead><tr><th>Email</th><th>Name</th><th>Role</th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="user-row">
                <td>{u.email}</td><td>{u.displayName}</td>
                <td>
                  <label className="muted">Role of {u.email}{' '}
                    <select value={u.role} onChange={(e) => void setRole(u.id, e.target.value)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
                  </label>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
