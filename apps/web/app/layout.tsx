import type { ReactNode } from 'react';
import './globals.css';
import { SessionProvider } from '../lib/session';
import { Nav } from './nav';

export const metadata = { title: 'Imaging Review Platform' };

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
