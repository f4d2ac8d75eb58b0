// Chroma up-sampling of a decoded component plane to full resolution, as IJG libjpeg does it
// (jdsample.c, do_fancy_upsampling on by default): "fancy" triangle filters for 2h1v and 2h2v
// when the down-sampled width exceeds 2, plain sample replication otherwise. dcmtk, GDCM and
// Pillow all decode YBR JPEG this way, which the corpus MD5s were made with.

export interface Plane { data: Uint16Array; stride: number; width: number; height: number }

/** Replication by integer factors (libjpeg int_upsample / h2v1_upsample / h2v2_upsample). */
function replicate(p: Plane, hf: number, vf: number, width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / vf) * p.stride;
    for (let x = 0; x < width; x++) out[y * width + x] = p.data[row + Math.floor(x / hf)];
  }
  return out;
}

/** h2v1_fancy_upsample: each output sample is ¾ nearer + ¼ further input sample. */
function fancyH2V1(p: Plane, width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height);
  const w = p.width;
  const row = new Uint16Array(2 * w);
  for (let y = 0; y < height; y++) {
    const s = p.data.subarray(y * p.stride, y * p.stride + w);
    row[0] = s[0];
    row[1] = (s[0] * 3 + s[1] + 2) >> 2;
    for (let i = 1; i < w - 1; i++) {
      row[2 * i] = (s[i] * 3 + s[i - 1] + 1) >> 2;
      row[2 * i + 1] = (s[i] * 3 + s[i + 1] + 2) >> 2;
    }
    row[2 * w - 2] = (s[w - 1] * 3 + s[w - 2] + 1) >> 2;
    row[2 * w - 1] = s[w - 1];
    out.set(row.subarray(0, width), y * width);
  }
  return out;
}

/** h2v2_fancy_upsample: triangle filter in both directions; edge rows are replicated (jdmainct.c). */
function fancyH2V2(p: Plane, width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height);
  const w = p.width;
  const row = new Uint16Array(2 * w);
  const colSum = new Int32Array(w);
  for (let y = 0; y < height; y++) {
    const inRow = y >> 1;
    const other = Math.min(Math.max(y & 1 ? inRow + 1 : inRow - 1, 0), p.height - 1);
    const near = p.data.subarray(inRow * p.stride);
    const far = p.data.subarray(other * p.stride);
    for (let i = 0; i < w; i++) colSum[i] = near[i] * 3 + far[i];
    row[0] = (colSum[0] * 4 + 8) >> 4;
    row[1] = (colSum[0] * 3 + colSum[1] + 7) >> 4;
    for (let i = 1; i < w - 1; i++) {
      row[2 * i] = (colSum[i] * 3 + colSum[i - 1] + 8) >> 4;
      row[2 * i + 1] = (colSum[i] * 3 + colSum[i + 1] + 7) >> 4;
    }
    row[2 * w - 2] = (colSum[w - 1] * 3 + colSum[w - 2] + 8) >> 4;
    row[2 * w - 1] = (colSum[w - 1] * 4 + 7) >> 4;
    out.set(row.subarray(0, width), y * width);
  }
  return out;
}

/** The component at full size (width × height), `hf` × `vf` being the up-sampling factors. */
export function upsample(p: Plane, hf: number, vf: number, width: number, height: number): Uint16Array {
  if (hf === 2 && vf === 1 && p.width > 2) return fancyH2V1(p, width, height);
  if (hf === 2 && vf === 2 && p.width > 2) return fancyH2V2(p, width, height);
  return replicate(p, hf, vf, width, height);
}
