// The study page's multi-viewer layouts in Debian chromium over real servers (API in-process,
// built Next.js app): a stored 6-slice CT, shown 1x2 (the one series twice, a prior/current
// comparison); with "Sync scroll" on, scrolling the first viewer moves the second to the same
// slice; with it off, the second stays where it is. 2x2 then shows four viewers.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { syntheticCtSeries } from '@imaging/dicom';
import { startHarness, apiKeyCaller, userCaller, postDicom, type Harness } from '../../api/src/testing/harness';
import { startWeb, launchBrowser, login, ARTIFACTS, type WebServer } from './servers';

describe('study page layouts', () => {
  let h: Harness;
  let web: WebServer;
  let browser: Browser;
  let reader: { email: string; password: string };
  const series = syntheticCtSeries({ seed: 1701, slices: 6, size: 64, patientName: 'LAYOUT^LIZ', patientId: 'L1701', studyDescription: 'CT layout' });

  beforeAll(async () => {
    h = await startHarness();
    reader = await userCaller(h, 'RADIOLOGIST', 'layout-reader@example.org');
    const integrator = await apiKeyCaller(h, 'INTEGRATOR');
    const res = await postDicom(h, integrator, series.files, { multipart: true });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(Array(6).fill('stored'));
    [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
  });

  it('shows 1x2 and 2x2, and scrolls the viewers together only while sync is on', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, web.url, reader);
    await page.getByTestId('study-link').filter({ hasText: 'LAYOUT^LIZ' }).click();
    await page.locator('[data-testid=viewer][data-rendered-slice="0"]').waitFor();
    expect(await page.getByTestId('viewer').count()).toBe(1);

    await page.getByTestId('layout-1x2').click();
    await page.locator('[data-testid=layout-grid][data-layout="1x2"]').waitFor();
    const viewers = page.getByTestId('viewer');
    await page.locator('[data-testid=viewer][data-rendered-slice="0"] >> nth=1').waitFor();
    expect(await viewers.count()).toBe(2);
    expect(await page.locator('[data-testid=viewer][data-rendered-slice="0"]').count()).toBe(2);
    // one series in the study: both cells show it
    const pickers = page.getByTestId('cell-series');
    expect(await pickers.count()).toBe(2);
    expect(await pickers.evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual([series.seriesInstanceUid, series.seriesInstanceUid]);

    // sync on: both viewports join the synchronizer once their whole stacks are set
    await page.getByTestId('sync-scroll').check();
    await page.locator('[data-testid=layout-grid][data-synced="2"]').waitFor();
    await viewers.first().focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await viewers.first().and(page.locator('[data-rendered-slice="3"]')).waitFor();
    await viewers.nth(1).and(page.locator('[data-rendered-slice="3"]')).waitFor();
    expect(await viewers.nth(1).getByTestId('slice-number').textContent()).toBe('slice 4 / 6');
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1x2-sync.png') });

    // sync off: the first moves on, the second stays at slice 3
    await page.getByTestId('sync-scroll').uncheck();
    await page.locator('[data-testid=layout-grid][data-synced="0"]').waitFor();
    await viewers.first().focus();
    await page.keyboard.press('ArrowDown');
    await viewers.first().and(page.locator('[data-rendered-slice="4"]')).waitFor();
    await viewers.first().getByTestId('slice-number').filter({ hasText: 'slice 5 / 6' }).waitFor();
    expect(await viewers.nth(1).getAttribute('data-rendered-slice')).toBe('3');
    expect(await viewers.nth(1).getByTestId('slice-number').textContent()).toBe('slice 4 / 6');

    // 2x2: four viewers, each drawing its first image
    await page.getByTestId('layout-2x2').click();
    await page.locator('[data-testid=layout-grid][data-layout="2x2"]').waitFor();
    await page.locator('[data-testid=viewer][data-rendered-slice] >> nth=3').waitFor();
    expect(await viewers.count()).toBe(4);
    expect(await pickers.count()).toBe(4);
    await page.getByTestId('layout-1x1').click();
    await page.getByTestId('layout-grid').waitFor({ state: 'detached' });
    expect(await viewers.count()).toBe(1);
    await context.close();
  });
});
