// The out-of-distribution guard: a series is compared with the model's declared domain before the
// model runs (header geometry and HU statistics of every slice), and the model's output is checked
// after it (a model that marks a large part of every slice is not finding lesions). Pure: numbers
// in, a verdict with machine-readable reason codes and human reasons out.
import type { Bound, ModelDomain } from './model-domain';
import { flattenStatistics, type SliceStatistics } from './slice-statistics';

export type DomainReasonCode =
  | 'MODALITY' | 'BODY_PART' | 'GRID' | 'FIELD_OF_VIEW' | 'PIXEL_SPACING' | 'SLICE_THICKNESS' | 'HU_STATISTICS'
  | 'OUTPUT_MASK_FRACTION';

export interface DomainReason { code: DomainReasonCode; message: string }

export interface SeriesHeader { modality: string | null; bodyPartExamined: string | null }

export interface SliceDescription {
  rows: number;
  columns: number;
  /** Row spacing, column spacing (0028,0030). */
  pixelSpacingMm: [number, number] | null;
  sliceThicknessMm: number | null;
  statistics: SliceStatistics;
}

export interface StatisticSummary { median: number; min: number; max: number; bound: Bound; outsideSlices: number }

export interface InputCheck {
  inDomain: boolean;
  reasons: DomainReason[];
  slices: number;
  outlierSlices: number;
  fieldOfViewMm: [number, number] | null;
  pixelSpacingMm: [number, number] | null;
  sliceThicknessMm: number | null;
  rows: number;
  columns: number;
  statistics: Record<string, StatisticSummary>;
}

export interface OutputCheck {
  inDomain: boolean;
  reasons: DomainReason[];
  maxSliceMaskFraction: number;
  meanSliceMaskFraction: number;
  slicesOverBound: number;
  bound: number;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const within = (v: number, b: Bound) => v >= b.min && v <= b.max;
const show = (b: Bound) => `${round(b.min, 3)}–${round(b.max, 3)}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Geometry of one slice against the domain; the reasons it fails (none when it fits). */
function geometryReasons(domain: ModelDomain, modelInputSize: number, slice: SliceDescription): DomainReason[] {
  const reasons: DomainReason[] = [];
  const { rows, columns } = slice;
  if ((domain.square && rows !== columns) || !within(rows, domain.rows) || !within(columns, domain.rows) || Math.min(rows, columns) < modelInputSize) {
    reasons.push({ code: 'GRID', message: `${rows}×${columns} pixels; the model reads square slices of ${Math.max(modelInputSize, domain.rows.min)}–${domain.rows.max} pixels` });
  }
  if (!slice.pixelSpacingMm) {
    reasons.push({ code: 'FIELD_OF_VIEW', message: 'no Pixel Spacing (0028,0030): the field of view is unknown' });
  } else {
    const [rowMm, colMm] = slice.pixelSpacingMm;
    const fov = [rows * rowMm, columns * colMm];
    if (!fov.every((f) => within(f, domain.fieldOfViewMm))) {
      reasons.push({ code: 'FIELD_OF_VIEW', message: `field of view ${fov.map((f) => round(f, 1)).join(' × ')} mm; the model was trained on ${show(domain.fieldOfViewMm)} mm` });
    }
    // never coarser than the model's own grid (the input would be upsampled, blurrier than training)
    const maxSpacing = domain.fieldOfViewMm.max / modelInputSize;
    if (Math.min(rowMm, colMm) < domain.pixelSpacingMm.min || Math.max(rowMm, colMm) > maxSpacing) {
      reasons.push({ code: 'PIXEL_SPACING', message: `pixel spacing ${round(rowMm, 3)} × ${round(colMm, 3)} mm; the model reads ${round(domain.pixelSpacingMm.min, 3)}–${round(maxSpacing, 3)} mm` });
    }
  }
  if (slice.sliceThicknessMm !== null && !within(slice.sliceThicknessMm, domain.sliceThicknessMm)) {
    reasons.push({ code: 'SLICE_THICKNESS', message: `slice thickness ${round(slice.sliceThicknessMm, 2)} mm; the model was trained on ${show(domain.sliceThicknessMm)} mm` });
  }
  return reasons;
}

/** The input check: header attributes and the HU statistics of every slice. */
export function checkSeriesInput(domain: ModelDomain, modelInputSize: number, header: SeriesHeader, slices: SliceDescription[]): InputCheck {
  if (slices.length === 0) throw new Error('checkSeriesInput: a series without slices');
  const reasons: DomainReason[] = [];
  const modality = (header.modality ?? '').trim().toUpperCase();
  if (!domain.modalities.includes(modality)) {
    reasons.push({ code: 'MODALITY', message: `modality ${modality || 'unknown'}; the model reads ${domain.modalities.join(', ')}` });
  }
  const bodyPart = (header.bodyPartExamined ?? '').trim().toUpperCase();
  if (bodyPart && !domain.bodyParts.includes(bodyPart)) {
    reasons.push({ code: 'BODY_PART', message: `body part ${bodyPart}; the model was trained on chest and abdomen` });
  }
  // geometry: every distinct reason once (a series rarely mixes grids, but it may)
  const seen = new Set<string>();
  for (const slice of slices) {
    for (const r of geometryReasons(domain, modelInputSize, slice)) {
      if (seen.has(r.code)) continue;
      seen.add(r.code);
      reasons.push(r);
    }
  }

  const flat = slices.map((s) => flattenStatistics(s.statistics));
  const statistics: Record<string, StatisticSummary> = {};
  const outlier = new Array<boolean>(slices.length).fill(false);
  for (const [name, bound] of Object.entries(domain.sliceStatistics)) {
    const values = flat.map((f) => f[name]);
    let outsideSlices = 0;
    values.forEach((v, i) => { if (!within(v, bound)) { outsideSlices++; outlier[i] = true; } });
    statistics[name] = { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)), bound, outsideSlices };
  }
  const outlierSlices = outlier.filter(Boolean).length;
  if (outlierSlices / slices.length > domain.maxOutlierSliceFraction) {
    const worst = Object.entries(statistics).filter(([, s]) => s.outsideSlices > 0)
      .sort((a, b) => b[1].outsideSlices - a[1].outsideSlices).slice(0, 3)
      .map(([name, s]) => `${name} ${s.median} (phantoms ${show(s.bound)})`);
    reasons.push({ code: 'HU_STATISTICS', message: `${outlierSlices} of ${slices.length} slices have HU statistics outside the training phantoms: ${worst.join('; ')}` });
  }

  const first = slices[0];
  return {
    inDomain: reasons.length === 0, reasons, slices: slices.length, outlierSlices,
    fieldOfViewMm: first.pixelSpacingMm ? [round(first.rows * first.pixelSpacingMm[0], 1), round(first.columns * first.pixelSpacingMm[1], 1)] : null,
    pixelSpacingMm: first.pixelSpacingMm, sliceThicknessMm: first.sliceThicknessMm, rows: first.rows, columns: first.columns, statistics,
  };
}

/** Fraction of set pixels in each mask (model resolution). */
export function maskFractions(masks: Uint8Array[]): number[] {
  return masks.map((mask) => {
    let set = 0;
    for (let i = 0; i < mask.length; i++) set += mask[i] ? 1 : 0;
    return mask.length ? set / mask.length : 0;
  });
}

/** The output check: no slice may be marked more widely than any held-out phantom slice was. */
export function checkSeriesOutput(domain: ModelDomain, masks: Uint8Array[]): OutputCheck {
  const fractions = maskFractions(masks);
  const bound = domain.output.maxSliceMaskFraction;
  const over = fractions.filter((f) => f > bound).length;
  const max = fractions.length ? Math.max(...fractions) : 0;
  const reasons: DomainReason[] = over > 0
    ? [{ code: 'OUTPUT_MASK_FRACTION', message: `the model marked up to ${round(max * 100, 1)} % of a slice (${over} of ${fractions.length} slices over ${round(bound * 100, 1)} %, the most it marks on held-out phantoms): not a lesion pattern it was trained on` }]
    : [];
  return {
    inDomain: over === 0, reasons, maxSliceMaskFraction: round(max), bound: round(bound),
    meanSliceMaskFraction: round(fractions.reduce((a, b) => a + b, 0) / Math.max(1, fractions.length)), slicesOverBound: over,
  };
}
