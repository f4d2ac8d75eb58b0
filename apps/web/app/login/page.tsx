'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { errorText, gql, GraphQLRequestError } from '../../lib/graphql';
import { useSession } from '../../lib/session';

export default function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { viewer, refresh } = useSession();
  const router = useRouter();
  useEffect(() => { if (viewer) router.replace('/'); }, [viewer, router]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { expiresAt } }', { e: email, p: password });
      await refresh();
    } catch (err) {
      setError(err instanceof GraphQLRequestError && err.code === 'UNAUTHENTICATED' ? `Sign-in failed: ${err.detail}.` : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card login">
      <h1>Sign in</h1>
      <form onSubmit={submit} data-testid="login-form">
        <label htmlFor="login-email">Email</label>
        <input id="login-email" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} data-testid="login-email" />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" disabled={busy} data-testid="login-submit">{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p className="muted">Demo accounts are printed by <code>npm start</code> (also in <code>.data/demo-credentials.txt</code>).</p>
    </div>
  );
}
