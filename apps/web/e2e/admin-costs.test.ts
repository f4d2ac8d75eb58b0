// The admin cost page in Debian chromium over real servers (API in-process with a daily ceiling,
// built Next.js app): two phantom series through the real pipeline (float32 and uint8), spend
// seeded into the economy tier, one WADO-RS download; then the banner, both bar charts, the
// recent studies, the variant scatter plot, the queues and the budget decisions must show them.
// The storage page shows the same two (compressed) series as received and as stored.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { activeModel, ingestInstances, preprocessInstance, processSeries, spentToday } from '@imaging/domain';
import { createLocalEngine } from '@imaging/ml';
import { phantomStudy, systemContext } from '@imaging/testing';
import { startHarness, userCaller, type Harness } from '../../api/src/testing/harness';
import { runPipeline } from '../../api/src/testing/pipeline';
import { startWeb, launchBrowser, login, ARTIFACTS, type WebServer } from './servers';

const CEILING = 2;
const CPU_SECOND = 0.001;

describe('admin costs page', () => {
  let h: Harness;
  let web: WebServer;
  let browser: Browser;
  let admin: { email: string; password: string; headers: Record<string, string> };
  const first = phantomStudy({ seed: 930_001, slices: 6, size: 128, lesionProbability: 1, studyDescription: 'CT COSTS FLOAT32' });
  const second = phantomStudy({ seed: 930_002, slices: 6, size: 128, lesionProbability: 1, studyDescription: 'CT COSTS UINT8' });

  beforeAll(async () => {
    h = await startHarness({
      inferSettleMs: 0, budget: { ceilingPerDay: CEILING, economyAt: 0.6, minimalAt: 0.85 },
      unitPrices: { currency: 'USD', cpuSecond: CPU_SECOND, gpuSecond: 0.01, gbMonth: 0.023, gbTransfer: 0.09 },
    });
    const s = h.services;
    const ctx = systemContext(s);
    admin = await userCaller(h, 'ADMIN', 'costs-admin@example.org');

    // float32 through the test pipeline (the budget is still in the full tier)
    const ingested = await ingestInstances(ctx, first.files);
    const firstSeries = await s.db.series.findUniqueOrThrow({ where: { id: ingested[0].seriesId! } });
    expect((await runPipeline(s, firstSeries.seriesInstanceUid)).status).toBe('done');

    // spend seeded into the economy tier, then a second series run with the uint8 weights
    const needed = 0.7 * CEILING - (await spentToday(s));
    await s.db.processingStage.create({ data: { seriesDbId: firstSeries.id, name: 'seeded', startedAt: new Date(), durationMs: 1000, cpuMs: Math.ceil((needed / CPU_SECOND) * 1000) } });
    const next = await ingestInstances(ctx, second.files);
    for (const r of next) await preprocessInstance(s, r.instanceId!);
    const model = (await activeModel(s))!;
    const engine = await createLocalEngine({ modelDir: model.artifacts.uint8, backend: 'wasm' });
    try {
      const outcome = await processSeries(s, { engine, model, variant: 'uint8', batchSize: 4 }, { seriesId: next[0].seriesId!, preprocessedCount: next.length });
      expect(outcome.status).toBe('done');
    } finally {
      await engine.close();
    }

    // a viewer download of the first study: counted as bytes sent
    const wado = await fetch(`${h.url}/dicom-web/studies/${first.studyInstanceUid}`, { headers: { ...admin.headers, accept: 'multipart/related; type="application/dicom"' } });
    expect(wado.status).toBe(200);
    await wado.arrayBuffer();

    [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
  });

  it('shows the tier, cost and time per day, recent studies, the variant trade-off, queues and decisions', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
    const page = await context.newPage();
    await login(page, web.url, admin);
    await page.getByTestId('nav-costs').click();
    await page.getByTestId('budget-banner').waitFor();

    // the banner: economy tier, spend against the ceiling
    expect(await page.getByTestId('budget-banner').getAttribute('data-tier')).toBe('economy');
    expect(await page.getByTestId('budget-tier').textContent()).toBe('economy');
    expect(await page.getByTestId('budget-spend').textContent()).toMatch(/^1\.\d\d USD of 2\.00 USD spent today \(7\d\.\d %\)$/);

    // bar charts: 14 days, today's bar carries the cost and the compute time
    for (const chart of ['chart-cost', 'chart-time']) {
      const bars = page.getByTestId(`${chart}-bar`);
      expect(await bars.count()).toBe(14);
      const today = bars.last();
      expect(Number(await today.getAttribute('data-total'))).toBeGreaterThan(0);
      expect(await today.locator('rect').count()).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('chart-cost-bar').first().locator('rect').count()).toBe(0);

    // recent studies: both, newest first, with per-stage times and the bytes sent of the first
    const rows = page.getByTestId('recent-study-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('CT COSTS UINT8');
    const firstRow = rows.filter({ hasText: 'CT COSTS FLOAT32' });
    expect(await firstRow.locator('[data-stage=inference]').textContent()).toMatch(/\d+(\.\d)? (ms|s)$/);
    expect(await firstRow.locator('[data-stage=transfer]').textContent()).toMatch(/USD$/);
    expect(await rows.filter({ hasText: 'CT COSTS UINT8' }).locator('[data-stage=transfer]').textContent()).toBe('—');

    // the scatter plot: one labelled point per variant that ran
    const points = page.getByTestId('chart-variants-point');
    expect((await points.evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))).sort()).toEqual(['float32 (wasm)', 'uint8 (wasm)']);
    expect(await page.getByTestId('chart-variants').locator('circle').count()).toBe(2);
    expect(await page.getByTestId('variant-row').count()).toBe(2);
    expect(await page.locator('[data-testid=variant-row][data-variant=float32] td').last().textContent()).toBe('100.00 %');

    // the measured frontier of the active version's variants: the student is the cheapest, float32 the best
    const frontier = page.getByTestId('chart-frontier-point');
    expect((await frontier.evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))).sort()).toEqual(['float32', 'student']);
    expect(await page.locator('[data-testid=chart-frontier-point][data-label=student]').getAttribute('data-frontier')).toBe('true');
    expect(await page.locator('[data-testid=chart-frontier-point][data-label=float32]').getAttribute('data-frontier')).toBe('true');
    expect(await page.getByTestId('chart-frontier-line').count()).toBe(1);

    // queues and decisions
    expect(await page.locator('[data-testid=cost-queue-row][data-queue=infer]').count()).toBe(1);
    const tiers = await page.getByTestId('budget-decision-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-tier')));
    expect(tiers).toEqual(['economy', 'full']);
    expect(await page.getByTestId('budget-decision-row').first().textContent()).toContain('economy tier (student, batch 16)');

    await page.screenshot({ path: path.join(ARTIFACTS, 'costs.png'), fullPage: true });
    await context.close();
  });

  it('shows the archive as received and as stored, by transfer syntax and modality', async () => {
    const s = h.services;
    const totals = await s.db.instance.aggregate({ _sum: { sizeBytes: true, storedBytes: true }, _count: true });
    const expectedRatio = Number(totals._sum.sizeBytes) / Number(totals._sum.storedBytes);
    expect(expectedRatio).toBeGreaterThan(1); // both series went through the preprocess job's compression

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, web.url, admin);
    await page.getByTestId('nav-storage').click();
    await page.getByTestId('storage-totals').waitFor();
    expect(await page.getByTestId('storage-studies').textContent()).toBe('2');
    expect(await page.getByTestId('storage-instances').textContent()).toBe(String(totals._count));
    expect(await page.getByTestId('storage-total-ratio').textContent()).toMatch(new RegExp(`^${expectedRatio.toFixed(2)}× \\(\\d+\\.\\d % saved`));
    expect(await page.locator('[data-testid=storage-modality-row][data-modality=CT]').count()).toBe(1);
    expect(await page.getByTestId('storage-syntax-row').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'storage.png'), fullPage: true });
    await context.close();
  });
});
