// Bring your own model in Debian chromium over real servers (API in-process, built Next.js app):
// an admin uploads the zipped shipped package through the Models page's file input, follows its
// validation, sees it as a CANDIDATE with its evaluation (ROC, precision–recall, reliability,
// confusion matrix), promotes it behind the gate, and a study is then processed by it. A package
// with a wrong output declaration is refused with its reason shown. The validation job is run as
// the worker runs it (executeModelUpload), since the e2e harness has no worker process.
import { promises as fs } from 'fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { executeModelUpload, ingestInstances, registerShippedModel } from '@imaging/domain';
import { shippedModelDir } from '@imaging/ml';
import { packageEntries, phantomStudy, systemContext, zipEntries } from '@imaging/testing';
import { startHarness, userCaller, type Harness } from '../../api/src/testing/harness';
import { runPipeline } from '../../api/src/testing/pipeline';
import { startWeb, launchBrowser, login, ARTIFACTS, type WebServer } from './servers';

describe('admin models page: upload of a model package', () => {
  let h: Harness;
  let web: WebServer;
  let browser: Browser;
  let admin: { email: string; password: string; headers: Record<string, string> };
  let dir: string;

  beforeAll(async () => {
    h = await startHarness({ retrain: { steps: 1, batchSize: 4, learningRate: 0.001, phantomShare: 0.5, gateTolerance: 0.01, heldOutSeries: 2, heldOutSlices: 8 } });
    await registerShippedModel(h.services);
    admin = await userCaller(h, 'ADMIN', 'models-admin@example.org');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'byom-e2e-'));
    const v1 = await packageEntries(shippedModelDir('v1'));
    await fs.writeFile(path.join(dir, 'lesion-unet-v1.zip'), await zipEntries(v1));
    const manifest = JSON.parse(v1['manifest.json'].toString('utf8'));
    manifest.output = { ...manifest.output, maskOutput: 1, probabilityOutput: 0 };
    await fs.writeFile(path.join(dir, 'swapped-outputs.zip'), await zipEntries({ ...v1, 'manifest.json': JSON.stringify(manifest) }));
    [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** Chooses the file, submits, runs the queued job as the worker would and waits for the page to show the outcome. */
  async function uploadThroughPage(page: Page, file: string, state: 'SUCCEEDED' | 'FAILED') {
    await page.getByTestId('model-upload-file').setInputFiles(path.join(dir, file));
    await page.getByTestId('model-upload-submit').click();
    await page.getByTestId('model-upload-status').waitFor();
    const upload = await h.services.db.modelUpload.findFirstOrThrow({ where: { fileName: file }, orderBy: { createdAt: 'desc' } });
    await executeModelUpload(h.services, upload.id);
    await page.locator(`[data-testid=model-upload-status][data-state=${state}]`).waitFor();
    return upload.id;
  }

  it('uploads the zipped shipped package, shows its evaluation, promotes it and a study is processed by it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
    const page = await context.newPage();
    await login(page, web.url, admin);
    await page.getByTestId('nav-models').click();
    await page.getByTestId('model-upload-form').waitFor();

    // a refused package: its reason code and message on the page, no new version
    await uploadThroughPage(page, 'swapped-outputs.zip', 'FAILED');
    expect(await page.getByTestId('model-upload-status').getAttribute('data-code')).toBe('OUTPUT_SHAPE_MISMATCH');
    expect(await page.getByTestId('model-upload-status').textContent()).toContain('output 1 (mask) has shape [1, 1]');
    expect(await page.getByTestId('model-row').count()).toBe(1);

    await uploadThroughPage(page, 'lesion-unet-v1.zip', 'SUCCEEDED');
    const version = (await page.getByTestId('model-upload-version').textContent())!;
    expect(version).toMatch(/^lesion-unet-v1-[0-9a-f]{8}$/);
    const row = page.locator(`[data-testid=model-row][data-version="${version}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('CANDIDATE');

    await row.getByTestId('model-evaluation-toggle').click();
    const evaluation = page.locator(`[data-testid=evaluation][data-version="${version}"]`);
    await evaluation.waitFor();
    expect(await evaluation.getByTestId('evaluation-gate').textContent()).toContain('The gate passed');
    const phantom = evaluation.locator('[data-testid=evaluation-set][data-set=phantom]');
    expect(Number(await phantom.locator('[data-testid=chart-roc] path').getAttribute('data-points'))).toBeGreaterThan(2);
    expect(Number(await phantom.locator('[data-testid=chart-pr] path').getAttribute('data-points'))).toBeGreaterThan(1);
    expect(await phantom.getByTestId('reliability-bin').count()).toBeGreaterThan(0);
    const cells = await phantom.locator('[data-testid=confusion-matrix] td').evaluateAll((els) => els.map((e) => Number(e.textContent)));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(16);
    await page.screenshot({ path: path.join(ARTIFACTS, 'models-upload.png'), fullPage: true });

    // the existing gate: promote, then a study is read by the uploaded version
    page.once('dialog', (d) => void d.accept());
    await row.getByTestId('model-promote').click();
    await page.locator(`[data-testid=model-row][data-version="${version}"][data-status=ACTIVE]`).waitFor();
    const study = phantomStudy({ seed: 940_001, slices: 4, size: 128, lesionProbability: 1 });
    const stored = await ingestInstances(systemContext(h.services), study.files);
    const series = await h.services.db.series.findUniqueOrThrow({ where: { id: stored[0].seriesId! } });
    expect((await runPipeline(h.services, series.seriesInstanceUid)).status).toBe('done');
    const result = await h.services.db.aiResult.findFirstOrThrow({ where: { seriesDbId: series.id }, include: { modelVersion: true } });
    expect(result.modelVersion.version).toBe(version);
    await context.close();
  });
});
