'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { gql } from '../lib/graphql';
import { useSession } from '../lib/session';

const LINKS = [
  { href: '/worklist', label: 'Worklist', testId: 'nav-worklist', permission: 'review:perform' },
  { href: '/', label: 'Studies', testId: 'nav-studies', permission: 'phi:read' },
  { href: '/upload', label: 'Upload', testId: 'nav-upload', permission: 'instance:write' },
  { href: '/admin/users', label: 'Users', testId: 'nav-users', permission: 'user:manage' },
  { href: '/admin/api-keys', label: 'API keys', testId: 'nav-api-keys', permission: 'apikey:manage' },
  { href: '/admin/audit', label: 'Audit log', testId: 'nav-audit', permission: 'audit:read' },
  { href: '/admin/models', label: 'Models', testId: 'nav-models', permission: 'model:manage' },
  { href: '/admin/costs', label: 'Costs', testId: 'nav-costs', permission: 'model:manage' },
  { href: '/admin/storage', label: 'Storage', testId: 'nav-storage', permission: 'model:manage' },
  { href: '/admin/remote-aes', label: 'Remote AEs', testId: 'nav-remote-aes', permission: 'remoteAe:manage' },
  { href: '/admin/exports', label: 'Exports', testId: 'nav-exports', permission: 'export:deidentified' },
];

export function Nav() {
  const { viewer, refresh } = useSession();
  const router = useRouter();
  const pathname = usePathname();
  if (!viewer) return null;
  const logout = async () => {
    await gql('mutation { logout }').catch(() => undefined);
    await refresh();
    router.replace('/login');
  };
  const current = (href: string) => (href === '/' ? pathname === '/' || pathname.startsWith('/studies')
    : href === '/worklist' ? pathname.startsWith('/worklist') || pathname.startsWith('/review') : pathname.startsWith(href));
  return (
    <header className="nav">
      <strong className="brand">Imaging Review</strong>
      <nav aria-label="Main">
        {LINKS.filter((l) => viewer.permissions.includes(l.permission)).map((l) => (
          <Link key={l.href} href={l.href} data-testid={l.testId} aria-current={current(l.href) ? 'page' : undefined}>{l.label}</Link>
        ))}
      </nav>
      <span className="who" data-testid="whoami">
        <span data-testid="whoami-name">{viewer.email ?? viewer.name}</span> <span className="role" data-testid="whoami-role">{viewer.role}</span>
      </span>
      <button type="button" className="secondary" onClick={logout} data-testid="logout">Log out</button>
    </header>
  );
}
