// Binary segmentation masks as the mask API sends and the review mutation receives them:
// rows × columns bits, row-major, most significant bit first in each byte (like PS3.5 §8.1.1
// for 1-bit data, but MSB first), base64 for GraphQL.

/** One byte (0 or 1) per pixel from the bit-packed mask; missing trailing bytes read as 0. */
export function unpackMask(bytes: Uint8Array, rows: number, columns: number): Uint8Array {
  const n = rows * columns;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  return mask;
}

/** The bit packing of a 0/1-per-pixel mask (any non-zero counts as 1). */
export function packMask(mask: Uint8Array): Uint8Array {
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

export function packMaskBase64(mask: Uint8Array): string {
  return base64(packMask(mask));
}

/** Number of set pixels. */
export function maskArea(mask: Uint8Array): number {
  let area = 0;
  for (let i = 0; i < mask.length; i++) area += mask[i];
  return area;
}

/**
 * Sets (value 1) or clears (0) a disc of `radius` image pixels around each point of the segment
 * from (x0, y0) to (x1, y1), so a fast mouse stroke leaves no gaps. Returns whether a pixel changed.
 */
export function paintSegment(mask: Uint8Array, rows: number, columns: number, from: { x: number; y: number }, to: { x: number; y: number }, radius: number, value: 0 | 1): boolean {
  const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / Math.max(0.5, radius / 2)));
  const r2 = radius * radius;
  let changed = false;
  for (let s = 0; s <= steps; s++) {
    const cx = from.x + ((to.x - from.x) * s) / steps;
    const cy = from.y + ((to.y - from.y) * s) / steps;
    const yStart = Math.max(0, Math.floor(cy - radius));
    const yEnd = Math.min(rows - 1, Math.ceil(cy + radius));
    const xStart = Math.max(0, Math.floor(cx - radius));
    const xEnd = Math.min(columns - 1, Math.ceil(cx + radius));
    for (let y = yStart; y <= yEnd; y++) {
      const dy = y + 0.5 - cy;
      for (let x = xStart; x <= xEnd; x++) {
        const dx = x + 0.5 - cx;
        if (dx * dx + dy * dy > r2) continue;
        const i = y * columns + x;
        if (mask[i] !== value) { mask[i] = value; changed = true; }
      }
    }
  }
  return changed;
}
