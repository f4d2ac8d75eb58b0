// Evaluation a reader can check: ROC and precision–recall curves of a score against binary truth
// (the slice-level lesion probability against "the slice holds a lesion"), the confusion matrix
// at the operating threshold, and a reliability (calibration) table. Pure functions over arrays.
import { classificationCounts } from './classification';
import type { ConfusionCounts } from './segmentation';

export interface RocPoint { threshold: number; fpr: number; tpr: number }
export interface PrPoint { threshold: number; precision: number; recall: number }

export interface CurveSet {
  /** From (0, 0) at threshold +∞ to (1, 1) at the lowest score; one point per distinct score (thinned to maxPoints). */
  roc: RocPoint[];
  /** Area under the full (unthinned) ROC curve by the trapezoid rule; NaN with one class. */
  auc: number;
  /** One point per distinct score, recall rising (thinned to maxPoints). */
  pr: PrPoint[];
  /** Average precision: Σ (R_k − R_{k−1}) · P_k over the distinct thresholds; NaN without positives. */
  averagePrecision: number;
  positives: number;
  negatives: number;
}

interface Operating { threshold: number; tp: number; fp: number }

/** Cumulative true/false positives at each distinct score, highest score first. */
function sweep(scores: ArrayLike<number>, labels: ArrayLike<boolean>): { points: Operating[]; positives: number; negatives: number } {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const points: Operating[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length;) {
    const threshold = scores[order[k]];
    // ties move together: a threshold cannot separate equal scores
    while (k < order.length && scores[order[k]] === threshold) {
      if (labels[order[k]]) tp++; else fp++;
      k++;
    }
    points.push({ threshold, tp, fp });
  }
  return { points, positives, negatives: labels.length - positives };
}

/** Keeps at most `max` points, evenly by index, always the first and the last. */
export function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max || max < 2) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

export function curves(scores: ArrayLike<number>, labels: ArrayLike<boolean>, maxPoints = 101): CurveSet {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores for ${labels.length} labels`);
  const { points, positives, negatives } = sweep(scores, labels);
  const rate = (n: number, d: number) => (d === 0 ? Number.NaN : n / d);
  const roc: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 }, ...points.map((p) => ({ threshold: p.threshold, fpr: rate(p.fp, negatives), tpr: rate(p.tp, positives) }))];
  let auc = 0;
  for (let i = 1; i < roc.length; i++) auc += ((roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr)) / 2;
  if (positives === 0 || negatives === 0) auc = Number.NaN;
  const pr: PrPoint[] = points.map((p) => ({ threshold: p.threshold, precision: p.tp / (p.tp + p.fp), recall: rate(p.tp, positives) }));
  let averagePrecision = 0;
  let previousRecall = 0;
  for (const p of pr) {
    averagePrecision += (p.recall - previousRecall) * p.precision;
    previousRecall = p.recall;
  }
  if (positives === 0) averagePrecision = Number.NaN;
  return { roc: thin(roc, maxPoints), auc, pr: thin(pr, maxPoints), averagePrecision, positives, negatives };
}

export interface ConfusionMatrix {
  threshold: number;
  /** Class names, negative first: rows are the truth, columns the prediction. */
  labels: [string, string];
  /** [[TN, FP], [FN, TP]] */
  matrix: [[number, number], [number, number]];
  counts: ConfusionCounts;
}

export function confusionMatrix(scores: ArrayLike<number>, labels: ArrayLike<boolean>, threshold = 0.5, names: [string, string] = ['none', 'lesion']): ConfusionMatrix {
  const counts = classificationCounts(scores, labels, threshold);
  return { threshold, labels: names, matrix: [[counts.trueNegative, counts.falsePositive], [counts.falseNegative, counts.truePositive]], counts };
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanPredicted: number;
  /** Share of the bin's samples that are positive (NaN when empty). */
  observed: number;
}

export interface ReliabilityTable {
  bins: ReliabilityBin[];
  /** Expected calibration error: Σ (count / n) · |observed − meanPredicted| over non-empty bins. */
  ece: number;
  /** Brier score: mean (p − y)². */
  brier: number;
}

/** Equal-width bins over [0, 1]; a probability of exactly 1 falls in the last bin. */
export function reliabilityTable(probabilities: ArrayLike<number>, labels: ArrayLike<boolean>, binCount = 10): ReliabilityTable {
  if (probabilities.length !== labels.length) throw new RangeError(`${probabilities.length} probabilities for ${labels.length} labels`);
  const sums = Array.from({ length: binCount }, () => ({ count: 0, predicted: 0, positives: 0 }));
  let brier = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(1, Math.max(0, probabilities[i]));
    const bin = sums[Math.min(binCount - 1, Math.floor(p * binCount))];
    bin.count++;
    bin.predicted += p;
    if (labels[i]) bin.positives++;
    brier += (p - (labels[i] ? 1 : 0)) ** 2;
  }
  const n = probabilities.length;
  const bins = sums.map((s, i) => ({
    lower: i / binCount, upper: (i + 1) / binCount, count: s.count,
    meanPredicted: s.count ? s.predicted / s.count : Number.NaN, observed: s.count ? s.positives / s.count : Number.NaN,
  }));
  const ece = n === 0 ? Number.NaN : bins.reduce((e, b) => (b.count ? e + (b.count / n) * Math.abs(b.observed - b.meanPredicted) : e), 0);
  return { bins, ece, brier: n === 0 ? Number.NaN : brier / n };
}

export interface SliceEvaluationCurves {
  curves: CurveSet;
  confusion: ConfusionMatrix;
  reliability: ReliabilityTable;
}

/** Everything above for one held-out set's slice-level lesion scores. */
export function sliceEvaluationCurves(probabilities: ArrayLike<number>, hasLesion: ArrayLike<boolean>, threshold = 0.5, names: [string, string] = ['none', 'lesion']): SliceEvaluationCurves {
  return { curves: curves(probabilities, hasLesion), confusion: confusionMatrix(probabilities, hasLesion, threshold, names), reliability: reliabilityTable(probabilities, hasLesion) };
}
