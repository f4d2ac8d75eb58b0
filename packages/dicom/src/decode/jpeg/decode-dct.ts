// Sequential DCT JPEG decoder (ITU T.81 baseline SOF0 and extended Huffman SOF1, 8- and 12-bit
// precision: DICOM JPEG Baseline 1.2.840.10008.1.2.4.50 and Extended 1.2.840.10008.1.2.4.51).
// Components are returned as coded — no YCbCr→RGB conversion — with chroma up-sampled, which is
// what PS3.5 §8.2.1 asks for (Photometric Interpretation describes the coded components).
import { DicomError } from '../../parse/errors';
import { BitReader, buildHuffmanTable, decodeBlock, ZIGZAG, type HuffmanTable } from './huffman';
import { Idct } from './idct';
import { upsample } from './upsample';

const invalid = (message: string) => new DicomError('PIXEL_DATA_INVALID', `JPEG: ${message}`);
const unsupported = (message: string) => new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', `JPEG: ${message}`);

interface Component {
  id: number; h: number; v: number; tq: number;
  /** Blocks per line / column, padded to whole MCUs; samples stored in `plane`. */
  blocksPerLine: number; blocksPerColumn: number; plane: Uint16Array;
  /** Down-sampled size (libjpeg downsampled_width/height). */
  width: number; height: number; predictor: number;
}

export interface DecodedJpeg { width: number; height: number; components: number; precision: number; samples: Uint8Array | Uint16Array }

interface Frame { precision: 8 | 12; width: number; height: number; components: Component[]; hMax: number; vMax: number; mcusPerLine: number; mcusPerColumn: number }

function readFrame(data: Uint8Array, at: number, marker: number): Frame {
  if (marker !== 0xc0 && marker !== 0xc1) {
    if (marker === 0xc3) throw unsupported('lossless (SOF3) codestream where a DCT one was expected');
    throw unsupported(`SOF marker FF${marker.toString(16).toUpperCase()} (progressive, hierarchical or arithmetic coding) is not supported`);
  }
  const precision = data[at];
  if (precision !== 8 && precision !== 12) throw invalid(`sample precision ${precision} is not 8 or 12`);
  const height = (data[at + 1] << 8) | data[at + 2];
  const width = (data[at + 3] << 8) | data[at + 4];
  const count = data[at + 5];
  if (!width || !height || count < 1 || count > 4) throw invalid('frame header with zero size or a bad component count');
  const components: Component[] = [];
  for (let i = 0; i < count; i++) {
    const p = at + 6 + i * 3;
    const h = data[p + 1] >> 4;
    const v = data[p + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw invalid('sampling factors must be 1 to 4');
    components.push({ id: data[p], h, v, tq: data[p + 2] & 3, blocksPerLine: 0, blocksPerColumn: 0, plane: new Uint16Array(0), width: 0, height: 0, predictor: 0 });
  }
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  const mcusPerLine = Math.ceil(width / (8 * hMax));
  const mcusPerColumn = Math.ceil(height / (8 * vMax));
  for (const c of components) {
    c.width = Math.ceil((width * c.h) / hMax);
    c.height = Math.ceil((height * c.v) / vMax);
    c.blocksPerLine = mcusPerLine * c.h;
    c.blocksPerColumn = mcusPerColumn * c.v;
    c.plane = new Uint16Array(c.blocksPerLine * 8 * c.blocksPerColumn * 8);
  }
  return { precision, width, height, components, hMax, vMax, mcusPerLine, mcusPerColumn };
}

export interface Tables { quant: (Uint16Array | undefined)[]; dc: (HuffmanTable | undefined)[]; ac: (HuffmanTable | undefined)[]; restartInterval: number }

function readQuant(data: Uint8Array, at: number, end: number, tables: Tables): void {
  while (at < end) {
    const sixteen = data[at] >> 4;
    const id = data[at] & 3;
    const q = new Uint16Array(64);
    for (let k = 0; k < 64; k++) q[ZIGZAG[k]] = sixteen ? (data[at + 1 + 2 * k] << 8) | data[at + 2 + 2 * k] : data[at + 1 + k];
    tables.quant[id] = q;
    at += 1 + (sixteen ? 128 : 64);
  }
}

export function readHuffman(data: Uint8Array, at: number, end: number, tables: Tables): void {
  while (at < end) {
    const cls = data[at] >> 4;
    const id = data[at] & 3;
    const counts = data.subarray(at + 1, at + 17);
    const total = counts.reduce((a, b) => a + b, 0);
    const table = buildHuffmanTable(counts, data.subarray(at + 17, at + 17 + total));
    (cls === 0 ? tables.dc : tables.ac)[id] = table;
    at += 17 + total;
  }
}

/** Decodes the entropy-coded segment of one scan starting at `at`; returns where it ends. */
function readScan(data: Uint8Array, at: number, frame: Frame, tables: Tables, idct: Idct): number {
  const count = data[at];
  const scan = Array.from({ length: count }, (_, i) => {
    const c = frame.components.find((x) => x.id === data[at + 1 + i * 2]);
    if (!c) throw invalid('a scan refers to a component that is not in the frame');
    const dc = tables.dc[data[at + 2 + i * 2] >> 4];
    const ac = tables.ac[data[at + 2 + i * 2] & 15];
    const q = tables.quant[c.tq];
    if (!dc || !ac || !q) throw invalid('a scan uses a Huffman or quantisation table that was not defined');
    c.predictor = 0;
    return { c, dc, ac, q };
  });
  // Spectral selection / approximation bytes follow; sequential DCT ignores them (libjpeg warns only).
  const reader = new BitReader(data, at + 1 + count * 2 + 3);
  const coef = new Int32Array(64);
  const block = (s: (typeof scan)[number], row: number, col: number) => {
    s.c.predictor = decodeBlock(reader, s.dc, s.ac, s.c.predictor, coef);
    const stride = s.c.blocksPerLine * 8;
    idct.run(coef, s.q, s.c.plane, row * 8 * stride + col * 8, stride);
  };
  // Non-interleaved scan: one block per MCU over the component's own (unpadded) block grid (§A.2.2).
  const single = count === 1;
  const mcusPerLine = single ? Math.ceil(scan[0].c.width / 8) : frame.mcusPerLine;
  const mcusPerColumn = single ? Math.ceil(scan[0].c.height / 8) : frame.mcusPerColumn;
  const total = mcusPerLine * mcusPerColumn;
  for (let m = 0; m < total; m++) {
    if (tables.restartInterval && m > 0 && m % tables.restartInterval === 0) {
      reader.restart();
      for (const s of scan) s.c.predictor = 0;
    }
    const mr = Math.floor(m / mcusPerLine);
    const mc = m % mcusPerLine;
    if (single) block(scan[0], mr, mc);
    else for (const s of scan) for (let v = 0; v < s.c.v; v++) for (let h = 0; h < s.c.h; h++) block(s, mr * s.c.v + v, mc * s.c.h + h);
  }
  // More than a few zero bits past the data means the codestream was cut short.
  if (reader.padded > 64) throw invalid('the entropy-coded data ends before the last block (truncated frame)');
  return reader.pos;
}

export function decodeJpegDct(data: Uint8Array): DecodedJpeg {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw invalid('no SOI marker at the start of the frame');
  const tables: Tables = { quant: [], dc: [], ac: [], restartInterval: 0 };
  let frame: Frame | null = null;
  let idct: Idct | null = null;
  let scans = 0;
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) { at++; continue; } // tolerate junk between segments as libjpeg does
    const marker = data[at + 1];
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { at++; continue; }
    if (marker === 0xd9) break; // EOI
    const length = (data[at + 2] << 8) | data[at + 3];
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > data.length) throw invalid(`marker segment FF${marker.toString(16).toUpperCase()} runs past the end of the frame`);
    if (marker === 0xdb) readQuant(data, body, end, tables);
    else if (marker === 0xc4) readHuffman(data, body, end, tables);
    else if (marker === 0xdd) tables.restartInterval = (data[body] << 8) | data[body + 1];
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      frame = readFrame(data, body, marker);
      idct = new Idct(frame.precision);
    } else if (marker === 0xda) {
      if (!frame || !idct) throw invalid('scan before the frame header');
      at = readScan(data, body, frame, tables, idct);
      scans++;
      continue;
    }
    at = end;
  }
  if (!frame || scans === 0) throw invalid('no frame header or no scan in the codestream');
  return assemble(frame);
}

/** Up-samples every component to full size and interleaves them (R,G,B or Y,Cb,Cr per pixel). */
function assemble(frame: Frame): DecodedJpeg {
  const { width, height, components } = frame;
  const n = components.length;
  const samples = frame.precision === 8 ? new Uint8Array(width * height * n) : new Uint16Array(width * height * n);
  components.forEach((c, ci) => {
    const full = upsample({ data: c.plane, stride: c.blocksPerLine * 8, width: c.width, height: c.height }, frame.hMax / c.h, frame.vMax / c.v, width, height);
    for (let p = 0; p < width * height; p++) samples[p * n + ci] = full[p];
  });
  return { width, height, components: n, precision: frame.precision, samples };
}
