// Overlap metrics for binary masks. Counts are accumulated first, so the same code gives
// per-slice, per-series (3-D) and pooled figures.

export interface ConfusionCounts {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
}

export function emptyCounts(): ConfusionCounts {
  return { truePositive: 0, falsePositive: 0, falseNegative: 0, trueNegative: 0 };
}

export function addMaskCounts(counts: ConfusionCounts, predicted: Uint8Array, truth: Uint8Array): ConfusionCounts {
  if (predicted.length !== truth.length) throw new Error(`mask sizes differ: ${predicted.length} vs ${truth.length}`);
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] !== 0;
    const t = truth[i] !== 0;
    if (p && t) counts.truePositive++;
    else if (p) counts.falsePositive++;
    else if (t) counts.falseNegative++;
    else counts.trueNegative++;
  }
  return counts;
}

export function maskCounts(predicted: Uint8Array, truth: Uint8Array): ConfusionCounts {
  return addMaskCounts(emptyCounts(), predicted, truth);
}

/** 2TP / (2TP + FP + FN); two empty masks agree perfectly (1). */
export function diceFromCounts(c: ConfusionCounts): number {
  const denominator = 2 * c.truePositive + c.falsePositive + c.falseNegative;
  return denominator === 0 ? 1 : (2 * c.truePositive) / denominator;
}

/** TP / (TP + FP + FN); two empty masks agree perfectly (1). */
export function iouFromCounts(c: ConfusionCounts): number {
  const denominator = c.truePositive + c.falsePositive + c.falseNegative;
  return denominator === 0 ? 1 : c.truePositive / denominator;
}

/** TP / (TP + FP); 1 when nothing was predicted positive (no false alarms). */
export function precisionFromCounts(c: ConfusionCounts): number {
  const denominator = c.truePositive + c.falsePositive;
  return denominator === 0 ? 1 : c.truePositive / denominator;
}

/** TP / (TP + FN); 1 when there was nothing to find. */
export function recallFromCounts(c: ConfusionCounts): number {
  const denominator = c.truePositive + c.falseNegative;
  return denominator === 0 ? 1 : c.truePositive / denominator;
}

export function f1FromCounts(c: ConfusionCounts): number {
  const p = precisionFromCounts(c);
  const r = recallFromCounts(c);
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

export function dice(predicted: Uint8Array, truth: Uint8Array): number {
  return diceFromCounts(maskCounts(predicted, truth));
}

export function iou(predicted: Uint8Array, truth: Uint8Array): number {
  return iouFromCounts(maskCounts(predicted, truth));
}
