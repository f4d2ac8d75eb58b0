// HU statistics of one slice at its native resolution, for the input-domain check: how much of
// the field of view the body covers, what lies outside it (tables, blankets) and the tissue mix
// inside it. Pure: HU in, numbers out. One pass for the body mask, one flood fill, one histogram.
import { PixelArray } from '../preprocess/resample';

/** Pixels above this are "something" (tissue, table); below it air or lung. */
const BODY_THRESHOLD_HU = -500;
/** Outside the body, anything above this is not air (a table, a blanket, a second object). */
const OUTSIDE_NON_AIR_HU = -900;

/** HU bands inside the body (lower bound inclusive), named by the tissue a CT reader expects there. */
export const HU_BANDS = [
  { name: 'air', upperHu: -950 },
  { name: 'lung', upperHu: -700 },
  /** Between lung and fat: partial volume, bowel gas mixed with content, lung parenchyma texture. */
  { name: 'intermediate', upperHu: -200 },
  { name: 'fat', upperHu: -30 },
  /** Soft tissue and enhancing organs, one band: the phantom lesions (-75 to 170 HU) lie in it, so
   * a large lesion does not move a slice out of the domain. */
  { name: 'softTissue', upperHu: 300 },
  { name: 'bone', upperHu: Infinity },
] as const;

export type HuBand = (typeof HU_BANDS)[number]['name'];

export interface SliceStatistics {
  /** Body (largest connected region above -500 HU, holes filled) over all pixels. */
  bodyFraction: number;
  /** Non-air pixels outside the body over the pixels outside it. */
  outsideNonAirFraction: number;
  /** Fraction of body pixels in each HU band. */
  bands: Record<HuBand, number>;
  /** Inside the body. */
  meanHu: number;
  p05Hu: number;
  p50Hu: number;
  p95Hu: number;
}

/** Every statistic by a flat name (bands as `band.<name>`), the form the domain bounds use. */
export function flattenStatistics(stats: SliceStatistics): Record<string, number> {
  const out: Record<string, number> = {
    bodyFraction: stats.bodyFraction, outsideNonAirFraction: stats.outsideNonAirFraction,
    meanHu: stats.meanHu, p05Hu: stats.p05Hu, p50Hu: stats.p50Hu, p95Hu: stats.p95Hu,
  };
  for (const band of HU_BANDS) out[`band.${band.name}`] = stats.bands[band.name];
  return out;
}

/** Labels the largest 4-connected region of `on` pixels; returns its pixels as 1 in a new mask. */
function largestComponent(on: Uint8Array, rows: number, columns: number): Uint8Array {
  const label = new Int32Array(on.length);
  const stack = new Int32Array(on.length);
  let best = 0, bestSize = 0, next = 0;
  for (let start = 0; start < on.length; start++) {
    if (!on[start] || label[start]) continue;
    next++;
    let size = 0, top = 0;
    stack[top++] = start;
    label[start] = next;
    while (top > 0) {
      const i = stack[--top];
      size++;
      const r = (i / columns) | 0, c = i - r * columns;
      if (c > 0 && on[i - 1] && !label[i - 1]) { label[i - 1] = next; stack[top++] = i - 1; }
      if (c < columns - 1 && on[i + 1] && !label[i + 1]) { label[i + 1] = next; stack[top++] = i + 1; }
      if (r > 0 && on[i - columns] && !label[i - columns]) { label[i - columns] = next; stack[top++] = i - columns; }
      if (r < rows - 1 && on[i + columns] && !label[i + columns]) { label[i + columns] = next; stack[top++] = i + columns; }
    }
    if (size > bestSize) { bestSize = size; best = next; }
  }
  const out = new Uint8Array(on.length);
  if (best) for (let i = 0; i < on.length; i++) if (label[i] === best) out[i] = 1;
  return out;
}

/** Fills the holes of a region (lungs, bowel gas inside the body): what the border cannot reach. */
function fillHoles(region: Uint8Array, rows: number, columns: number): Uint8Array {
  const outside = new Uint8Array(region.length);
  const stack = new Int32Array(region.length);
  let top = 0;
  const seed = (i: number) => { if (!region[i] && !outside[i]) { outside[i] = 1; stack[top++] = i; } };
  for (let c = 0; c < columns; c++) { seed(c); seed((rows - 1) * columns + c); }
  for (let r = 0; r < rows; r++) { seed(r * columns); seed(r * columns + columns - 1); }
  while (top > 0) {
    const i = stack[--top];
    const r = (i / columns) | 0, c = i - r * columns;
    if (c > 0) seed(i - 1);
    if (c < columns - 1) seed(i + 1);
    if (r > 0) seed(i - columns);
    if (r < rows - 1) seed(i + columns);
  }
  const filled = new Uint8Array(region.length);
  for (let i = 0; i < region.length; i++) filled[i] = outside[i] ? 0 : 1;
  return filled;
}

/** Statistics of one slice; hu is rows×columns, row-major, in Hounsfield units. */
export function sliceStatistics(hu: PixelArray, rows: number, columns: number): SliceStatistics {
  if (rows <= 0 || columns <= 0 || hu.length !== rows * columns) throw new Error(`sliceStatistics: ${hu.length} values for ${rows}×${columns}`);
  const on = new Uint8Array(hu.length);
  for (let i = 0; i < hu.length; i++) on[i] = hu[i] > BODY_THRESHOLD_HU ? 1 : 0;
  const body = fillHoles(largestComponent(on, rows, columns), rows, columns);

  // a 4096-bin histogram over [-1024, 3072) HU gives exact-enough percentiles without sorting
  const HIST_MIN = -1024, HIST_BINS = 4096;
  const histogram = new Uint32Array(HIST_BINS);
  const bandCounts = new Float64Array(HU_BANDS.length);
  let inside = 0, outside = 0, outsideNonAir = 0, sum = 0;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i];
    if (!body[i]) {
      outside++;
      if (v > OUTSIDE_NON_AIR_HU) outsideNonAir++;
      continue;
    }
    inside++;
    sum += v;
    histogram[Math.min(HIST_BINS - 1, Math.max(0, Math.floor(v) - HIST_MIN))]++;
    let b = 0;
    while (v >= HU_BANDS[b].upperHu) b++;
    bandCounts[b]++;
  }
  const percentile = (q: number): number => {
    if (inside === 0) return HIST_MIN;
    const target = q * (inside - 1);
    let seen = 0;
    for (let b = 0; b < HIST_BINS; b++) {
      seen += histogram[b];
      if (seen > target) return b + HIST_MIN;
    }
    return HIST_MIN + HIST_BINS - 1;
  };
  const bands = {} as Record<HuBand, number>;
  HU_BANDS.forEach((band, b) => { bands[band.name] = inside ? bandCounts[b] / inside : 0; });
  return {
    bodyFraction: inside / hu.length,
    outsideNonAirFraction: outside ? outsideNonAir / outside : 0,
    bands,
    meanHu: inside ? sum / inside : HIST_MIN,
    p05Hu: percentile(0.05), p50Hu: percentile(0.5), p95Hu: percentile(0.95),
  };
}
