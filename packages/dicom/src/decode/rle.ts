// RLE Lossless (PS3.5 Annex G): up to 15 PackBits segments per frame, one per byte plane, most
// significant byte first; the result is planar by sample, interleaved here afterwards.
import { DicomError } from '../parse/errors';

function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): void {
  let i = start;
  let o = 0;
  while (i < end && o < out.length) {
    const n = (src[i++] << 24) >> 24; // signed byte
    if (n >= 0) {
      const count = n + 1;
      out.set(src.subarray(i, i + count).subarray(0, out.length - o), o);
      i += count;
      o += count;
    } else if (n !== -128) {
      const count = 1 - n;
      out.fill(src[i++], o, Math.min(out.length, o + count));
      o += count;
    }
  }
  if (o < out.length) throw new DicomError('PIXEL_DATA_INVALID', `an RLE segment decodes to ${o} bytes, ${out.length} expected`);
}

/** Decodes one RLE frame to bytes of little-endian samples, interleaved by pixel (PlanarConfiguration 0). */
export function decodeRle(frame: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = Math.ceil(bitsAllocated / 8);
  const pixels = bitsAllocated === 1 ? Math.ceil((rows * columns) / 8) : rows * columns;
  if (bitsAllocated === 1) {
    const plane = new Uint8Array(pixels);
    unpackBits(frame, view.getUint32(4, true), segments > 1 ? view.getUint32(8, true) : frame.length, plane);
    return plane;
  }
  if (segments !== samplesPerPixel * bytesPerSample) {
    throw new DicomError('PIXEL_DATA_INVALID', `RLE frame has ${segments} segments; ${samplesPerPixel} samples × ${bytesPerSample} bytes need ${samplesPerPixel * bytesPerSample}`);
  }
  const out = new Uint8Array(pixels * samplesPerPixel * bytesPerSample);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + s * 4, true);
    const end = s + 1 < segments ? view.getUint32(8 + s * 4, true) : frame.length;
    unpackBits(frame, start, end, plane);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segments go MSB first
    for (let p = 0; p < pixels; p++) out[(p * samplesPerPixel + sample) * bytesPerSample + byteInSample] = plane[p];
  }
  return out;
}
