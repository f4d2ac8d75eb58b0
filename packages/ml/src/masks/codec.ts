// Compact mask storage: one bit per pixel (row-major, most significant bit first), then deflate.
// A 512² slice is 32 KiB packed and typically well under 1 KiB deflated.
import { deflateRawSync, inflateRawSync } from 'zlib';

/** 0/1 (any non-zero = 1) per pixel → bit-packed bytes, MSB first. */
export function packBits(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

/** Bit-packed bytes → 0/1 per pixel; `pixels` is rows × columns. */
export function unpackBits(packed: Uint8Array, pixels: number): Uint8Array {
  if (packed.length !== Math.ceil(pixels / 8)) throw new Error(`mask has ${packed.length} bytes, expected ${Math.ceil(pixels / 8)} for ${pixels} pixels`);
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = (packed[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}

export function countSet(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

/** What the database stores. */
export function encodeMask(mask: Uint8Array): Uint8Array {
  return deflateRawSync(packBits(mask), { level: 6 });
}

export function decodeMaskToPacked(stored: Uint8Array): Uint8Array {
  return inflateRawSync(stored);
}

export function decodeMask(stored: Uint8Array, pixels: number): Uint8Array {
  return unpackBits(decodeMaskToPacked(stored), pixels);
}
