// bench:web — in Debian chromium over the real API and the built web app: time from opening a
// 200-slice 512² study to its first rendered image (goal < 300 ms), and frames per second while
// scrolling through every slice (goal ≥ 30), once the slices are cached. Run by `npm run bench:web`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticCtSeries } from '@imaging/dicom';
import { ingestInstances } from '@imaging/domain';
import { systemContext } from '@imaging/testing';
import { startHarness, userCaller } from '../../api/src/testing/harness';
import { startWeb, launchBrowser, login } from './servers';

const SLICES = 200;
/**
 * Where the first image's time went, in ms since navigation: the document, DOMContentLoaded, each
 * request before the first image (start-end), and the viewer's own marks. Collected in the page.
 */
const BREAKDOWN = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const out = { document: Math.round(nav.responseEnd) + '', domContentLoaded: Math.round(nav.domContentLoadedEventEnd) + '' };
  const shown = performance.getEntriesByName('viewer:first-image')[0];
  const until = shown ? shown.startTime : performance.now();
  for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('viewer:')) out[m.name] = Math.round(m.startTime) + '';
  let n = 0;
  for (const r of performance.getEntriesByType('resource')) {
    if (r.startTime > until || !/graphql|dicom-web|\\.js$/.test(r.name)) continue;
    const what = r.name.includes('/graphql') ? 'graphql' : r.name.includes('/frames/') ? 'frame' : r.name.includes('/metadata') ? 'metadata' : 'js';
    if (what === 'js' && r.responseEnd - r.startTime < 20) continue;
    out[String(++n).padStart(2, '0') + ' ' + what] = Math.round(r.startTime) + '-' + Math.round(r.responseEnd) + (what === 'js' ? ' ' + r.name.split('/').pop() : '');
  }
  return out;
})()`;

it('measures first image and scrolling', async () => {
  const h = await startHarness();
  const [web, browser] = await Promise.all([startWeb(h.url), launchBrowser()]);
  try {
    const reader = await userCaller(h, 'RADIOLOGIST', 'bench@example.org');
    const series = syntheticCtSeries({ seed: 4242, slices: SLICES, size: 512, studyDescription: 'BENCH CT' });
    // stored directly (the upload path has its own benchmark); what is measured here is the viewer
    for (let i = 0; i < SLICES; i += 25) await ingestInstances(systemContext(h.services), series.files.slice(i, i + 25));

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await login(page, web.url, reader);

    const firstImageMs: number[] = [];
    const breakdowns: Record<string, string>[] = [];
    for (let run = 0; run < 3; run++) {
      const start = Date.now();
      await page.goto(`${web.url}/studies/${series.studyInstanceUid}`);
      await page.locator('[data-testid=viewer][data-rendered-slice="0"]').waitFor();
      firstImageMs.push(Date.now() - start);
      breakdowns.push((await page.evaluate(BREAKDOWN)) as Record<string, string>);
    }
    // every slice loaded (progressive loading in the background), then scroll through all of them
    // (a locator, not waitForFunction: the page's CSP has no 'unsafe-eval' for a string predicate)
    await page.locator(`[data-testid=load-progress][data-loaded="${SLICES}"][data-total="${SLICES}"]`).waitFor({ timeout: 120_000 });
    const scroll = (await page.evaluate(`(async () => {
      const viewer = document.querySelector('[data-testid=viewer]');
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const start = performance.now();
      let frames = 0;
      for (let i = 1; i < ${SLICES}; i++) {
        viewer.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
        while (viewer.getAttribute('data-rendered-slice') !== String(i)) { await frame(); frames++; }
      }
      return { ms: performance.now() - start, frames };
    })()`)) as { ms: number; frames: number };
    const result = {
      slices: SLICES, size: 512, firstImageMs, firstImageBreakdown: breakdowns, firstImageMsBest: Math.min(...firstImageMs), firstImageGoalMs: 300,
      scrollFps: +(((SLICES - 1) * 1000) / scroll.ms).toFixed(1), scrollGoalFps: 30, animationFramesWaited: scroll.frames,
      note: 'first image: from navigation to the canvas drawing slice 1 (page, session, GraphQL, metadata, first frame); scrolling: one slice per key press, waiting for each to be drawn, slices cached',
    };
    console.log(JSON.stringify(result, null, 2));
    const dir = path.join(__dirname, '..', '..', '..', 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'web.json'), JSON.stringify({ name: 'web', at: new Date().toISOString(), ...result }, null, 2));
  } finally {
    await browser.close();
    await web.stop();
    await h.close();
  }
}, 600_000);
