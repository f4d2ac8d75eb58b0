// The evaluation gate: a candidate model may replace the active one only if, on every held-out
// set, no metric is worse than the active model's by more than the tolerance, or by more than the
// set can resolve: the allowed drop is max(tolerance, 2 standard errors of the active model's
// value on that metric's sample), so a one-slice flip on a small set is not "worse" while a real
// regression is. Metrics that are undefined on the active model (AUC with one class present,
// precision with nothing predicted) are not compared: there is nothing to be worse than.
import type { ConfusionCounts } from '../metrics/segmentation';
import type { EvaluationResult } from './evaluate';

/** Headline metrics of one evaluation, all in [0, 1] where higher is better. */
export interface MetricSummary {
  dice: number;
  iou: number;
  pixelPrecision: number;
  pixelRecall: number;
  sliceF1: number;
  auc: number;
  accuracy: number;
  /** Per class: lesion = slice precision / recall (sensitivity); none = NPV / specificity. */
  lesionPrecision: number;
  lesionRecall: number;
  nonePrecision: number;
  noneRecall: number;
}

export const GATE_METRICS: (keyof MetricSummary)[] = [
  'dice', 'iou', 'pixelPrecision', 'pixelRecall', 'sliceF1', 'auc', 'accuracy', 'lesionPrecision', 'lesionRecall', 'nonePrecision', 'noneRecall',
];

const ratio = (num: number, den: number) => (den === 0 ? Number.NaN : num / den);

/** Headline metrics; a ratio with an empty denominator (precision with nothing predicted) is NaN. */
export function summariseEvaluation(e: Pick<EvaluationResult, 'segmentation' | 'classification'>): MetricSummary {
  const c = e.classification.counts;
  const p = e.segmentation.counts;
  return {
    dice: e.segmentation.dice,
    iou: e.segmentation.iou,
    pixelPrecision: ratio(p.truePositive, p.truePositive + p.falsePositive),
    pixelRecall: ratio(p.truePositive, p.truePositive + p.falseNegative),
    sliceF1: e.classification.f1,
    auc: e.classification.auc,
    accuracy: e.classification.accuracy,
    lesionPrecision: ratio(c.truePositive, c.truePositive + c.falsePositive),
    lesionRecall: ratio(c.truePositive, c.truePositive + c.falseNegative),
    nonePrecision: ratio(c.trueNegative, c.trueNegative + c.falseNegative),
    noneRecall: ratio(c.trueNegative, c.trueNegative + c.falsePositive),
  };
}

/**
 * Effective sample size behind each metric of an evaluation: slices for slice metrics; for pixel
 * metrics the lesion slices (neighbouring pixels are not independent samples).
 */
export function metricSupport(e: Pick<EvaluationResult, 'segmentation' | 'classification' | 'slices' | 'lesionSlices'>): Record<keyof MetricSummary, number> {
  const c: ConfusionCounts = e.classification.counts;
  const lesion = e.lesionSlices;
  return {
    dice: lesion, iou: lesion, pixelPrecision: lesion, pixelRecall: lesion, sliceF1: lesion,
    auc: Math.min(lesion, e.slices - lesion), accuracy: e.slices,
    lesionPrecision: c.truePositive + c.falsePositive, lesionRecall: c.truePositive + c.falseNegative,
    nonePrecision: c.trueNegative + c.falseNegative, noneRecall: c.trueNegative + c.falsePositive,
  };
}

/** Two standard errors of a proportion p measured on n samples (add-one smoothed, so p = 1 still has one). */
export function noiseFloor(p: number, n: number): number {
  if (n <= 0) return 1;
  const smoothed = (p * n + 1) / (n + 2);
  return 2 * Math.sqrt((smoothed * (1 - smoothed)) / n);
}

export interface GateSet {
  /** phantom | reviewed */
  name: string;
  base: MetricSummary;
  candidate: MetricSummary;
  /** Samples behind each metric (metricSupport of the base's evaluation); without it only the tolerance applies. */
  support?: Record<keyof MetricSummary, number>;
}

export interface GateRow {
  set: string;
  metric: keyof MetricSummary;
  base: number | null;
  candidate: number | null;
  delta: number | null;
  /** The drop this row may show: max(tolerance, noise floor of the base value). */
  allowed: number | null;
  worse: boolean;
}

export interface GateVerdict {
  passed: boolean;
  tolerance: number;
  reasons: string[];
  rows: GateRow[];
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export function applyGate(sets: GateSet[], tolerance: number): GateVerdict {
  const rows: GateRow[] = [];
  const reasons: string[] = [];
  for (const set of sets) {
    for (const metric of GATE_METRICS) {
      const base = finite(set.base[metric]);
      // a metric the candidate leaves undefined where the base had it (nothing predicted) counts as 0
      const candidate = finite(set.candidate[metric]) ?? (base === null ? null : 0);
      const delta = base === null || candidate === null ? null : candidate - base;
      const allowed = base === null ? null : Math.max(tolerance, set.support ? noiseFloor(base, set.support[metric]) : 0);
      const worse = delta !== null && delta < -allowed!;
      rows.push({ set: set.name, metric, base, candidate, delta, allowed, worse });
      if (worse) reasons.push(`${set.name} ${metric} fell from ${base!.toFixed(3)} to ${candidate!.toFixed(3)} (allowed drop ${allowed!.toFixed(3)})`);
    }
  }
  if (sets.length === 0) reasons.push('no held-out set to evaluate on');
  return { passed: reasons.length === 0, tolerance, reasons, rows };
}
