// Huffman entropy decoding for sequential DCT JPEG (ITU T.81 §F.2.2): code tables built as in
// Annex C / §F.2.2.3 (MAXCODE, VALPTR, MINCODE), a bit reader that removes stuffed zero bytes
// (§F.1.2.3) and stops at markers, and one block's DC difference + AC run/size decoding.
import { DicomError } from '../../parse/errors';

const invalid = (message: string) => new DicomError('PIXEL_DATA_INVALID', `JPEG: ${message}`);

export interface HuffmanTable { maxCode: Int32Array; valPtr: Int32Array; minCode: Int32Array; values: Uint8Array; lookup: Uint16Array }

const LOOKAHEAD = 9;

export function buildHuffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  // lookup[next 9 bits] = (length << 8) | value, 0 when the code is longer than 9 bits.
  const lookup = new Uint16Array(1 << LOOKAHEAD);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    valPtr[length] = k;
    minCode[length] = code;
    for (let i = 0; i < counts[length - 1]; i++, k++, code++) {
      if (k >= values.length) throw invalid('a Huffman table lists more codes than values');
      if (length <= LOOKAHEAD) {
        const shift = LOOKAHEAD - length;
        for (let fill = 0; fill < 1 << shift; fill++) lookup[(code << shift) | fill] = (length << 8) | values[k];
      }
    }
    maxCode[length] = counts[length - 1] ? code - 1 : -1;
    if (code > 1 << length) throw invalid('a Huffman table is over-subscribed');
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valPtr, minCode, values, lookup };
}

export class BitReader {
  private bits = 0;
  private count = 0;
  /** Zero bits supplied after the data ran out or a marker was reached (libjpeg does the same). */
  padded = 0;

  constructor(private readonly data: Uint8Array, public pos: number) {}

  private fill(): void {
    while (this.count <= 24) {
      let byte = 0;
      if (this.pos < this.data.length && !(this.data[this.pos] === 0xff && this.data[this.pos + 1] !== 0x00)) {
        byte = this.data[this.pos];
        this.pos += byte === 0xff ? 2 : 1; // 0xFF 0x00 is a stuffed 0xFF data byte
      } else {
        this.padded += 8;
      }
      this.bits = ((this.bits << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  peek(n: number): number {
    if (this.count < n) this.fill();
    return (this.bits >>> (this.count - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.count -= n;
    this.bits &= this.count === 32 ? 0xffffffff : (1 << this.count) - 1;
  }

  receive(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  /** After a restart interval: drop the partial byte and step over RSTn (§F.2.2.5 / §E.2.4). */
  restart(): void {
    this.bits = 0;
    this.count = 0;
    while (this.data[this.pos] === 0xff && this.data[this.pos + 1] === 0xff) this.pos++;
    if (this.data[this.pos] === 0xff && this.data[this.pos + 1] >= 0xd0 && this.data[this.pos + 1] <= 0xd7) this.pos += 2;
  }

  decode(table: HuffmanTable): number {
    const entry = table.lookup[this.peek(LOOKAHEAD)];
    if (entry !== 0) {
      this.skip(entry >> 8);
      return entry & 0xff;
    }
    let code = this.receive(1);
    let length = 1;
    while (code > table.maxCode[length]) {
      code = (code << 1) | this.receive(1);
      if (++length > 16) throw invalid('corrupt Huffman code in the entropy-coded data');
    }
    return table.values[table.valPtr[length] + code - table.minCode[length]];
  }
}

/** §F.2.2.1 EXTEND: a received `size`-bit value to a signed difference. */
export const extend = (v: number, size: number) => (size === 0 ? 0 : v < 1 << (size - 1) ? v - (1 << size) + 1 : v);

/** Zig-zag index → natural (row-major) index (Figure A.6). */
export const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** Decodes one block's coefficients (natural order) into `coef`; returns the new DC predictor. */
export function decodeBlock(reader: BitReader, dc: HuffmanTable, ac: HuffmanTable, predictor: number, coef: Int32Array): number {
  coef.fill(0);
  const t = reader.decode(dc);
  if (t > 16) throw invalid(`DC difference category ${t} is out of range`);
  const value = predictor + extend(reader.receive(t), t);
  coef[0] = value;
  for (let k = 1; k < 64;) {
    const rs = reader.decode(ac);
    const size = rs & 15;
    const run = rs >> 4;
    if (size === 0) {
      if (run !== 15) break; // EOB
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) throw invalid('an AC coefficient run goes past the end of the block');
    coef[ZIGZAG[k]] = extend(reader.receive(size), size);
    k++;
  }
  return value;
}
