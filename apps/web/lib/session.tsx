'use client';
// Who is logged in, for every page: redirects to /login when nobody is.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { usePathname, useRouter } from 'next/navigation';
import { gql, type Viewer } from './graphql';

const SessionContext = createContext<{ viewer: Viewer | null; refresh: () => Promise<void> }>({ viewer: null, refresh: async () => undefined });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [loaded, setLoaded] = useState(false);
  const router = useRouter();
  const pathname = usePathname();
  const refresh = async () => {
    const data = await gql<{ me: Viewer | null }>('{ me { kind id role email name } }').catch(() => ({ me: null }));
    setViewer(data.me);
    setLoaded(true);
  };
  useEffect(() => { void refresh(); }, []);
  useEffect(() => {
    if (loaded && !viewer && pathname !== '/login') router.replace('/login');
  }, [loaded, viewer, pathname, router]);
  if (!loaded && pathname !== '/login') return <p className="muted" data-testid="loading">Loading…</p>;
  return <SessionContext.Provider value={{ viewer, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession() {
  return useContext(SessionContext);
}
