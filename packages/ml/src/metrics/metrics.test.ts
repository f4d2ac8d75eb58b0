import { classificationMetrics, rocAuc } from './classification';
import { dice, diceFromCounts, iou, maskCounts, precisionFromCounts, recallFromCounts } from './segmentation';

const m = (...v: number[]) => Uint8Array.from(v);

describe('segmentation metrics', () => {
  it('gives the textbook values on hand-made masks', () => {
    // truth 4 pixels, prediction 3 pixels, 2 shared: Dice 4/7, IoU 2/5
    const truth = m(1, 1, 1, 1, 0, 0, 0, 0);
    const predicted = m(0, 0, 1, 1, 1, 0, 0, 0);
    expect(dice(predicted, truth)).toBeCloseTo(4 / 7, 12);
    expect(iou(predicted, truth)).toBeCloseTo(2 / 5, 12);
    const counts = maskCounts(predicted, truth);
    expect(counts).toEqual({ truePositive: 2, falsePositive: 1, falseNegative: 2, trueNegative: 3 });
    expect(precisionFromCounts(counts)).toBeCloseTo(2 / 3, 12);
    expect(recallFromCounts(counts)).toBeCloseTo(1 / 2, 12);
  });
  it('handles perfect, disjoint and empty masks', () => {
    expect(dice(m(1, 0, 1), m(1, 0, 1))).toBe(1);
    expect(dice(m(1, 0, 0), m(0, 0, 1))).toBe(0);
    expect(iou(m(0, 0), m(0, 0))).toBe(1);
    expect(diceFromCounts(maskCounts(m(0, 1), m(0, 0)))).toBe(0);
    expect(() => dice(m(1), m(1, 0))).toThrow();
  });
});

describe('classification metrics', () => {
  it('computes ROC AUC by ranks, with ties counted as one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [false, true, false, true])).toBe(0.5);
    expect(rocAuc([0.2, 0.6, 0.6, 0.9], [false, false, true, true])).toBeCloseTo(0.875, 12);
    expect(rocAuc([0.2, 0.3], [true, true])).toBeNaN();
  });
  it('computes precision, recall and F1 at the threshold', () => {
    const result = classificationMetrics([0.9, 0.6, 0.4, 0.2, 0.7], [true, false, true, false, true]);
    expect(result.counts).toEqual({ truePositive: 2, falsePositive: 1, falseNegative: 1, trueNegative: 1 });
    expect(result.precision).toBeCloseTo(2 / 3, 12);
    expect(result.recall).toBeCloseTo(2 / 3, 12);
    expect(result.f1).toBeCloseTo(2 / 3, 12);
    expect(result.accuracy).toBeCloseTo(3 / 5, 12);
    expect(result.auc).toBeCloseTo(5 / 6, 12);
  });
});
