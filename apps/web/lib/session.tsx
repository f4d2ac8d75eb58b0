'use client';
// Who is logged in, for every page: redirects to /login when nobody is.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { usePathname, useRouter } from 'next/navigation';
import { gql, settleGraphQL, type Viewer } from './graphql';
import { ME_QUERY, takePrefetchedMe } from './prefetch';

interface Session { viewer: Viewer | null; refresh: () => Promise<void> }
const SessionContext = createContext<Session>({ viewer: null, refresh: async () => undefined });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [loaded, setLoaded] = useState(false);
  const router = useRouter();
  const pathname = usePathname();
  const refresh = useCallback(async () => {
    // the first time, the answer to the document's own request (lib/prefetch.ts) if it made one
    const prefetchedMe = takePrefetchedMe();
    const data = await (prefetchedMe ? settleGraphQL<{ me: Viewer | null }>(prefetchedMe) : gql<{ me: Viewer | null }>(ME_QUERY)).catch(() => ({ me: null }));
    setViewer(data.me);
    setLoaded(true);
  }, []);
  useEffect(() => { void refresh(); }, [refresh]);
  useEffect(() => {
    if (loaded && !viewer && pathname !== '/login') router.replace('/login');
  }, [loaded, viewer, pathname, router]);
  if (pathname !== '/login' && (!loaded || !viewer)) return <p className="muted page-state" data-testid="session-loading">Loading…</p>;
  return <SessionContext.Provider value={{ viewer, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  return useContext(SessionContext);
}

/** Renders its page only for callers holding `permission`; others get a plain explanation (the API refuses them too). */
export function RequirePermission({ permission, children }: { permission: string; children: ReactNode }) {
  const { viewer } = useSession();
  if (!viewer?.permissions.includes(permission)) {
    return (
      <div className="card" role="alert" data-testid="forbidden">
        <h1>Not available for your role</h1>
        <p>This page is for administrators. You are signed in as {viewer?.role ?? 'nobody'}; ask an administrator if you need access.</p>
      </div>
    );
  }
  return <>{children}</>;
}
