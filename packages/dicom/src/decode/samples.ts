// Native sample layouts to the canonical one (PS3.5 §8.1, §8.2; PS3.3 §C.7.6.3): little-endian
// samples interleaved by pixel, masked to BitsStored and sign-extended, 1-bit data unpacked.
import { DicomError } from '../parse/errors';

export type PixelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface Geometry { rows: number; columns: number; spp: number; bitsAllocated: number; bitsStored: number; signed: boolean; photometric: string; planar: number; float: 0 | 32 | 64 }

const unsupported = (message: string) => new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', message);

/** Little-endian sample bytes → typed array of the DICOM sample type, masked and sign-extended. */
export function toSamples(bytes: Uint8Array, g: Geometry, count: number): PixelArray {
  const aligned = new Uint8Array(bytes.subarray(0, count * Math.max(1, g.bitsAllocated / 8)));
  if (g.float === 32 || (g.bitsAllocated === 32 && g.float)) return new Float32Array(aligned.buffer, 0, count);
  if (g.float === 64) return new Float64Array(aligned.buffer, 0, count);
  const bits = g.bitsStored;
  let out: PixelArray;
  if (g.bitsAllocated === 8) out = g.signed ? new Int8Array(aligned.buffer, 0, count) : aligned.subarray(0, count);
  else if (g.bitsAllocated === 16) out = g.signed ? new Int16Array(aligned.buffer, 0, count) : new Uint16Array(aligned.buffer, 0, count);
  else if (g.bitsAllocated === 32) out = g.signed ? new Int32Array(aligned.buffer, 0, count) : new Uint32Array(aligned.buffer, 0, count);
  else throw unsupported(`BitsAllocated ${g.bitsAllocated} is not supported`);
  if (bits < g.bitsAllocated) {
    const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    const sign = 2 ** (bits - 1);
    for (let k = 0; k < count; k++) {
      let v = (out[k] >>> 0) & mask;
      if (g.bitsAllocated === 32) v = Number(BigInt(out[k] >>> 0) & BigInt(mask));
      out[k] = g.signed && v >= sign ? v - 2 ** bits : v;
    }
  }
  return out;
}

export function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + width <= bytes.length; i += width) for (let b = 0; b < width; b++) out[i + b] = bytes[i + width - 1 - b];
  return out;
}

export function unpackBits1(source: Uint8Array, offset: number, index: number, g: Geometry): Uint8Array {
  const perFrame = g.rows * g.columns * g.spp;
  const out = new Uint8Array(perFrame);
  const start = index * perFrame; // frames are not byte aligned: bits run on (PS3.5 §8.1.1)
  for (let k = 0; k < perFrame; k++) {
    const bit = start + k;
    out[k] = (source[offset + (bit >> 3)] >> (bit & 7)) & 1;
  }
  return out;
}

export function interleavePlanar(bytes: Uint8Array, pixels: number, spp: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(pixels * spp * bytesPerSample);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      for (let b = 0; b < bytesPerSample; b++) out[(p * spp + s) * bytesPerSample + b] = bytes[(s * pixels + p) * bytesPerSample + b];
    }
  }
  return out;
}

/** YBR_FULL_422 native: Y0 Y1 Cb Cr per pixel pair → Y Cb Cr per pixel (PS3.3 §C.7.6.3.1.2). */
export function expand422(bytes: Uint8Array, rows: number, columns: number): Uint8Array {
  const out = new Uint8Array(rows * columns * 3);
  for (let p = 0, i = 0; p + 1 < rows * columns + 1 && i + 3 < bytes.length + 1; p += 2, i += 4) {
    out.set([bytes[i], bytes[i + 2], bytes[i + 3]], p * 3);
    if (p + 1 < rows * columns) out.set([bytes[i + 1], bytes[i + 2], bytes[i + 3]], (p + 1) * 3);
  }
  return out;
}

