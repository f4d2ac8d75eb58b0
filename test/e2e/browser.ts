// Real servers and a real browser for end-to-end tests: the API in-process (fresh database, Redis
// prefix and blob folder), the built Next.js app as a child process, Debian chromium via
// playwright-core (no browser download).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startWeb(apiUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const web = path.join(__dirname, '..', '..', 'apps', 'web');
  const nextBin = require.resolve('next/dist/bin/next', { paths: [web] });
  const child: ChildProcess = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: web, env: { ...process.env, API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' }, stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/login`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  // playwright gives every launch a fresh temporary profile (the fresh user-data-dir DESIGN.md asks for).
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
  });
  return { browser, close: () => browser.close() };
}
