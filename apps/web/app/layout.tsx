import type { ReactNode } from 'react';
import { headers } from 'next/headers';
import './globals.css';
import { prefetchScript, studyUidOfPath } from '../lib/prefetch';
import { SessionProvider } from '../lib/session';
import { Nav } from './nav';

export const metadata = { title: 'Imaging Review Platform' };
// Rendered per request so Next.js can put the CSP nonce of proxy.ts on its scripts.
export const dynamic = 'force-dynamic';

export default async function RootLayout({ children }: { children: ReactNode }) {
  // the session and a study page's first image are asked for by the document itself (lib/prefetch.ts)
  const request = await headers();
  const script = prefetchScript(studyUidOfPath(request.get('x-pathname')));
  return (
    <html lang="en">
      <body>
        <script nonce={request.get('x-nonce') ?? undefined} dangerouslySetInnerHTML={{ __html: script }} />
        <SessionProvider>
          <Nav />
          <main>{children}</main>
        </SessionProvider>
      </body>
    </html>
  );
}
