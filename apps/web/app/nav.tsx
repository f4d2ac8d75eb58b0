'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { gql } from '../lib/graphql';
import { useSession } from '../lib/session';

export function Nav() {
  const { viewer, refresh } = useSession();
  const router = useRouter();
  if (!viewer) return null;
  const logout = async () => {
    await gql('mutation { logout }').catch(() => undefined);
    await refresh();
    router.replace('/login');
  };
  return (
    <header className="nav">
      <strong>Imaging Review</strong>
      <nav aria-label="main">
        <Link href="/" data-testid="nav-studies">Studies</Link>
        {viewer.role === 'ADMIN' && (
          <>
            <Link href="/admin/users" data-testid="nav-users">Users</Link>
            <Link href="/admin/api-keys" data-testid="nav-api-keys">API keys</Link>
            <Link href="/admin/audit" data-testid="nav-audit">Audit log</Link>
          </>
        )}
      </nav>
      <span className="who" data-testid="whoami">{viewer.email ?? viewer.name} · {viewer.role}</span>
      <button type="button" onClick={logout} data-testid="logout">Log out</button>
    </header>
  );
}
