// The web app in Debian chromium over real servers: the API in-process (fresh Postgres database,
// Redis prefix, blob folder) and the built Next.js app via `next start`. Selects by data-testid
// and waits for visible states; never sleeps.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { syntheticCtSeries } from '@imaging/dicom';
import { startHarness, apiKeyCaller, userCaller, postDicom, gql, type Caller, type Harness } from '../../api/src/testing/harness';
import { runPipeline } from '../../api/src/testing/pipeline';
import { phantomStudy } from '@imaging/testing';
import { executeRetrain } from '@imaging/domain';
import { startWeb, launchBrowser, login as signIn, ARTIFACTS, type WebServer } from './servers';

const VIEWPORT = { width: 1280, height: 800 };

describe('web app', () => {
  let h: Harness;
  let web: WebServer;
  let browser: Browser;
  let admin: { email: string; password: string };
  let reader: Caller & { email: string; password: string };
  const startedAt = Date.now();

  beforeAll(async () => {
    h = await startHarness({
      reviewSecondReadShare: 0,
      // a short retraining run on a small held-out set keeps the browser test quick
      retrain: { steps: 4, batchSize: 4, learningRate: 0.001, phantomShare: 0.25, gateTolerance: 0.01, heldOutSeries: 2, heldOutSlices: 8 },
    });
    admin = await userCaller(h, 'ADMIN', 'admin@example.org');
    reader = await userCaller(h, 'RADIOLOGIST', 'reader@example.org');
    const integrator = await apiKeyCaller(h, 'INTEGRATOR');
    for (const [seed, patientName] of [[11, 'DOE^JANE'], [12, 'ROE^RICHARD']] as const) {
      const { files } = syntheticCtSeries({ seed, slices: 4, size: 64, patientName, patientId: `P${seed}`, studyDescription: `CT chest ${seed}` });
      const res = await postDicom(h, integrator, files, { multipart: true });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    }
    [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
    console.log(`web e2e: ${((Date.now() - startedAt) / 1000).toFixed(1)} s including server start-up`);
  });

  async function newPage(): Promise<Page> {
    // One context per person: separate cookie jars, so sessions never leak between scenarios.
    const context = await browser.newContext({ viewport: VIEWPORT });
    return context.newPage();
  }

  const login = (page: Page, who: { email: string; password: string }) => signIn(page, web.url, who);

  async function patientNames(page: Page): Promise<string[]> {
    return page.getByTestId('study-link').allTextContents();
  }

  it('lets an admin search, sort and open studies, upload files, manage users and API keys, and read a verified audit log', async () => {
    const page = await newPage();
    const violations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    const first = await page.goto(`${web.url}/`);
    // every page carries a nonce CSP (proxy.ts); the app hydrates under it without a violation
    const csp = first?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(first?.headers()['x-frame-options']).toBe('DENY');
    await page.waitForURL('**/login');
    await page.getByTestId('login-email').fill(admin.email);
    await page.getByTestId('login-password').fill('not the password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toBe('Sign-in failed: email or password is wrong.');

    // Studies list: what the test uploaded beforehand, sortable, filterable.
    await login(page, admin);
    expect(await page.getByTestId('whoami-name').textContent()).toBe(admin.email);
    expect(await page.getByTestId('whoami-role').textContent()).toBe('ADMIN');
    expect(await page.getByTestId('studies-total').textContent()).toBe('2 studies');
    const firstRow = page.getByTestId('study-row').first();
    expect(await firstRow.locator('td').allTextContents()).toEqual(expect.arrayContaining(['CT', '1 / 4']));
    await page.screenshot({ path: path.join(ARTIFACTS, 'studies.png') });
    await page.getByTestId('sort-PATIENT_NAME').click();
    await page.locator('th[aria-sort=descending]').filter({ hasText: 'Patient' }).waitFor();
    await page.getByTestId('study-row').first().filter({ hasText: 'ROE^RICHARD' }).waitFor();
    expect(await patientNames(page)).toEqual(['ROE^RICHARD', 'DOE^JANE']);
    await page.getByTestId('sort-PATIENT_NAME').click();
    await page.locator('th[aria-sort=ascending]').filter({ hasText: 'Patient' }).waitFor();
    await page.getByTestId('study-row').first().filter({ hasText: 'DOE^JANE' }).waitFor();
    expect(await patientNames(page)).toEqual(['DOE^JANE', 'ROE^RICHARD']);
    await page.getByTestId('filter-patientName').fill('doe*');
    await page.getByTestId('search').click();
    await page.getByTestId('studies-total').filter({ hasText: '1 study' }).waitFor();
    expect(await patientNames(page)).toEqual(['DOE^JANE']);
    await page.getByTestId('filter-patientName').fill('nobody*');
    await page.getByTestId('search').click();
    await page.getByTestId('studies-empty').waitFor();
    await page.getByTestId('search-clear').click();
    await page.getByTestId('studies-total').filter({ hasText: '2 studies' }).waitFor();

    // Study page: header, series and instances, the viewer's first frame.
    await page.getByTestId('study-link').filter({ hasText: 'DOE^JANE' }).click();
    await page.getByTestId('study-title').waitFor();
    expect(await page.getByTestId('study-title').textContent()).toBe('DOE^JANE — CT chest 11');
    expect(await page.getByTestId('study-counts').textContent()).toBe('1 / 4');
    expect(await page.getByTestId('series').count()).toBe(1);
    expect(await page.getByTestId('instance-row').count()).toBe(4);
    // Browser-side expressions as strings: this file is typechecked without DOM types.
    await page.locator('[data-testid=viewer][data-rendered-slice="0"]').waitFor();
    // the study page's viewer is a Cornerstone3D stack viewport (CPU rendering where chromium has no WebGL2)
    expect(await page.getByTestId('viewer').getAttribute('data-engine')).toBe('cornerstone3d');
    expect(['webgl', 'cpu']).toContain(await page.getByTestId('viewer').getAttribute('data-render-mode'));
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('slice-number').filter({ hasText: 'slice 2 / 4' }).waitFor();
    await page.keyboard.press('ArrowUp');
    await page.getByTestId('slice-number').filter({ hasText: 'slice 1 / 4' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'study.png') });

    // Upload: one new DICOM file, one that is not DICOM, then the same DICOM file again.
    const upload = syntheticCtSeries({ seed: 13, slices: 2, size: 64, patientName: 'POE^EDGAR', patientId: 'P13' });
    await page.getByTestId('nav-upload').click();
    await page.getByTestId('dropzone').waitFor();
    await page.getByTestId('upload-input').setInputFiles([
      { name: 'poe-1.dcm', mimeType: 'application/dicom', buffer: upload.files[0] },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    ]);
    await page.locator('[data-testid=upload-summary][data-done=true]').waitFor();
    const rows = page.getByTestId('upload-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-status')).toBe('stored');
    expect(await rows.nth(0).getByTestId('upload-status').textContent()).toBe('Stored');
    expect(await rows.nth(1).getAttribute('data-status')).toBe('failed');
    expect(await rows.nth(1).getByTestId('upload-message').textContent()).toMatch(/^Not stored: \S.+/);
    expect(await page.getByTestId('upload-overall').getAttribute('value')).toBe('100');
    expect(await page.getByTestId('upload-summary').textContent()).toBe('2 of 2 files done · 1 stored · 0 already stored · 1 not stored');
    await page.getByTestId('upload-input').setInputFiles([{ name: 'poe-1-again.dcm', mimeType: 'application/dicom', buffer: upload.files[0] }]);
    await page.locator('[data-testid=upload-row][data-status=duplicate]').waitFor();
    expect(await page.locator('[data-testid=upload-row][data-status=duplicate]').getByTestId('upload-message').textContent()).toBe('Identical to a file already stored; nothing changed');
    // Drag and drop: a second slice of the same series, dropped on the drop zone.
    const dropped = await page.evaluateHandle(`(() => {
      const bytes = Uint8Array.from(atob('${upload.files[1].toString('base64')}'), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'poe-2.dcm', { type: 'application/dicom' }));
      return data;
    })()`);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dropped });
    await page.locator('[data-testid=upload-row][data-status=stored]').filter({ hasText: 'poe-2.dcm' }).waitFor();
    await page.locator('[data-testid=upload-summary][data-done=true]').waitFor();
    expect(await page.getByTestId('upload-summary').textContent()).toBe('4 of 4 files done · 2 stored · 1 already stored · 1 not stored');
    await page.screenshot({ path: path.join(ARTIFACTS, 'upload.png') });
    await page.getByTestId('nav-studies').click();
    await page.getByTestId('studies-total').filter({ hasText: '3 studies' }).waitFor();
    const poeRow = page.getByTestId('study-row').filter({ hasText: 'POE^EDGAR' });
    expect(await poeRow.locator('td').allTextContents()).toContain('1 / 2');

    // Users: create one, change its role.
    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-table').waitFor();
    await page.getByTestId('user-email').fill('tech@example.org');
    await page.getByTestId('user-name').fill('Tech');
    await page.getByTestId('user-password').fill('a long enough password');
    await page.getByTestId('user-role').selectOption('RADIOLOGIST');
    await page.getByTestId('user-create').click();
    await page.getByTestId('user-notice').filter({ hasText: 'Created tech@example.org as RADIOLOGIST.' }).waitFor();
    const techRow = page.locator('[data-testid=user-row][data-email="tech@example.org"]');
    await techRow.getByTestId('user-row-role').selectOption('INTEGRATOR');
    await page.getByTestId('user-notice').filter({ hasText: 'tech@example.org is now INTEGRATOR.' }).waitFor();
    await page.reload();
    expect(await page.locator('[data-testid=user-row][data-email="tech@example.org"]').getByTestId('user-row-role').inputValue()).toBe('INTEGRATOR');
    // Disable (signs them out everywhere), then enable again.
    await techRow.getByTestId('user-row-toggle').click();
    await page.getByTestId('user-notice').filter({ hasText: 'tech@example.org is disabled and signed out everywhere.' }).waitFor();
    await techRow.locator('.badge.bad').filter({ hasText: 'disabled' }).waitFor();
    await techRow.getByTestId('user-row-toggle').click();
    await page.getByTestId('user-notice').filter({ hasText: 'tech@example.org is enabled again.' }).waitFor();
    await techRow.getByTestId('user-row-signout').click();
    await page.getByTestId('user-notice').filter({ hasText: 'tech@example.org: 0 session(s) ended.' }).waitFor();
    await page.getByTestId('user-email').fill('short@example.org');
    await page.getByTestId('user-password').fill('short');
    // Past the browser's own minlength check, to see the server's refusal in plain words.
    await page.getByTestId('user-password').evaluate((el: { removeAttribute(name: string): void }) => el.removeAttribute('minlength'));
    await page.getByTestId('user-create').click();
    expect(await page.getByTestId('error').textContent()).toBe('Please check what you entered: password must have 10 to 200 characters');

    // API keys: the key is shown once, works, and stops working when revoked.
    await page.getByTestId('nav-api-keys').click();
    await page.getByTestId('keys-table').waitFor();
    await page.getByTestId('key-name').fill('PACS bridge');
    await page.getByTestId('key-create').click();
    await page.getByTestId('key-value').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'api-key.png') });
    const key = (await page.getByTestId('key-value').textContent()) ?? '';
    expect(key).toMatch(/^irp_\S{20,}$/);
    await page.locator('[data-testid=key-row][data-name="PACS bridge"]').waitFor();
    const meAs = async (bearer: string) => {
      const res = await fetch(`${h.url}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ query: '{ me { kind name } }' }),
      });
      return { status: res.status, body: (await res.json()) as { data?: { me: { kind: string; name: string } | null }; error?: { code: string } } };
    };
    expect((await meAs(key)).body.data?.me).toEqual({ kind: 'apiKey', name: 'PACS bridge' });
    await page.getByTestId('key-dismiss').click();
    await page.getByTestId('key-created').waitFor({ state: 'detached' });
    await page.reload();
    await page.getByTestId('keys-table').waitFor();
    expect(await page.content()).not.toContain(key);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('[data-testid=key-row][data-name="PACS bridge"]').getByTestId('key-revoke').click();
    await page.locator('[data-testid=key-row][data-name="PACS bridge"][data-revoked=true]').getByTestId('key-revoked').waitFor();
    const refused = await meAs(key);
    expect([refused.status, refused.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);

    // Audit: the chain verifies, and the filter narrows to the API key events just made.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('chain-ok').waitFor();
    expect(await page.getByTestId('chain-ok').textContent()).toMatch(/^verified: all \d+ events intact$/);
    await page.getByTestId('audit-table').waitFor();
    expect(await page.getByTestId('audit-row').count()).toBeGreaterThan(5);
    await page.getByTestId('audit-action').fill('apiKey.*');
    await page.getByTestId('audit-search').click();
    await page.locator('[data-testid=audit-table][data-action-filter="apiKey.*"]').waitFor();
    const actions = await page.getByTestId('audit-action-cell').allTextContents();
    expect(new Set(actions)).toEqual(new Set(['apiKey.create', 'apiKey.revoke']));
    await page.screenshot({ path: path.join(ARTIFACTS, 'audit.png') });
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('shows a radiologist no admin pages, and the API refuses them admin data', async () => {
    const page = await newPage();
    // Keyboard only: the email field has focus on arrival, Tab moves on, Enter submits.
    await page.goto(`${web.url}/login`);
    await page.getByTestId('login-email').waitFor();
    await page.keyboard.type(reader.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(reader.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('studies-table').waitFor();
    expect(await page.getByTestId('whoami-role').textContent()).toBe('RADIOLOGIST');
    await page.getByTestId('nav-upload').waitFor();
    for (const link of ['nav-users', 'nav-api-keys', 'nav-audit']) expect(await page.getByTestId(link).count()).toBe(0);
    for (const adminPage of ['/admin/users', '/admin/api-keys', '/admin/audit']) {
      await page.goto(`${web.url}${adminPage}`);
      await page.getByTestId('forbidden').waitFor();
      expect(await page.locator('table').count()).toBe(0);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'forbidden.png') });
    // Not just hidden: the API itself says no to the session's cookie.
    for (const query of ['{ users { id } }', '{ apiKeys { id } }', '{ auditChainStatus { ok } }']) {
      const answer = (await page.evaluate(`fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '${query}' }) }).then((r) => r.json())`)) as { errors?: { extensions: { code: string } }[] };
      expect(answer.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    }
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    await page.goto(`${web.url}/admin/users`);
    await page.waitForURL('**/login');
    await page.context().close();
  });

  it('takes a radiologist from the worklist through a corrected read, a second reader through the second read, and shows the admin the audit trail', async () => {
    // A phantom CT with a lesion, read by the shipped model: the review task is made the real way.
    const integrator = await apiKeyCaller(h, 'INTEGRATOR');
    const phantom = phantomStudy({ seed: 900_007, slices: 8, size: 128, lesionProbability: 1, patientName: 'PHANTOM^LIVER', patientId: 'PH7' });
    expect((await postDicom(h, integrator, phantom.files, { multipart: true })).status).toBe(200);
    expect(await runPipeline(h.services, phantom.seriesInstanceUid)).toMatchObject({ status: 'done', slices: 8 });
    const second = await userCaller(h, 'RADIOLOGIST', 'second@example.org');

    const page = await newPage();
    await login(page, reader);
    await page.getByTestId('nav-worklist').click();
    const row = page.getByTestId('worklist-row').filter({ hasText: 'PHANTOM^LIVER' });
    await row.waitFor();
    const aiLabel = ((await row.getByTestId('ai-cell').textContent()) ?? '').startsWith('lesion') ? 'lesion' : 'none';
    await page.screenshot({ path: path.join(ARTIFACTS, 'worklist.png') });
    await row.getByTestId('claim-open').click();
    await page.getByTestId('task-state').filter({ hasText: 'in progress' }).waitFor();
    await page.locator('[data-testid=viewer][data-rendered-slice="0"]').waitFor();
    // scroll through slices, change window/level
    await page.getByTestId('viewer').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    await page.getByTestId('slice-number').filter({ hasText: 'slice 5 / 8' }).waitFor();
    await page.locator('[data-testid=viewer][data-rendered-slice="4"]').waitFor();
    await page.getByTestId('preset-lung').click();
    await page.getByTestId('wl-readout').filter({ hasText: 'W: 1500' }).waitFor();
    await page.getByTestId('preset-abdomen').click();
    await page.getByTestId('wl-readout').filter({ hasText: 'W: 400' }).waitFor();
    // the review viewer is Cornerstone3D too, with the AI mask (v0) as a labelmap layer and the reader's correction layer
    const viewer = page.getByTestId('viewer');
    expect(await viewer.getAttribute('data-engine')).toBe('cornerstone3d');
    await page.locator('[data-testid=viewer][data-edit-ready=true]').waitFor();
    expect(await page.getByTestId('mask-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')))).toEqual(['v0', 'edit']);
    // the image is fitted to the viewport's height, centred: draw inside it
    const box = (await page.getByTestId('viewer-image').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const side = Math.min(box.width, box.height);
    // measure a lesion: a length measurement across the middle of the slice
    await page.getByTestId('tool-length').click();
    await page.mouse.move(cx - side * 0.2, cy + side * 0.1);
    await page.mouse.down();
    await page.mouse.move(cx + side * 0.2, cy + side * 0.1, { steps: 10 });
    await page.mouse.up();
    await page.getByTestId('measurement').filter({ hasText: /^Length \d+\.\d mm/ }).waitFor();
    // paint a correction with the brush, in the air above the body where the AI mask is empty
    await page.getByTestId('tool-brush').click();
    await page.mouse.move(cx - side * 0.36, cy - side * 0.36);
    await page.mouse.down();
    await page.mouse.move(cx - side * 0.26, cy - side * 0.33, { steps: 8 });
    await page.mouse.up();
    await page.getByTestId('edited-slices').filter({ hasText: '1 slice' }).waitFor();
    // undo takes the stroke back, redo restores it
    await page.getByTestId('undo').click();
    await page.getByTestId('edited-slices').filter({ hasText: '0 slices' }).waitFor();
    await page.getByTestId('redo').click();
    await page.getByTestId('edited-slices').filter({ hasText: '1 slice' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png') });
    await page.getByTestId('viewer').screenshot({ path: path.join(ARTIFACTS, 'review-cornerstone.png') });
    const taskId = new URL(page.url()).pathname.split('/').pop()!;
    // a correction that disagrees with the AI goes to a second reader
    await page.getByTestId('decision-correct').check();
    await page.getByTestId('correct-label').selectOption(aiLabel === 'lesion' ? 'none' : 'lesion');
    await page.getByTestId('comment').fill('benign cyst');
    await page.getByTestId('submit-review').click();
    await page.getByTestId('task-state').filter({ hasText: 'second read' }).waitFor();
    expect(await page.getByTestId('second-read-reason').textContent()).toBe('Second read: AI and reader disagree');
    await page.getByTestId('decision-measurement').filter({ hasText: /^Length/ }).waitFor();
    await page.context().close();

    // what was saved, through GraphQL: a new annotation version with the painted slice, and the measurement
    type Saved = { reviewTask: { annotationVersions: { version: number; source: string; slices: number }[]; decisions: { read: number; annotationVersion: number | null; measurements: { tool: string; sopInstanceUid: string; frame: number; points: number[][]; lengthMm: number | null }[] }[] } };
    const saved = (await gql<Saved>(h, reader, `query($id: ID!) { reviewTask(id: $id) { annotationVersions { version source slices }
      decisions { read annotationVersion measurements { tool sopInstanceUid frame points lengthMm } } } }`, { id: taskId })).body.data!.reviewTask;
    expect(saved.annotationVersions).toEqual([{ version: 0, source: 'AI', slices: expect.any(Number) }, { version: 1, source: 'READER', slices: 1 }]);
    expect(saved.decisions).toHaveLength(1);
    expect(saved.decisions[0].annotationVersion).toBe(1);
    const [length] = saved.decisions[0].measurements;
    expect(saved.decisions[0].measurements).toHaveLength(1);
    const instances = (await gql<{ series: { instances: { sopInstanceUid: string; instanceNumber: number }[] } }>(h, reader,
      'query($s: String!) { series(seriesInstanceUid: $s) { instances { sopInstanceUid instanceNumber } } }', { s: phantom.seriesInstanceUid })).body.data!.series.instances;
    const fifth = [...instances].sort((a, b) => a.instanceNumber - b.instanceNumber)[4].sopInstanceUid;
    expect(length).toMatchObject({ tool: 'LENGTH', sopInstanceUid: fifth, frame: 1 });
    expect(length.points).toHaveLength(2);
    // 0.4 of the fitted 128-pixel image wide, horizontal
    expect(Math.abs(length.points[1][0] - length.points[0][0])).toBeGreaterThan(40);
    expect(Math.abs(length.points[1][1] - length.points[0][1])).toBeLessThan(2);
    expect(length.lengthMm).toBeGreaterThan(0);
    // the corrected slice's mask: the AI's plus the painted pixels
    const mask = (v: number) => fetch(`${h.url}/api/instances/${fifth}/mask?version=${v}`, { headers: reader.headers }).then((r) => Number(r.headers.get('x-mask-area')));
    expect(await mask(1)).toBeGreaterThan(await mask(0));

    // the second reader does not see the first read until submitting
    const page2 = await newPage();
    await login(page2, second);
    await page2.getByTestId('nav-worklist').click();
    const row2 = page2.getByTestId('worklist-row').filter({ hasText: 'PHANTOM^LIVER' });
    await row2.getByTestId('claim-open').click();
    await page2.getByTestId('decision-form').waitFor();
    expect(await page2.getByTestId('decisions').count()).toBe(0);
    await page2.locator('[data-testid=viewer][data-rendered-slice="0"]').waitFor();
    // the second reader gets the AI's layer only, not the first reader's version, until their own read
    await page2.locator('[data-testid=viewer][data-edit-ready=true]').waitFor();
    expect(await page2.getByTestId('mask-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')))).toEqual(['v0', 'edit']);
    expect(await page2.getByTestId('decision-measurement').count()).toBe(0);
    await page2.getByTestId('decision-approve').check();
    await page2.getByTestId('submit-review').click();
    await page2.getByTestId('task-state').filter({ hasText: 'final' }).waitFor();
    expect(await page2.getByTestId('disagreement').textContent()).toBe('Readers disagreed');
    // after it, the first reader's measurement too
    expect(await page2.getByTestId('decision-measurement').allTextContents()).toEqual([expect.stringMatching(/^Length \d+\.\d mm \(slice 5\)$/)]);
    expect(await page2.getByTestId('decision').allTextContents()).toEqual([
      expect.stringMatching(/^First read by .+: correct \((lesion|none)\) — “benign cyst”$/),
      expect.stringMatching(/^Second read by .+: approve/),
    ]);
    await page2.context().close();

    // the admin sees every step in the audit log
    const page3 = await newPage();
    await login(page3, admin);
    await page3.getByTestId('nav-audit').click();
    await page3.getByTestId('audit-action').fill('review.*');
    await page3.getByTestId('audit-search').click();
    await page3.locator('[data-testid=audit-table][data-action-filter="review.*"]').waitFor();
    const actions = new Set(await page3.getByTestId('audit-action-cell').allTextContents());
    for (const a of ['review.claim', 'review.start', 'review.submit', 'review.route', 'review.second-read']) expect(actions).toContain(a);
    // and the model registry and queues
    await page3.getByTestId('nav-models').click();
    await page3.locator('[data-testid=model-row][data-version=v1][data-status=ACTIVE]').waitFor();
    expect(await page3.getByTestId('queue-row').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^preprocess/), expect.stringMatching(/^infer/)]));
    await page3.screenshot({ path: path.join(ARTIFACTS, 'models.png') });

    // the retraining loop: freeze the FINAL review into a case set, start a run, watch it live
    await page3.getByTestId('caseset-build').click();
    await page3.getByTestId('caseset-row').filter({ hasText: 'v1' }).waitFor();
    // the second reader's approval decided the case: the AI's masks are its truth
    const setRow = await page3.getByTestId('caseset-row').first().textContent();
    expect(setRow).toContain('approved 1');
    expect(setRow).toContain('corrected 0');
    await page3.getByTestId('retrain-steps').fill('4');
    await page3.getByTestId('retrain-start').click();
    await page3.locator('[data-testid=run-latest][data-state=QUEUED]').waitFor();
    // the worker's job body, run here (the e2e has no worker process); the page polls the run
    const run = await h.services.db.trainingRun.findFirstOrThrow();
    const done = executeRetrain(h.services, run.id);
    await page3.locator('[data-testid=run-latest][data-state=SUCCEEDED]').waitFor({ timeout: 120_000 });
    await done;
    await page3.getByTestId('loss-line').waitFor();
    expect(await page3.getByTestId('run-step').textContent()).toBe('4');
    await page3.getByTestId('gate-table').waitFor();
    expect(await page3.getByTestId('gate-row').count()).toBe(11);
    await page3.locator('[data-testid=model-row][data-version=v2][data-status=CANDIDATE]').waitFor();
    await page3.getByTestId('compare-a').selectOption('v1');
    await page3.getByTestId('compare-b').selectOption('v2');
    await page3.getByTestId('compare-run').click();
    await page3.getByTestId('compare-chart').waitFor();
    expect(await page3.getByTestId('compare-table').locator('tbody tr').count()).toBe(11);
    await page3.getByTestId('retraining').screenshot({ path: path.join(ARTIFACTS, 'retraining.png') });
    await page3.context().close();
  });
});
