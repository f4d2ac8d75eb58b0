// The Remote AEs admin page in Debian chromium over real servers: add one (a typed refusal first),
// verify it by C-ECHO against a running dcmtk storescp, edit it, delete it; a radiologist has no
// navigation entry and the page refuses them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort } from '@imaging/testing';
import { startHarness, userCaller, type Harness } from '../../api/src/testing/harness';
import { startWeb, launchBrowser, login, type WebServer } from './servers';

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe('admin remote AEs page', () => {
  let h: Harness;
  let web: WebServer;
  let browser: Browser;
  let storescp: ChildProcess;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(path.join(tmpdir(), 'web-remote-ae-'));
    port = await freePort();
    storescp = spawn('storescp', ['-aet', 'STORESCP', '-od', dir, String(port)], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 50));
    [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  });
  afterAll(async () => {
    storescp?.kill();
    await browser?.close();
    await web?.stop();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, verifies, edits and deletes a remote AE', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await login(page, web.url, admin);
    await page.getByTestId('nav-remote-aes').click();
    await page.getByTestId('ae-empty').waitFor();

    // refused by the server's PS3.5 check: nothing stored
    await page.getByTestId('ae-title').fill('BAD\\TITLE');
    await page.getByTestId('ae-host').fill('127.0.0.1');
    await page.getByTestId('ae-port').fill(String(port));
    await page.getByTestId('ae-save').click();
    expect(await page.getByTestId('error').textContent()).toMatch(/no backslash or control characters/);
    expect(await h.services.db.remoteAe.count()).toBe(0);

    await page.getByTestId('ae-title').fill('STORESCP');
    await page.getByTestId('ae-description').fill('dcmtk test node');
    await page.getByTestId('ae-save').click();
    const row = page.locator('[data-testid=ae-row][data-title=STORESCP]');
    await row.waitFor();
    expect(await row.textContent()).toContain('dcmtk test node');

    await row.getByTestId('ae-verify').click();
    await row.getByTestId('ae-verify-ok').waitFor();

    await row.getByTestId('ae-edit').click();
    await page.getByTestId('ae-enabled').uncheck();
    await page.getByTestId('ae-save').click();
    await row.locator('.badge.bad').waitFor();
    expect((await h.services.db.remoteAe.findUniqueOrThrow({ where: { aeTitle: 'STORESCP' } })).enabled).toBe(false);

    await row.getByTestId('ae-delete').click();
    await page.getByTestId('ae-empty').waitFor();
    const actions = (await h.services.db.auditEvent.findMany({ where: { action: { startsWith: 'remoteAe.' } }, orderBy: { id: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['remoteAe.create', 'remoteAe.verify', 'remoteAe.update', 'remoteAe.delete']);
    await context.close();
  });

  it('has no entry for a radiologist, and the page refuses them', async () => {
    const radiologist = await userCaller(h, 'RADIOLOGIST');
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, web.url, radiologist);
    expect(await page.getByTestId('nav-remote-aes').count()).toBe(0);
    await page.goto(`${web.url}/admin/remote-aes`);
    await page.getByTestId('forbidden').waitFor();
    await context.close();
  });
});
