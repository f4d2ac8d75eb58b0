// Rendering a decoded frame to 8-bit RGBA for display and PNG previews (PS3.3 §C.11 and PS3.4
// Annex N): Modality LUT (rescale), VOI (window centre/width, LINEAR or SIGMOID), MONOCHROME1
// inversion, Palette Color LUTs and YBR → RGB. Pure: typed arrays in, bytes out.
import { encodePngRgba } from './png';
import { paletteLookup } from './palette';
import { encodeJpegRgba } from './jpeg-encoder';
import type { DecodedFrame } from '../decode/decode';
import type { ParsedInstance } from '../parse/parse-instance';

import type { Window } from './presets';

export { WINDOW_PRESETS, WINDOW_PRESET_NAMES, isWindowPresetName, type Window, type WindowPresetName } from './presets';

export interface RenderOptions { window?: Window | null; size?: { width: number; height: number } }

interface RenderContext { slope: number; intercept: number; window: Window | null; invert: boolean }

function defaultWindow(frame: DecodedFrame, slope: number, intercept: number): Window {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < frame.pixels.length; k++) {
    const v = frame.pixels[k];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lo = min * slope + intercept;
  const hi = max * slope + intercept;
  return { center: (lo + hi) / 2, width: Math.max(1, hi - lo) };
}

function voi(value: number, w: Window): number {
  if (w.fn === 'SIGMOID') return 255 / (1 + Math.exp((-4 * (value - w.center)) / w.width));
  // PS3.3 §C.11.2.1.2.1 linear function.
  const c = w.center - 0.5;
  const width = w.width - 1;
  if (value <= c - width / 2) return 0;
  if (value > c + width / 2) return 255;
  return ((value - c) / width + 0.5) * 255;
}

function ybrToRgb(y: number, cb: number, cr: number): [number, number, number] {
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return [clamp(y + 1.402 * (cr - 128)), clamp(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)), clamp(y + 1.772 * (cb - 128))];
}

/** RGBA bytes (rows × columns × 4) of one decoded frame. */
export function renderFrame(parsed: ParsedInstance, frame: DecodedFrame, options: RenderOptions = {}): Uint8ClampedArray {
  const n = frame.rows * frame.columns;
  const out = new Uint8ClampedArray(n * 4);
  const photometric = frame.photometricInterpretation;
  const px = frame.pixels;
  if (frame.samplesPerPixel === 3) {
    const scale = frame.bitsStored > 8 ? 255 / (2 ** frame.bitsStored - 1) : 1;
    const ybr = photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422';
    for (let p = 0; p < n; p++) {
      const [r, g, b] = ybr ? ybrToRgb(px[p * 3], px[p * 3 + 1], px[p * 3 + 2]) : [px[p * 3] * scale, px[p * 3 + 1] * scale, px[p * 3 + 2] * scale];
      out.set([r, g, b, 255], p * 4);
    }
    return out;
  }
  if (photometric === 'PALETTE COLOR') {
    const lookup = paletteLookup(parsed);
    if (lookup) {
      for (let p = 0; p < n; p++) out.set([...lookup(px[p]), 255], p * 4);
      return out;
    }
  }
  const ctx: RenderContext = {
    slope: parsed.instance.rescaleSlope ?? 1, intercept: parsed.instance.rescaleIntercept ?? 0, window: null, invert: photometric === 'MONOCHROME1',
  };
  const header = parsed.instance.windowCenter !== null && parsed.instance.windowWidth !== null && parsed.instance.windowWidth > 0
    ? { center: parsed.instance.windowCenter, width: parsed.instance.windowWidth, fn: parsed.text(0x00281056) === 'SIGMOID' ? 'SIGMOID' as const : 'LINEAR' as const }
    : null;
  ctx.window = options.window ?? header ?? defaultWindow(frame, ctx.slope, ctx.intercept);
  for (let p = 0; p < n; p++) {
    let g = voi(px[p] * ctx.slope + ctx.intercept, ctx.window);
    if (ctx.invert) g = 255 - g;
    out.set([g, g, g, 255], p * 4);
  }
  return out;
}

function resize(rgba: Uint8ClampedArray, width: number, height: number, target: { width: number; height: number }): { data: Uint8ClampedArray; width: number; height: number } {
  const scale = Math.min(target.width / width, target.height / height, 1);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  if (w === width && h === height) return { data: rgba, width, height };
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = Math.min(width - 1, Math.floor(x / scale));
      const sy = Math.min(height - 1, Math.floor(y / scale));
      out.set(rgba.subarray((sy * width + sx) * 4, (sy * width + sx) * 4 + 4), (y * w + x) * 4);
    }
  }
  return { data: out, width: w, height: h };
}

function rendered(parsed: ParsedInstance, frame: DecodedFrame, options: RenderOptions): { data: Uint8ClampedArray; width: number; height: number } {
  const rgba = renderFrame(parsed, frame, options);
  return options.size ? resize(rgba, frame.columns, frame.rows, options.size) : { data: rgba, width: frame.columns, height: frame.rows };
}

export function renderPng(parsed: ParsedInstance, frame: DecodedFrame, options: RenderOptions = {}): Buffer {
  const image = rendered(parsed, frame, options);
  return encodePngRgba(image.data, image.width, image.height);
}

/** Baseline JPEG of the rendered frame (`quality` 1..100, libjpeg's scale; 90 by default). */
export function renderJpeg(parsed: ParsedInstance, frame: DecodedFrame, options: RenderOptions & { quality?: number } = {}): Buffer {
  const image = rendered(parsed, frame, options);
  return encodeJpegRgba(image.data, image.width, image.height, options.quality);
}
