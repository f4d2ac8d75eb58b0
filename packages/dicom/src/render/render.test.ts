// Every corpus image renders (frame 1) to a PNG of its size; a few are kept for people to look at.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { parseInstance } from '../parse/parse-instance';
import { decodeFrame } from '../decode/decode';
import { renderPng, renderFrame, renderJpeg, WINDOW_PRESETS } from './render';
import { decodeJpegDct } from '../decode/jpeg/decode-dct';
import { corpusDir, readManifest } from '../test-support/corpus';

const corpus = corpusDir();
const root = path.resolve(__dirname, '..', '..', '..', '..'); // repository root (artifacts go to test-artifacts/)
const rows = readManifest(corpus);
const KEEP = ['ct-3slice/01.dcm', 'MR_small.dcm', 'US1_UNCR.dcm', 'SC_rgb_rle.dcm', 'examples_palette.dcm', 'MR-SIEMENS-DICOM-WithOverlays.dcm', 'JPEG2000.dcm'];

describe('rendering', () => {
  it('renders every corpus image to a PNG of its size', async () => {
    const out = path.join(root, 'test-artifacts', 'render');
    mkdirSync(out, { recursive: true });
    let rendered = 0;
    for (const r of rows.filter((x) => x.expect === 'ok' && x.pixel_md5)) {
      const parsed = parseInstance(readFileSync(path.join(corpus, r.path)), { requireUids: false });
      const png = renderPng(parsed, await decodeFrame(parsed, 0));
      const image = PNG.sync.read(png);
      expect([r.path, image.width, image.height]).toEqual([r.path, Number(r.columns), Number(r.rows)]);
      if (KEEP.some((k) => r.path.endsWith(k))) writeFileSync(path.join(out, `${path.basename(r.path, '.dcm')}.png`), png);
      rendered++;
    }
    expect(rendered).toBe(126);
  });

  it('applies the rescale, window presets and MONOCHROME1 inversion', async () => {
    const parsed = parseInstance(readFileSync(path.join(corpus, 'files/dcmqi/segmentations/ct-3slice/01.dcm')));
    const frame = await decodeFrame(parsed, 0);
    const lung = renderFrame(parsed, frame, { window: WINDOW_PRESETS.lung });
    const bone = renderFrame(parsed, frame, { window: WINDOW_PRESETS.bone });
    const mean = (a: Uint8ClampedArray) => a.reduce((s, v, i) => (i % 4 === 0 ? s + v : s), 0) / (a.length / 4);
    expect(mean(lung)).toBeGreaterThan(mean(bone));
    const inverted = renderFrame({ ...parsed, instance: parsed.instance }, { ...frame, photometricInterpretation: 'MONOCHROME1' }, { window: WINDOW_PRESETS.lung });
    expect(inverted[0] + lung[0]).toBe(255);
  });
});

describe('JPEG rendering', () => {
  it('writes a baseline JPEG that decodes to the rendered image (within JPEG error)', async () => {
    const parsed = parseInstance(readFileSync(path.join(corpus, 'files/dcmqi/segmentations/ct-3slice/01.dcm')));
    const frame = await decodeFrame(parsed, 0);
    const jpeg = renderJpeg(parsed, frame, { window: WINDOW_PRESETS.abdomen, quality: 95 });
    expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const decoded = decodeJpegDct(jpeg);
    expect([decoded.width, decoded.height, decoded.components]).toEqual([512, 512, 3]);
    const rgba = renderFrame(parsed, frame, { window: WINDOW_PRESETS.abdomen });
    let error = 0;
    for (let p = 0; p < 512 * 512; p++) error += Math.abs(decoded.samples[p * 3] - rgba[p * 4]); // Y of a grey image is the grey value
    expect(error / (512 * 512)).toBeLessThan(2);
    const small = renderJpeg(parsed, frame, { size: { width: 100, height: 100 }, quality: 50 });
    expect(decodeJpegDct(small).width).toBe(100);
    expect(small.length).toBeLessThan(jpeg.length);
  });
});
