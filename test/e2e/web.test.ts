// The web app in Debian chromium over the real API: login, search, study page, API keys, audit,
// and role limits. Selects by data-testid and waits for visible states; no sleeps.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { syntheticCtSeries } from '@imaging/dicom';
import { createUser } from '@imaging/domain';
import { systemContext } from '@imaging/testing';
import { startHarness, apiKeyCaller, postDicom, type Harness } from '../../apps/api/src/testing/harness';
import { startWeb, launchBrowser, ARTIFACTS } from './browser';

const PASSWORD = 'correct horse battery staple';

describe('web app', () => {
  let h: Harness;
  let web: { url: string; stop: () => Promise<void> };
  let browser: { browser: Browser; close: () => Promise<void> };

  beforeAll(async () => {
    h = await startHarness();
    await createUser(systemContext(h.services), { email: 'admin@example.org', password: PASSWORD, role: 'ADMIN' });
    await createUser(systemContext(h.services), { email: 'reader@example.org', password: PASSWORD, role: 'RADIOLOGIST' });
    const integrator = await apiKeyCaller(h, 'INTEGRATOR');
    for (const [seed, name] of [[11, 'DOE^JANE'], [12, 'ROE^RICHARD']] as const) {
      const { files } = syntheticCtSeries({ seed, slices: 4, size: 64, patientName: name, patientId: `P${seed}` });
      expect((await postDicom(h, integrator, files, { multipart: true })).status).toBe(200);
    }
    web = await startWeb(h.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
  });

  async function login(page: Page, email: string) {
    await page.goto(`${web.url}/login`);
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('studies-table').waitFor();
  }

  it('lets an admin search studies, open one, create an API key and see a verified audit trail', async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${web.url}/`);
    await page.waitForURL('**/login');
    await page.getByTestId('login-email').fill('admin@example.org');
    await page.getByTestId('login-password').fill('wrong password!');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toContain('email or password is wrong');

    await login(page, 'admin@example.org');
    expect(await page.getByTestId('study-row').count()).toBe(2);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studies.png') });
    await page.getByTestId('filter-patientName').fill('doe*');
    await page.getByTestId('search').click();
    await page.getByTestId('studies-total').filter({ hasText: '1 study' }).waitFor();
    await page.getByTestId('study-link').first().click();
    await page.getByTestId('study-title').waitFor();
    expect(await page.getByTestId('study-title').textContent()).toContain('DOE^JANE');
    expect(await page.getByTestId('instance-row').count()).toBe(4);
    // Browser-side expressions as strings: this file is typechecked without DOM types.
    await page.waitForFunction("document.querySelector('[data-testid=viewer-image]')?.naturalWidth === 64");
    expect(await page.evaluate("document.querySelector('[data-testid=viewer-image]').complete")).toBe(true);
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('slice-number').filter({ hasText: 'slice 2 / 4' }).waitFor();
    await page.getByTestId('preset-lung').click();
    await page.waitForFunction("document.querySelector('[data-testid=viewer-image]')?.src.includes('preset=lung')");
    await page.screenshot({ path: path.join(ARTIFACTS, 'study.png') });

    await page.getByTestId('nav-api-keys').click();
    await page.getByTestId('key-name').fill('PACS bridge');
    await page.getByTestId('key-create').click();
    await page.getByTestId('key-value').waitFor();
    expect(await page.getByTestId('key-value').textContent()).toMatch(/^irp_/);

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('chain-ok').waitFor();
    expect(await page.getByTestId('audit-row').count()).toBeGreaterThan(5);
    await page.getByTestId('audit-action').fill('apiKey.*');
    await page.getByTestId('audit-search').click();
    await page.getByTestId('audit-row').filter({ hasText: 'apiKey.create' }).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'audit.png') });
    await page.close();
  });

  it('shows a radiologist no admin pages and refuses admin data', async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await login(page, 'reader@example.org');
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    await page.goto(`${web.url}/admin/users`);
    await page.getByTestId('error').waitFor();
    expect(await page.getByTestId('error').textContent()).toContain('may not user:manage');
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    await page.close();
  });
});
