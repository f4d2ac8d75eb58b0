import type { ReactNode } from 'react';
import './globals.css';
import { SessionProvider } from '../lib/session';
import { Nav } from './nav';

export const metadata = { title: 'Imaging Review Platform' };
// Rendered per request so Next.js can put the CSP nonce of proxy.ts on its scripts.
export const dynamic = 'force-dynamic';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <SessionProvider>
          <Nav />
          <main>{children}</main>
        </SessionProvider>
      </body>
    </html>
  );
}
