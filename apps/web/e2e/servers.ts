// Real servers and a real browser for the end-to-end test: the built Next.js app as a child
// process (`next start`, API_URL read at run time by the proxy routes) and Debian chromium via
// playwright-core (no browser download).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '@imaging/testing';

export const WEB_DIR = path.join(__dirname, '..');
export const ARTIFACTS = path.join(WEB_DIR, '..', '..', 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';


export interface WebServer { url: string; stop(): Promise<void> }

/** `next start` on a free port; resolves once it serves /login, rejects with its output if it dies first. */
export async function startWeb(apiUrl: string, timeoutMs = 60_000): Promise<WebServer> {
  if (!existsSync(path.join(WEB_DIR, '.next', 'BUILD_ID'))) {
    throw new Error('apps/web has no production build: run `npm run build -w @imaging/web` first (turbo does it before `test`)');
  }
  const port = await freePort();
  const nextBin = require.resolve('next/dist/bin/next', { paths: [WEB_DIR] });
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: WEB_DIR, env: { ...process.env, API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`next start exited (${code}):\n${output}`))));
  exited.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // Poll until the server answers (a readiness check, not a sleep standing in for one).
      const ok = await fetch(`${url}/login`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`next start did not answer within ${timeoutMs} ms:\n${output}`);
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Debian chromium, headless. playwright's launch() gives every browser a fresh temporary profile
 * (it refuses a --user-data-dir argument), which is the fresh user-data-dir we want.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-system.sh (Debian package chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
  });
}

/** Signs `who` in through the login form and waits for the studies page. */
export async function login(page: Page, webUrl: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${webUrl}/login`);
  await page.getByTestId('login-email').fill(who.email);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('studies-table').waitFor();
}
