// Binary segmentation masks as the mask API sends and the review mutation receives them:
// rows × columns bits, row-major, most significant bit first in each byte (like PS3.5 §8.1.1
// for 1-bit data, but MSB first), base64 for GraphQL; and their exchange with Cornerstone3D
// labelmaps (one value per pixel, the segment index where set, 0 elsewhere).

/** One byte (0 or 1) per pixel from the bit-packed mask; missing trailing bytes read as 0. */
export function unpackMask(bytes: Uint8Array, rows: number, columns: number): Uint8Array {
  const n = rows * columns;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  return mask;
}

/** The bit packing of a mask (any non-zero pixel counts as set), e.g. a labelmap's pixel data. */
export function packMask(mask: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 0x80 >> (i & 7);
  return bytes;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000; // String.fromCharCode's argument count stays well under engine limits
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function packMaskBase64(mask: ArrayLike<number>): string {
  return base64(packMask(mask));
}

/** Number of set pixels. */
export function maskArea(mask: ArrayLike<number>): number {
  let area = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) area++;
  return area;
}

/** Writes a 0/1 mask into a labelmap's pixel data as `segmentIndex` (0 where unset). */
export function fillLabelmap(labelmap: { length: number; [i: number]: number }, mask: Uint8Array, segmentIndex = 1): void {
  if (labelmap.length !== mask.length) throw new Error(`labelmap has ${labelmap.length} pixels, the mask ${mask.length}`);
  for (let i = 0; i < mask.length; i++) labelmap[i] = mask[i] ? segmentIndex : 0;
}

/** Whether the labelmap sets the same pixels as the 0/1 mask (any non-zero counts as set). */
export function sameMask(labelmap: ArrayLike<number>, mask: Uint8Array): boolean {
  if (labelmap.length !== mask.length) return false;
  for (let i = 0; i < mask.length; i++) if ((labelmap[i] ? 1 : 0) !== mask[i]) return false;
  return true;
}
