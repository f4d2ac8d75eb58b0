// Native (uncompressed, little-endian) greyscale pixels to 8-bit display values: stored values,
// Modality LUT as rescale slope/intercept (PS3.3 §C.11.1), linear VOI window (PS3.3 §C.11.2.1.2.1),
// MONOCHROME1 inverted (PS3.3 §C.7.6.3.1.2). Pure: typed arrays in, typed arrays out.

export interface PixelFormat {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number; // 0 unsigned, 1 two's complement
}

export type StoredPixels = Uint8Array | Int8Array | Uint16Array | Int16Array;

export interface Window { center: number; width: number }

/** Stored values of one native frame; bits above BitsStored are masked (unsigned) or sign-extended. */
export function decodeNativePixels(bytes: Uint8Array, format: PixelFormat): StoredPixels {
  const n = format.rows * format.columns;
  const signed = format.pixelRepresentation === 1;
  if (format.bitsAllocated === 8) {
    if (bytes.length < n) throw new Error(`frame has ${bytes.length} bytes, ${n} expected`);
    const copy = bytes.slice(0, n);
    return signed ? new Int8Array(copy.buffer) : copy;
  }
  if (format.bitsAllocated !== 16) throw new Error(`BitsAllocated ${format.bitsAllocated} is not supported`);
  if (bytes.length < n * 2) throw new Error(`frame has ${bytes.length} bytes, ${n * 2} expected`);
  // A copy gives an aligned buffer; the platform is little-endian like the transfer syntax.
  const aligned = bytes.slice(0, n * 2).buffer;
  const bitsStored = Math.min(16, Math.max(1, format.bitsStored || 16));
  if (signed) {
    const values = new Int16Array(aligned);
    if (bitsStored < 16) {
      const shift = 32 - bitsStored;
      for (let i = 0; i < n; i++) values[i] = (values[i] << shift) >> shift;
    }
    return values;
  }
  const values = new Uint16Array(aligned);
  if (bitsStored < 16) {
    const keep = (1 << bitsStored) - 1;
    for (let i = 0; i < n; i++) values[i] &= keep;
  }
  return values;
}

/** Linear VOI function of PS3.3 §C.11.2.1.2.1, output 0..255 (not rounded). */
export function voiLinear(value: number, center: number, width: number): number {
  const c = center - 0.5;
  const w = Math.max(1, width) - 1;
  if (value <= c - w / 2) return 0;
  if (value > c + w / 2) return 255;
  return ((value - c) / w + 0.5) * 255;
}

/** Smallest stored value representable: the offset of index 0 in a display LUT. */
export function lutOffset(pixels: StoredPixels): number {
  if (pixels instanceof Int16Array) return -32768;
  if (pixels instanceof Int8Array) return -128;
  return 0;
}

export interface DisplayLutOptions { slope: number; intercept: number; window: Window; invert: boolean }

/**
 * Stored value → opaque grey RGBA packed in one little-endian uint32 (R in the low byte, as
 * ImageData's bytes read through a Uint32Array on every browser platform), for every value
 * the pixel type can hold. Index = stored value − lutOffset.
 */
export function buildDisplayLut(pixels: StoredPixels, options: DisplayLutOptions): Uint32Array {
  const size = pixels instanceof Uint8Array || pixels instanceof Int8Array ? 256 : 65536;
  const offset = lutOffset(pixels);
  const lut = new Uint32Array(size);
  const { slope, intercept, window, invert } = options;
  for (let i = 0; i < size; i++) {
    let grey = Math.round(voiLinear((i + offset) * slope + intercept, window.center, window.width));
    if (invert) grey = 255 - grey;
    lut[i] = (0xff000000 | (grey << 16) | (grey << 8) | grey) >>> 0;
  }
  return lut;
}

/** Writes one frame through a display LUT into RGBA pixels viewed as uint32 (`out.length` = rows × columns). */
export function applyDisplayLut(pixels: StoredPixels, lut: Uint32Array, out: Uint32Array): void {
  const offset = lutOffset(pixels);
  const n = Math.min(pixels.length, out.length);
  if (offset === 0) {
    for (let i = 0; i < n; i++) out[i] = lut[pixels[i]];
  } else {
    for (let i = 0; i < n; i++) out[i] = lut[pixels[i] - offset];
  }
}

/** A window covering the frame's full range of modality values, for files without WindowCenter. */
export function fullRangeWindow(pixels: StoredPixels, slope: number, intercept: number): Window {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { center: 0, width: 1 };
  const a = min * slope + intercept;
  const b = max * slope + intercept;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return { center: (lo + hi) / 2, width: Math.max(1, hi - lo) };
}
