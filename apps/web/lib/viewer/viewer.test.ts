// Pure viewer helpers: multipart frames, pixel decoding and display LUTs, masks and their edits,
// image placement, metadata, load order, and the slice loader over a stubbed fetch.
import { boundaryOf, parseMultipart, transferSyntaxOf } from './multipart';
import { applyDisplayLut, buildDisplayLut, decodeNativePixels, fullRangeWindow, voiLinear } from './pixels';
import { maskArea, packMask, packMaskBase64, paintSegment, unpackMask } from './mask';
import { MaskEdits } from './mask-edits';
import { canvasToImage, FIT, placeImage, zoomAt } from './viewport';
import { instanceMeta, seriesMeta } from './metadata';
import { nearestPending } from './load-order';
import { isPresetName, PRESET_NAMES, WINDOW_PRESETS } from './presets';
import { SliceLoader } from './slice-loader';

function concat(...chunks: (string | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  const parts = chunks.map((c) => (typeof c === 'string' ? new TextEncoder().encode(c) : c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

describe('multipart', () => {
  it('reads the boundary and transfer syntax parameters, quoted or not', () => {
    expect(boundaryOf('multipart/related; type="application/octet-stream"; boundary=imaging-abc')).toBe('imaging-abc');
    expect(boundaryOf('multipart/related; boundary="a b;c"; type="x"')).toBe('a b;c');
    expect(boundaryOf('application/json')).toBeNull();
    expect(transferSyntaxOf('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1')).toBe('1.2.840.10008.1.2.1');
    expect(transferSyntaxOf('application/octet-stream; transfer-syntax="1.2.840.10008.1.2.4.50"')).toBe('1.2.840.10008.1.2.4.50');
    expect(transferSyntaxOf('application/octet-stream')).toBeNull();
  });

  it('returns each part with its content type, also when the body holds CR LF and dashes', () => {
    const pixels = new Uint8Array([13, 10, 45, 45, 0, 255, 13, 10, 45]);
    const body = concat(
      'preamble\r\n--b1\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\n', pixels,
      '\r\n--b1\r\ncontent-type: text/plain\r\n\r\nsecond\r\n--b1--\r\n',
    );
    const parts = parseMultipart(body, 'multipart/related; boundary=b1');
    expect(parts.map((p) => p.contentType)).toEqual(['application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', 'text/plain']);
    expect(Array.from(parts[0].body)).toEqual(Array.from(pixels));
    expect(new TextDecoder().decode(parts[1].body)).toBe('second');
  });

  it('uses Content-Length when it matches, and searches when it is wrong', () => {
    const pixels = new Uint8Array([1, 2, 3, 4]);
    const right = concat('--x\r\nContent-Type: a/b\r\nContent-Length: 4\r\n\r\n', pixels, '\r\n--x--');
    expect(Array.from(parseMultipart(right, 'multipart/related; boundary=x')[0].body)).toEqual([1, 2, 3, 4]);
    const wrong = concat('--x\r\nContent-Type: a/b\r\nContent-Length: 2\r\n\r\n', pixels, '\r\n--x--');
    expect(Array.from(parseMultipart(wrong, 'multipart/related; boundary=x')[0].body)).toEqual([1, 2, 3, 4]);
  });

  it('refuses bodies without boundary or closing delimiter', () => {
    expect(() => parseMultipart(concat('--x\r\n\r\nabc'), 'multipart/related')).toThrow(/boundary/);
    expect(() => parseMultipart(concat('--x\r\nContent-Type: a/b\r\n\r\nabc'), 'multipart/related; boundary=x')).toThrow(/closing/);
    expect(() => parseMultipart(concat('nothing here'), 'multipart/related; boundary=x')).toThrow(/not found/);
  });
});

describe('pixels', () => {
  const format = { rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1 };

  it('decodes signed and unsigned 16-bit little-endian values, masking or sign-extending BitsStored', () => {
    const bytes = new Uint8Array([0x18, 0xfc, 0x00, 0x00, 0xe8, 0x03]); // -1000, 0, 1000
    expect(Array.from(decodeNativePixels(bytes, format))).toEqual([-1000, 0, 1000]);
    // 12 bits stored, the top nibble holding overlay bits: unsigned masks them off …
    const noisy = new Uint8Array([0xff, 0xff, 0x00, 0xf8, 0x01, 0x00]);
    expect(Array.from(decodeNativePixels(noisy, { ...format, bitsStored: 12, pixelRepresentation: 0 }))).toEqual([4095, 2048, 1]);
    // … signed sign-extends bit 11.
    expect(Array.from(decodeNativePixels(noisy, { ...format, bitsStored: 12 }))).toEqual([-1, -2048, 1]);
    expect(Array.from(decodeNativePixels(new Uint8Array([0, 128, 255]), { ...format, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0 }))).toEqual([0, 128, 255]);
    expect(() => decodeNativePixels(new Uint8Array(4), format)).toThrow(/6 expected/);
  });

  it('decodes an unaligned frame (a view into a larger multipart body)', () => {
    const body = new Uint8Array([9, 0x18, 0xfc, 0x00, 0x00, 0xe8, 0x03]);
    expect(Array.from(decodeNativePixels(body.subarray(1), format))).toEqual([-1000, 0, 1000]);
  });

  it('follows the linear VOI function of PS3.3 C.11.2.1.2.1', () => {
    expect(voiLinear(-1000, 40, 400)).toBe(0);
    expect(voiLinear(1000, 40, 400)).toBe(255);
    expect(voiLinear(40, 40, 400)).toBeCloseTo(((40 - 39.5) / 399 + 0.5) * 255, 6);
    expect(voiLinear(39.5 - 199.5, 40, 400)).toBe(0); // the lower edge itself is black
    expect(voiLinear(39.5 + 199.5, 40, 400)).toBeCloseTo(255, 6);
    expect(voiLinear(0, 0, 1)).toBe(255); // width 1: a threshold at centre − 0.5
    expect(voiLinear(-1, 0, 1)).toBe(0);
  });

  it('builds a display LUT with rescale, window and MONOCHROME1 inversion, and renders through it', () => {
    const pixels = new Int16Array([-2000, 0, 1024, 3000]);
    const window = { center: 40, width: 400 };
    const lut = buildDisplayLut(pixels, { slope: 1, intercept: -1024, window, invert: false });
    expect(lut.length).toBe(65536);
    const out = new Uint32Array(4);
    applyDisplayLut(pixels, lut, out);
    const grey = Array.from(out, (v) => v & 0xff);
    expect(grey).toEqual([0, 0, Math.round(voiLinear(0, 40, 400)), 255]);
    expect(Array.from(out, (v) => v >>> 24)).toEqual([255, 255, 255, 255]); // opaque
    expect(out[2]).toBe((0xff000000 | (grey[2] << 16) | (grey[2] << 8) | grey[2]) >>> 0);
    const inverted = buildDisplayLut(pixels, { slope: 1, intercept: -1024, window, invert: true });
    applyDisplayLut(pixels, inverted, out);
    expect(Array.from(out, (v) => v & 0xff)).toEqual([255, 255, 255 - grey[2], 0]);
    const eight = new Uint8Array([0, 100, 255]);
    const eightOut = new Uint32Array(3);
    applyDisplayLut(eight, buildDisplayLut(eight, { slope: 2, intercept: 0, window: { center: 256, width: 512 }, invert: false }), eightOut);
    expect(Array.from(eightOut, (v) => v & 0xff)).toEqual([0, Math.round(voiLinear(200, 256, 512)), Math.round(voiLinear(510, 256, 512))]);
  });

  it('renders a 512 × 512 slice in a few milliseconds', () => {
    const pixels = new Int16Array(512 * 512).map((_, i) => (i % 4096) - 1024);
    const lut = buildDisplayLut(pixels, { slope: 1, intercept: 0, window: WINDOW_PRESETS.lung, invert: false });
    const out = new Uint32Array(pixels.length);
    applyDisplayLut(pixels, lut, out); // warm-up
    const started = performance.now();
    for (let k = 0; k < 10; k++) applyDisplayLut(pixels, lut, out);
    expect((performance.now() - started) / 10).toBeLessThan(10);
  });

  it('finds a full-range window for files without one', () => {
    expect(fullRangeWindow(new Int16Array([0, 100, 2000]), 1, -1024)).toEqual({ center: -24, width: 2000 });
    expect(fullRangeWindow(new Uint16Array([5, 5]), 1, 0)).toEqual({ center: 5, width: 1 });
  });
});

describe('masks', () => {
  it('packs MSB first, row-major, and unpacks back', () => {
    const mask = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1, /* next byte */ 1, 1, 0]);
    const packed = packMask(mask);
    expect(Array.from(packed)).toEqual([0x81, 0xc0]);
    expect(Array.from(unpackMask(packed, 1, 11))).toEqual(Array.from(mask));
    expect(packMaskBase64(mask)).toBe(Buffer.from([0x81, 0xc0]).toString('base64'));
    expect(Array.from(unpackMask(new Uint8Array([0xff]), 2, 5))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]); // short input reads as 0
  });

  it('round-trips a large random mask through base64', () => {
    const mask = new Uint8Array(256 * 256).map((_, i) => ((i * 2654435761) >>> 28) & 1);
    const bytes = Uint8Array.from(Buffer.from(packMaskBase64(mask), 'base64'));
    expect(bytes.length).toBe(256 * 256 / 8);
    expect(unpackMask(bytes, 256, 256)).toEqual(mask);
  });

  it('paints a gap-free stroke inside the image and erases it again', () => {
    const rows = 20;
    const columns = 30;
    const mask = new Uint8Array(rows * columns);
    expect(paintSegment(mask, rows, columns, { x: 2, y: 10 }, { x: 27, y: 10 }, 1.5, 1)).toBe(true);
    for (let x = 2; x < 27; x++) expect(mask[10 * columns + x]).toBe(1);
    expect(mask[2 * columns + 10]).toBe(0);
    expect(paintSegment(mask, rows, columns, { x: -5, y: -5 }, { x: -5, y: -5 }, 2, 1)).toBe(false); // off the image
    paintSegment(mask, rows, columns, { x: 0, y: 10 }, { x: 30, y: 10 }, 3, 0);
    expect(maskArea(mask)).toBe(0);
  });

  it('undoes and redoes strokes across slices, forgetting redo after a new stroke', () => {
    const edits = new MaskEdits();
    const a1 = new Uint8Array([1, 0]);
    const a2 = new Uint8Array([1, 1]);
    const b1 = new Uint8Array([0, 1]);
    edits.commit('a', a1);
    edits.commit('b', b1);
    edits.commit('a', a2);
    expect(edits.editedCount).toBe(2);
    expect(edits.undo()).toBe('a');
    expect(edits.get('a')).toBe(a1);
    expect(edits.undo()).toBe('b');
    expect(edits.get('b')).toBeUndefined();
    expect(edits.snapshot()).toEqual(new Map([['a', a1]]));
    expect(edits.redo()).toBe('b');
    expect(edits.get('b')).toBe(b1);
    expect(edits.canRedo).toBe(true);
    edits.commit('b', new Uint8Array([0, 0]));
    expect(edits.canRedo).toBe(false);
    expect(edits.redo()).toBeNull();
    edits.undo();
    edits.undo();
    edits.undo();
    expect(edits.undo()).toBeNull();
    expect(edits.editedCount).toBe(0);
  });
});

describe('viewport', () => {
  const viewport = { width: 800, height: 400 };
  const image = { rows: 100, columns: 100, pixelSpacing: null };

  it('fits the image centred, keeping square pixels square', () => {
    expect(placeImage(FIT, viewport, image)).toEqual({ scaleX: 4, scaleY: 4, left: 200, top: 0 });
  });

  it('keeps the physical aspect ratio for non-square pixels', () => {
    const p = placeImage(FIT, viewport, { rows: 100, columns: 100, pixelSpacing: [1, 2] }); // columns twice as far apart
    expect(p.scaleX / p.scaleY).toBe(2);
    expect(100 * p.scaleX).toBeLessThanOrEqual(800);
    expect(100 * p.scaleY).toBeLessThanOrEqual(400);
  });

  it('maps canvas points to image pixels under zoom and pan, and zooms about the pointer', () => {
    const view = { zoom: 2, panX: 30, panY: -10 };
    const p = placeImage(view, viewport, image);
    const centre = canvasToImage({ x: 400 + 30, y: 200 - 10 }, p);
    expect(centre.x).toBeCloseTo(50);
    expect(centre.y).toBeCloseTo(50);
    const anchor = { x: 123, y: 321 };
    const before = canvasToImage(anchor, p);
    const zoomed = zoomAt(view, 1.5, anchor, viewport);
    expect(zoomed.zoom).toBeCloseTo(3);
    const after = canvasToImage(anchor, placeImage(zoomed, viewport, image));
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(zoomAt(FIT, 1e6, anchor, viewport).zoom).toBe(40);
  });
});

describe('metadata, presets and load order', () => {
  it('reads the attributes the viewer needs from DICOM JSON', () => {
    const meta = instanceMeta({
      '00080018': { vr: 'UI', Value: ['1.2.3'] }, '00200013': { vr: 'IS', Value: [7] },
      '00280010': { vr: 'US', Value: [512] }, '00280011': { vr: 'US', Value: [256] },
      '00280100': { vr: 'US', Value: [16] }, '00280101': { vr: 'US', Value: [12] }, '00280103': { vr: 'US', Value: [1] },
      '00280004': { vr: 'CS', Value: ['MONOCHROME1'] }, '00281052': { vr: 'DS', Value: ['-1024'] }, '00281053': { vr: 'DS', Value: [1] },
      '00281050': { vr: 'DS', Value: [40, 400] }, '00281051': { vr: 'DS', Value: ['400', '1500'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] }, '0008103E': { vr: 'LO', Value: ['Chest'] },
      '00280030': { vr: 'DS', Value: [0.7, '0.8'] },
    });
    expect(meta).toEqual({
      sopInstanceUid: '1.2.3', instanceNumber: 7, rows: 512, columns: 256, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1,
      samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME1', rescaleSlope: 1, rescaleIntercept: -1024, windowCenter: 40, windowWidth: 400,
      pixelSpacing: [0.7, 0.8], patientName: 'DOE^JANE', seriesDescription: 'Chest',
    });
    expect(seriesMeta([{ '00080018': { vr: 'UI', Value: ['a'] } }, {}]).size).toBe(1);
    expect(instanceMeta({ '00080018': { vr: 'UI', Value: ['a'] } })?.windowCenter).toBeNull();
  });

  it('knows the presets', () => {
    expect(PRESET_NAMES).toEqual(['default', 'lung', 'mediastinum', 'bone', 'brain', 'abdomen']);
    expect(WINDOW_PRESETS.lung).toEqual({ center: -600, width: 1500 });
    expect(isPresetName('bone')).toBe(true);
    expect(isPresetName('liver')).toBe(false);
  });

  it('loads the current slice first, then outward, forward first', () => {
    const pending = new Set([0, 1, 2, 3, 4, 5, 6]);
    const order: number[] = [];
    while (pending.size) {
      const next = nearestPending(pending, 3);
      order.push(next);
      pending.delete(next);
    }
    expect(order).toEqual([3, 4, 2, 5, 1, 6, 0]);
    expect(nearestPending([], 3)).toBe(-1);
  });
});

describe('slice loader', () => {
  const realFetch = global.fetch;
  afterEach(() => { global.fetch = realFetch; });

  function frameResponse(values: number[], transferSyntax = '1.2.840.10008.1.2.1'): Response {
    const pixels = new Uint8Array(new Int16Array(values).buffer);
    const body = concat(`--f\r\nContent-Type: application/octet-stream; transfer-syntax=${transferSyntax}\r\n\r\n`, pixels, '\r\n--f--\r\n');
    return new Response(body, { headers: { 'content-type': 'multipart/related; type="application/octet-stream"; boundary=f' } });
  }

  it('loads the focused slice first, at most `concurrency` at a time, decodes native frames and marks others for PNG', async () => {
    const uids = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const meta = new Map(uids.map((sop) => [sop, instanceMeta({
      '00080018': { vr: 'UI', Value: [sop] }, '00280010': { vr: 'US', Value: [1] }, '00280011': { vr: 'US', Value: [2] },
      '00280100': { vr: 'US', Value: [16] }, '00280103': { vr: 'US', Value: [1] },
    })!]));
    const requested: string[] = [];
    let running = 0;
    let maxRunning = 0;
    global.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      const sop = /instances\/([^/]+)\/frames/.exec(url)![1];
      expect(new Headers(init?.headers).get('accept')).toBe('multipart/related; type="application/octet-stream"');
      requested.push(sop);
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return sop === 's5' ? frameResponse([0, 0], '1.2.840.10008.1.2.4.50') : frameResponse([-1000, Number(sop.slice(1))]);
    }) as typeof fetch;
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => { finished = resolve; });
    const loader = new SliceLoader({ studyUid: 'st', seriesUid: 'se' }, uids, meta, (progress) => {
      if (progress.loaded + progress.failed === progress.total) finished();
    }, 2);
    loader.focus(3);
    await done;
    expect(requested.slice(0, 2)).toEqual(['s3', 's4']);
    expect(maxRunning).toBe(2);
    const s2 = loader.get('s2');
    expect(s2?.kind === 'pixels' && Array.from(s2.pixels)).toEqual([-1000, 2]);
    expect(loader.get('s5')).toEqual({ kind: 'rendered', sopInstanceUid: 's5', reason: 'transfer syntax 1.2.840.10008.1.2.4.50' });
    expect(loader.progress()).toEqual({ loaded: 6, failed: 0, total: 6 });
  });

  it('never fetches a slice it was seeded with (the first slice, loaded before the series metadata)', async () => {
    const uids = ['s0', 's1', 's2'];
    const meta = new Map(uids.map((sop) => [sop, instanceMeta({
      '00080018': { vr: 'UI', Value: [sop] }, '00280010': { vr: 'US', Value: [1] }, '00280011': { vr: 'US', Value: [2] },
      '00280100': { vr: 'US', Value: [16] }, '00280103': { vr: 'US', Value: [1] },
    })!]));
    const requested: string[] = [];
    global.fetch = (async (input: string | URL | Request) => {
      requested.push(/instances\/([^/]+)\/frames/.exec(String(input))![1]);
      return frameResponse([0, 1]);
    }) as typeof fetch;
    const seeded = { kind: 'pixels' as const, sopInstanceUid: 's0', rows: 1, columns: 2, pixels: new Int16Array([7, 8]) };
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => { finished = resolve; });
    const loader = new SliceLoader({ studyUid: 'st', seriesUid: 'se' }, uids, meta, (progress) => {
      if (progress.loaded === progress.total) finished();
    }, 2, [seeded]);
    expect(loader.progress()).toEqual({ loaded: 1, failed: 0, total: 3 });
    loader.focus(0);
    await done;
    expect(requested.sort()).toEqual(['s1', 's2']);
    expect(loader.get('s0')).toBe(seeded);
  });
});
