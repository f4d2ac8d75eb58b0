// Slice/series classification metrics from probabilities and binary labels.
import { ConfusionCounts, emptyCounts, f1FromCounts, precisionFromCounts, recallFromCounts } from './segmentation';

export interface ClassificationMetrics {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  auc: number;
  threshold: number;
  counts: ConfusionCounts;
}

export function classificationCounts(probabilities: ArrayLike<number>, labels: ArrayLike<boolean>, threshold = 0.5): ConfusionCounts {
  const c = emptyCounts();
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] >= threshold;
    if (p && labels[i]) c.truePositive++;
    else if (p) c.falsePositive++;
    else if (labels[i]) c.falseNegative++;
    else c.trueNegative++;
  }
  return c;
}

/**
 * Area under the ROC curve via the rank-sum (Mann–Whitney U) identity; ties count one half.
 * NaN when only one class is present (the curve is undefined).
 */
export function rocAuc(probabilities: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => probabilities[a] - probabilities[b]);
  let positives = 0;
  let rankSumPositives = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && probabilities[order[end + 1]] === probabilities[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1; // 1-based ranks, ties share their mean
    for (let k = start; k <= end; k++) {
      if (labels[order[k]]) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function classificationMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<boolean>, threshold = 0.5): ClassificationMetrics {
  const counts = classificationCounts(probabilities, labels, threshold);
  const total = labels.length;
  return {
    precision: precisionFromCounts(counts),
    recall: recallFromCounts(counts),
    f1: f1FromCounts(counts),
    accuracy: total === 0 ? Number.NaN : (counts.truePositive + counts.trueNegative) / total,
    auc: rocAuc(probabilities, labels),
    threshold,
    counts,
  };
}
