// Inverse DCT of one 8×8 block, a port of IJG libjpeg's accurate integer method
// (jidctint.c, jpeg_idct_islow: Loeffler–Ligtenberg–Moschytz with 13-bit constants), which is what
// dcmtk, GDCM and Pillow use by default; matching it bit for bit gives the same lossy pixels.
// Arithmetic in doubles (exact here), shifts as floor division like the C `>>` on `long`.

const CONST_BITS = 13;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

const descale = (x: number, n: number) => Math.floor((x + 2 ** (n - 1)) / 2 ** n);

/**
 * libjpeg's post-IDCT range limit (jdmaster.c prepare_range_limit_table): the value is masked to
 * 4·(MAXJSAMPLE+1) and looked up, so in-range values are shifted by CENTERJSAMPLE and clamped.
 */
function rangeLimitTable(precision: number): Uint16Array {
  const size = 2 ** precision;
  const center = size / 2;
  const table = new Uint16Array(4 * size);
  for (let i = 0; i < 4 * size; i++) {
    if (i < center) table[i] = i + center;
    else if (i < 2 * size) table[i] = size - 1;
    else if (i < 4 * size - center) table[i] = 0;
    else table[i] = i - (4 * size - center);
  }
  return table;
}

export class Idct {
  private readonly limit: Uint16Array;
  private readonly mask: number;
  private readonly pass1Bits: number;
  private readonly work = new Float64Array(64);

  constructor(precision: 8 | 12) {
    this.limit = rangeLimitTable(precision);
    this.mask = 4 * 2 ** precision - 1;
    this.pass1Bits = precision === 8 ? 2 : 1;
  }

  /** coefficients and quant table in natural (row-major) order; writes 8×8 samples at out[offset + y·stride + x]. */
  run(coef: Int32Array, quant: Uint16Array, out: Uint16Array | Uint8Array, offset: number, stride: number): void {
    const ws = this.work;
    const p1 = this.pass1Bits;
    for (let c = 0; c < 8; c++) {
      if (coef[8 + c] === 0 && coef[16 + c] === 0 && coef[24 + c] === 0 && coef[32 + c] === 0 && coef[40 + c] === 0 && coef[48 + c] === 0 && coef[56 + c] === 0) {
        const dc = coef[c] * quant[c] * 2 ** p1;
        for (let r = 0; r < 8; r++) ws[r * 8 + c] = dc;
        continue;
      }
      this.butterfly(
        coef[c] * quant[c], coef[8 + c] * quant[8 + c], coef[16 + c] * quant[16 + c], coef[24 + c] * quant[24 + c],
        coef[32 + c] * quant[32 + c], coef[40 + c] * quant[40 + c], coef[48 + c] * quant[48 + c], coef[56 + c] * quant[56 + c],
        CONST_BITS - p1, (r, v) => { ws[r * 8 + c] = v; },
      );
    }
    const shift = CONST_BITS + p1 + 3;
    for (let r = 0; r < 8; r++) {
      const w = r * 8;
      const o = offset + r * stride;
      this.butterfly(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7], shift, (x, v) => {
        out[o + x] = this.limit[((v % (this.mask + 1)) + this.mask + 1) & this.mask];
      });
    }
  }

  /** One 1-D pass (even part, odd part, output butterfly) with the descale shift `n`. */
  private butterfly(d0: number, d1: number, d2: number, d3: number, d4: number, d5: number, d6: number, d7: number, n: number, put: (i: number, v: number) => void): void {
    let z1 = (d2 + d6) * FIX_0_541196100;
    const tmp2e = z1 - d6 * FIX_1_847759065;
    const tmp3e = z1 + d2 * FIX_0_765366865;
    const tmp0e = (d0 + d4) * 2 ** CONST_BITS;
    const tmp1e = (d0 - d4) * 2 ** CONST_BITS;
    const tmp10 = tmp0e + tmp3e;
    const tmp13 = tmp0e - tmp3e;
    const tmp11 = tmp1e + tmp2e;
    const tmp12 = tmp1e - tmp2e;

    let tmp0 = d7;
    let tmp1 = d5;
    let tmp2 = d3;
    let tmp3 = d1;
    z1 = tmp0 + tmp3;
    let z2 = tmp1 + tmp2;
    let z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;

    put(0, descale(tmp10 + tmp3, n));
    put(7, descale(tmp10 - tmp3, n));
    put(1, descale(tmp11 + tmp2, n));
    put(6, descale(tmp11 - tmp2, n));
    put(2, descale(tmp12 + tmp1, n));
    put(5, descale(tmp12 - tmp1, n));
    put(3, descale(tmp13 + tmp0, n));
    put(4, descale(tmp13 - tmp0, n));
  }
}
