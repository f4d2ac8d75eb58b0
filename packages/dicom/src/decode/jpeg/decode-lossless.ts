// Lossless JPEG decoder (ITU T.81 Annex H, process 14: DICOM 1.2.840.10008.1.2.4.57 and the
// first-order-prediction SV1 1.2.840.10008.1.2.4.70): Huffman-coded prediction differences,
// predictors 1–7 (Table H.1), point transform, restart intervals; interleaved or one scan per
// component, 2 to 16 bits. Output: samples interleaved by pixel.
import { DicomError } from '../../parse/errors';
import { BitReader, type HuffmanTable } from './huffman';
import { readHuffman, type Tables } from './decode-dct';

const invalid = (message: string) => new DicomError('PIXEL_DATA_INVALID', `lossless JPEG: ${message}`);

export interface DecodedLossless { width: number; height: number; components: number; precision: number; samples: Uint8Array | Uint16Array }

interface Frame { precision: number; width: number; height: number; ids: number[] }

/** Difference for category `t` (§H.1.2.2: category 16 means 32768 with no extra bits). */
function difference(reader: BitReader, table: HuffmanTable): number {
  const t = reader.decode(table);
  if (t === 0) return 0;
  if (t === 16) return 32768;
  if (t > 16) throw invalid(`difference category ${t} is out of range`);
  const v = reader.receive(t);
  return v < 1 << (t - 1) ? v - (1 << t) + 1 : v;
}

function predict(selection: number, ra: number, rb: number, rc: number): number {
  switch (selection) {
    case 1: return ra;
    case 2: return rb;
    case 3: return rc;
    case 4: return ra + rb - rc;
    case 5: return ra + ((rb - rc) >> 1);
    case 6: return rb + ((ra - rc) >> 1);
    case 7: return (ra + rb) >> 1;
    default: throw invalid(`predictor selection ${selection} is not 1 to 7`);
  }
}

function readScan(data: Uint8Array, at: number, frame: Frame, tables: Tables, out: Uint16Array): number {
  const count = data[at];
  const comps = Array.from({ length: count }, (_, i) => {
    const index = frame.ids.indexOf(data[at + 1 + i * 2]);
    const table = tables.dc[data[at + 2 + i * 2] >> 4];
    if (index < 0 || !table) throw invalid('a scan refers to an unknown component or Huffman table');
    return { index, table };
  });
  const p = at + 1 + count * 2;
  const selection = data[p];
  const pointTransform = data[p + 2] & 15;
  const { width, height } = frame;
  const n = frame.ids.length;
  const reader = new BitReader(data, p + 3);
  const initial = 1 << (frame.precision - pointTransform - 1);
  const mask = (1 << 16) - 1;
  const interval = tables.restartInterval;
  // Reconstructed values before the point transform is undone, per component plane.
  const planes = comps.map(() => new Int32Array(width * height));
  let firstLineOfInterval = 0;
  for (let pos = 0; pos < width * height; pos++) {
    if (interval && pos > 0 && pos % interval === 0) {
      reader.restart();
      firstLineOfInterval = Math.floor(pos / width); // restart intervals span whole lines (§H.1.2.1)
    }
    const y = Math.floor(pos / width);
    const x = pos % width;
    comps.forEach((c, ci) => {
      const plane = planes[ci];
      let prediction: number;
      if (y === firstLineOfInterval) prediction = x === 0 ? initial : plane[pos - 1];
      else if (x === 0) prediction = plane[pos - width];
      else prediction = predict(selection, plane[pos - 1], plane[pos - width], plane[pos - width - 1]);
      const value = (prediction + difference(reader, c.table)) & mask; // modulo 2^16 (§H.2.1)
      plane[pos] = value;
      out[pos * n + c.index] = value << pointTransform;
    });
  }
  if (reader.padded > 64) throw invalid('the entropy-coded data ends before the last sample (truncated frame)');
  return reader.pos;
}

export function decodeJpegLossless(data: Uint8Array): DecodedLossless {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw invalid('no SOI marker at the start of the frame');
  const tables: Tables = { quant: [], dc: [], ac: [], restartInterval: 0 };
  let frame: Frame | null = null;
  let out: Uint16Array | null = null;
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) { at++; continue; }
    const marker = data[at + 1];
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { at++; continue; }
    if (marker === 0xd9) break;
    const length = (data[at + 2] << 8) | data[at + 3];
    const body = at + 4;
    if (length < 2 || at + 2 + length > data.length) throw invalid(`marker segment FF${marker.toString(16).toUpperCase()} runs past the end of the frame`);
    if (marker === 0xc4) readHuffman(data, body, at + 2 + length, tables);
    else if (marker === 0xdd) tables.restartInterval = (data[body] << 8) | data[body + 1];
    else if (marker === 0xc3) {
      const count = data[body + 5];
      const ids = Array.from({ length: count }, (_, i) => data[body + 6 + i * 3]);
      if (Array.from({ length: count }, (_, i) => data[body + 7 + i * 3]).some((hv) => hv !== 0x11)) throw invalid('sub-sampled components are not supported');
      frame = { precision: data[body], height: (data[body + 1] << 8) | data[body + 2], width: (data[body + 3] << 8) | data[body + 4], ids };
      if (frame.precision < 2 || frame.precision > 16 || !frame.width || !frame.height || count < 1) throw invalid('bad frame header');
      out = new Uint16Array(frame.width * frame.height * count);
    } else if (marker === 0xda) {
      if (!frame || !out) throw invalid('scan before the frame header');
      at = readScan(data, body, frame, tables, out);
      continue;
    }
    at = at + 2 + length;
  }
  if (!frame || !out) throw invalid('no SOF3 frame header in the codestream');
  const samples = frame.precision <= 8 ? Uint8Array.from(out) : out;
  return { width: frame.width, height: frame.height, components: frame.ids.length, precision: frame.precision, samples };
}
