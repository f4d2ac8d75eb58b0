'use client';
import { useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { gql } from '../../lib/graphql';
import { useSession } from '../../lib/session';

export default function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { refresh } = useSession();
  const router = useRouter();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { expiresAt } }', { e: email, p: password });
      await refresh();
      router.replace('/');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card login">
      <h1>Sign in</h1>
      <form onSubmit={submit}>
        <label>Email<br /><input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="login-email" /></label>
        <label>Password<br /><input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" /></label>
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" disabled={busy} data-testid="login-submit">{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p className="muted">Demo accounts are printed by <code>npm start</code> (also in <code>.data/demo-credentials.txt</code>).</p>
    </div>
  );
}
