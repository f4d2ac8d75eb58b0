// The Exports admin page in Debian chromium over real servers: an admin picks a study with one
// burned-in annotation image, a project and an option, starts an export to a zip archive, watches
// it finish (the job taken from the real queue and run as the worker runs it), sees the refused
// image listed and downloads the zip; a radiologist has no entry and the page refuses them. And the
// study page's Send to PACS stores the study on a remote AE picked from the list (dcmtk storescp).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import * as dcmjs from 'dcmjs';
import { syntheticCtSeries } from '@imaging/dicom';
import { executeDeidentifiedExport } from '@imaging/domain';
import { freePort } from '@imaging/testing';
import { postDicom, startHarness, userCaller, type Harness } from '../../api/src/testing/harness';
import { startWeb, launchBrowser, login, type WebServer } from './servers';

type Ds = Record<string, { vr: string; Value?: unknown[] }>;

describe('admin exports page', () => {
  let h: Harness;
  let web: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness();
    [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
  });

  it('starts an export of a picked study, shows progress to done, the refused image and a download', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const series = syntheticCtSeries({ seed: 9301, slices: 3, size: 16 });
    const burned = dcmjs.data.DicomMessage.readFile(series.files[2].buffer.slice(series.files[2].byteOffset, series.files[2].byteOffset + series.files[2].byteLength) as ArrayBuffer);
    (burned.dict as Ds)['00280301'] = { vr: 'CS', Value: ['YES'] };
    const files = [series.files[0], series.files[1], Buffer.from(burned.write())];
    expect((await postDicom(h, admin, files, { multipart: true })).status).toBe(200);

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await login(page, web.url, admin);
    await page.getByTestId('nav-exports').click();
    await page.getByTestId('exports-empty').waitFor();
    await page.locator(`[data-testid=export-study][data-uid="${series.studyInstanceUid}"]`).getByTestId('export-study-select').check();
    await page.getByTestId('export-project').fill('E2E project');
    await page.getByTestId('export-clean-descriptors').check();
    await page.getByTestId('export-start').click();
    const row = page.getByTestId('export-row');
    await row.waitFor();
    expect(['queued', 'running']).toContain(await row.getByTestId('export-state').textContent());

    // the worker's part: the job from the real queue, run by the function the worker runs
    const [exp] = await h.services.db.$queryRawUnsafe<{ id: string; options: { cleanDescriptors: boolean } }[]>(`SELECT id::text, options FROM "DeidentifiedExport"`);
    expect(exp.options.cleanDescriptors).toBe(true);
    const job = await h.services.queues.deidentifiedExport.getJob(`export-${exp.id}`);
    expect(job).toBeDefined();
    await executeDeidentifiedExport(h.services, exp.id, job!.data.requestId);
    await job!.remove();

    await page.locator('[data-testid=export-row][data-state=DONE]').waitFor();
    expect(await row.getByTestId('export-progress').textContent()).toContain('3 / 3 (2 exported');
    expect(await row.getByTestId('export-refused').textContent()).toMatch(/^1/);
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('export-download').click()]);
    const zip = readFileSync((await download.path())!);
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect(await h.services.db.auditEvent.count({ where: { action: 'export.download', resourceId: exp.id, actorId: admin.id } })).toBe(1);
    await context.close();
  });

  it('sends a study to a remote AE from the study page', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'web-send-'));
    const port = await freePort();
    const storescp: ChildProcess = spawn('storescp', ['-aet', 'PACS', '-od', dir, String(port)], { stdio: 'ignore' });
    try {
      const listening = () => new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => { socket.destroy(); resolve(true); });
        socket.once('error', () => resolve(false));
      });
      for (let i = 0; i < 100 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 50));
      await h.services.db.remoteAe.create({ data: { aeTitle: 'PACS', host: '127.0.0.1', port, description: 'test PACS' } });
      const radiologist = await userCaller(h, 'RADIOLOGIST');
      const series = syntheticCtSeries({ seed: 9302, slices: 2, size: 16 });
      expect((await postDicom(h, radiologist, series.files, { multipart: true })).status).toBe(200);
      const context = await browser.newContext();
      const page = await context.newPage();
      await login(page, web.url, radiologist);
      await page.goto(`${web.url}/studies/${series.studyInstanceUid}`);
      await page.getByTestId('send-to-pacs').waitFor();
      await page.getByTestId('send-destination').selectOption({ label: 'PACS — test PACS' });
      await page.getByTestId('send-to-pacs-button').click();
      expect(await page.getByTestId('send-result').textContent()).toContain('2 of 2 instances stored by PACS');
      expect(readdirSync(dir)).toHaveLength(2);
      expect(await h.services.db.auditEvent.count({ where: { action: 'remoteAe.store', actorId: radiologist.id, outcome: 'SUCCESS' } })).toBe(1);
      await context.close();
    } finally {
      storescp.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has no entry for a radiologist, and the page refuses them', async () => {
    const radiologist = await userCaller(h, 'RADIOLOGIST');
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, web.url, radiologist);
    expect(await page.getByTestId('nav-exports').count()).toBe(0);
    await page.goto(`${web.url}/admin/exports`);
    await page.getByTestId('forbidden').waitFor();
    await context.close();
  });
});
