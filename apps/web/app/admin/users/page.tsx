'use client';
// Users: list, create, change role, disable / enable, sign out everywhere (admins only; the API enforces it too).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, gql, ROLES, type Role } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';

interface User { id: string; email: string; displayName: string; role: Role; disabled: boolean; createdAt: string }
const EMPTY_FORM = { email: '', displayName: '', password: '', role: 'RADIOLOGIST' as Role };

export default function UsersPage() {
  return <RequirePermission permission="user:manage"><Users /></RequirePermission>;
}

function Users() {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY_FORM);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    try {
      setUsers((await gql<{ users: User[] }>('{ users { id email displayName role disabled createdAt } }')).users);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      const input = { ...form, displayName: form.displayName.trim() || null };
      const d = await gql<{ createUser: User }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id email role } }', { i: input });
      setForm(EMPTY_FORM);
      setNotice(`Created ${d.createUser.email} as ${d.createUser.role}.`);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const setRole = async (user: User, role: Role) => {
    setError(null);
    setNotice(null);
    try {
      await gql('mutation($u: ID!, $r: Role!) { setUserRole(userId: $u, role: $r) { id } }', { u: user.id, r: role });
      setNotice(`${user.email} is now ${role}.`);
    } catch (e) {
      setError(errorText(e));
    }
    await load();
  };

  const setDisabled = async (user: User, disabled: boolean) => {
    setError(null);
    setNotice(null);
    try {
      await gql('mutation($u: ID!, $d: Boolean!) { setUserDisabled(userId: $u, disabled: $d) { id } }', { u: user.id, d: disabled });
      setNotice(disabled ? `${user.email} is disabled and signed out everywhere.` : `${user.email} is enabled again.`);
    } catch (e) {
      setError(errorText(e));
    }
    await load();
  };
  const signOut = async (user: User) => {
    setError(null);
    setNotice(null);
    try {
      const d = await gql<{ revokeUserSessions: number }>('mutation($u: ID!) { revokeUserSessions(userId: $u) }', { u: user.id });
      setNotice(`${user.email}: ${d.revokeUserSessions} session(s) ended.`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <>
      <h1>Users and roles</h1>
      <form className="filters card" onSubmit={create} aria-label="Create a user" data-testid="user-form">
        <label>Email<input type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} data-testid="user-email" /></label>
        <label>Name<input value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} data-testid="user-name" /></label>
        <label>Password (10+ characters)<input type="password" autoComplete="new-password" required minLength={10} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} data-testid="user-password" /></label>
        <label>Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })} data-testid="user-role">{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
        </label>
        <div className="actions"><button type="submit" disabled={busy} data-testid="user-create">Create user</button></div>
      </form>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      {notice && <p className="notice" role="status" data-testid="user-notice">{notice}</p>}
      {users && (
        <div className="table-wrap">
          <table data-testid="users-table">
            <thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Created</th><th>State</th><th>Access</th></tr></thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} data-testid="user-row" data-email={u.email}>
                  <td>{u.email}</td><td>{u.displayName}</td>
                  <td>
                    <select aria-label={`Role of ${u.email}`} value={u.role} onChange={(e) => void setRole(u, e.target.value as Role)} data-testid="user-row-role">
                      {ROLES.map((r) => <option key={r}>{r}</option>)}
                    </select>
                  </td>
                  <td className="nowrap">{new Date(u.createdAt).toLocaleString()}</td>
                  <td>{u.disabled ? <span className="badge bad">disabled</span> : <span className="badge good">active</span>}</td>
                  <td className="nowrap">
                    <button type="button" onClick={() => void setDisabled(u, !u.disabled)} data-testid="user-row-toggle">{u.disabled ? 'Enable' : 'Disable'}</button>{' '}
                    <button type="button" onClick={() => void signOut(u)} disabled={u.disabled} data-testid="user-row-signout">Sign out everywhere</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!users && !error && <p className="muted page-state" data-testid="users-loading">Loading users…</p>}
    </>
  );
}
