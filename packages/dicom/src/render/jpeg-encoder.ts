// Baseline JPEG encoding of rendered RGBA images (ITU T.81 process 1: 8-bit, Huffman, one scan)
// for WADO-URI image/jpeg answers. YCbCr 4:4:4 (JFIF colour conversion), the Annex K example
// quantisation tables scaled by quality as libjpeg does, and the Annex K.3 Huffman tables.
// Pure: RGBA bytes in, a JFIF file out.

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
// Annex K.1, natural (row-major) order
const LUMINANCE_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMINANCE_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...Array(32).fill(99),
];
// Annex K.3: code counts per length (1..16) and symbols
const DC_LUMINANCE = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const DC_CHROMINANCE = { counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const AC_LUMINANCE = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
    0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};
const AC_CHROMINANCE = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
    0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
    0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};

interface HuffmanSpec { counts: number[]; symbols: number[] }
interface Code { code: number; length: number }

/** Canonical codes from counts (ITU T.81 Annex C). */
function codes(spec: HuffmanSpec): Code[] {
  const out: Code[] = [];
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < spec.counts[length - 1]; i++) out[spec.symbols[k++]] = { code: code++, length };
    code <<= 1;
  }
  return out;
}

/** libjpeg's quality scaling (jcparam.c): 50 gives the Annex K tables. */
function scaledQuant(table: number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - q * 2;
  return table.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

const COS = Array.from({ length: 64 }, (_, i) => Math.cos(((2 * (i % 8) + 1) * Math.floor(i / 8) * Math.PI) / 16));
const C = (u: number) => (u === 0 ? Math.SQRT1_2 : 1);

/** 2-D forward DCT of one 8×8 block (level-shifted samples), row-major out. */
function forwardDct(block: Float64Array, out: Float64Array): void {
  const tmp = new Float64Array(64);
  for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) {
    let s = 0;
    for (let x = 0; x < 8; x++) s += block[y * 8 + x] * COS[u * 8 + x];
    tmp[y * 8 + u] = s * C(u) / 2;
  }
  for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) {
    let s = 0;
    for (let y = 0; y < 8; y++) s += tmp[y * 8 + u] * COS[v * 8 + y];
    out[v * 8 + u] = s * C(v) / 2;
  }
}

class BitWriter {
  private readonly bytes: number[] = [];
  private buffer = 0;
  private count = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.buffer = (this.buffer << 1) | ((value >> i) & 1);
      if (++this.count === 8) {
        this.bytes.push(this.buffer);
        if (this.buffer === 0xff) this.bytes.push(0); // byte stuffing (§F.1.2.3)
        this.buffer = 0;
        this.count = 0;
      }
    }
  }
  finish(): Uint8Array {
    if (this.count > 0) this.write(0x7f, 8 - this.count); // pad with 1 bits (§F.1.2.3)
    return Uint8Array.from(this.bytes);
  }
}

const bitSize = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));

function segment(marker: number, body: number[]): number[] {
  return [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
}

/** A baseline JFIF file of an RGBA image (alpha ignored). `quality` 1..100 as in libjpeg. */
export function encodeJpegRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, quality = 90): Buffer {
  const quant = [scaledQuant(LUMINANCE_QUANT, quality), scaledQuant(CHROMINANCE_QUANT, quality)];
  const dc = [codes(DC_LUMINANCE), codes(DC_CHROMINANCE)];
  const ac = [codes(AC_LUMINANCE), codes(AC_CHROMINANCE)];
  const writer = new BitWriter();
  const previousDc = [0, 0, 0];
  const block = new Float64Array(64);
  const coefficients = new Float64Array(64);
  for (let by = 0; by < height; by += 8) for (let bx = 0; bx < width; bx += 8) {
    for (let c = 0; c < 3; c++) {
      const t = c === 0 ? 0 : 1;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        // edge blocks repeat the last row / column (§A.2.4 leaves the padding to the encoder)
        const p = (Math.min(by + y, height - 1) * width + Math.min(bx + x, width - 1)) * 4;
        const [r, g, b] = [rgba[p], rgba[p + 1], rgba[p + 2]];
        const value = c === 0 ? 0.299 * r + 0.587 * g + 0.114 * b
          : c === 1 ? -0.168736 * r - 0.331264 * g + 0.5 * b + 128 : 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
        block[y * 8 + x] = value - 128;
      }
      forwardDct(block, coefficients);
      const q = ZIGZAG.map((natural) => Math.round(coefficients[natural] / quant[t][natural]));
      const diff = q[0] - previousDc[c];
      previousDc[c] = q[0];
      const dcSize = bitSize(diff);
      writer.write(dc[t][dcSize].code, dc[t][dcSize].length);
      if (dcSize) writer.write(diff < 0 ? diff + (1 << dcSize) - 1 : diff, dcSize);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        if (q[k] === 0) { run++; continue; }
        while (run > 15) { writer.write(ac[t][0xf0].code, ac[t][0xf0].length); run -= 16; }
        const size = bitSize(q[k]);
        const symbol = (run << 4) | size;
        writer.write(ac[t][symbol].code, ac[t][symbol].length);
        writer.write(q[k] < 0 ? q[k] + (1 << size) - 1 : q[k], size);
        run = 0;
      }
      if (run > 0) writer.write(ac[t][0].code, ac[t][0].length); // end of block
    }
  }
  const huffman = (cls: number, id: number, spec: HuffmanSpec) => [(cls << 4) | id, ...spec.counts, ...spec.symbols];
  const header = [
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0, ...ZIGZAG.map((n) => quant[0][n]), 1, ...ZIGZAG.map((n) => quant[1][n])]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]),
    ...segment(0xc4, [...huffman(0, 0, DC_LUMINANCE), ...huffman(1, 0, AC_LUMINANCE), ...huffman(0, 1, DC_CHROMINANCE), ...huffman(1, 1, AC_CHROMINANCE)]),
    ...segment(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]),
  ];
  return Buffer.concat([Buffer.from(header), writer.finish(), Buffer.from([0xff, 0xd9])]);
}
