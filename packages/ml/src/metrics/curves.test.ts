// Curves, confusion matrix and reliability table on inputs whose answers are known by hand.
import { classificationMetrics } from './classification';
import { confusionMatrix, curves, reliabilityTable, sliceEvaluationCurves, thin } from './curves';

describe('ROC and precision–recall curves', () => {
  // scores high to low: 0.9 P, 0.8 N, 0.7 P, 0.6 P, 0.2 N
  const scores = [0.2, 0.9, 0.6, 0.8, 0.7];
  const labels = [false, true, true, false, true];

  it('walks the thresholds from the highest score down', () => {
    const c = curves(scores, labels);
    expect(c.positives).toBe(3);
    expect(c.negatives).toBe(2);
    expect(c.roc.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [0, 1 / 3], [0.5, 1 / 3], [0.5, 2 / 3], [0.5, 1], [1, 1]]);
    expect(c.roc[1].threshold).toBe(0.9);
    // area: 0.5 × 1/3 + 0.5 × 1 = 2/3; the rank-sum AUC agrees
    expect(c.auc).toBeCloseTo(2 / 3, 12);
    expect(c.auc).toBeCloseTo(classificationMetrics(scores, labels).auc, 12);
    expect(c.pr.map((p) => [p.recall, p.precision])).toEqual([[1 / 3, 1], [1 / 3, 0.5], [2 / 3, 2 / 3], [1, 0.75], [1, 0.6]]);
    // AP = 1/3 × 1 + 1/3 × 2/3 + 1/3 × 3/4
    expect(c.averagePrecision).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 12);
  });

  it('moves tied scores together and is undefined with one class', () => {
    const tied = curves([0.5, 0.5, 0.5, 0.5], [true, false, true, false]);
    expect(tied.roc.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [1, 1]]);
    expect(tied.auc).toBeCloseTo(0.5, 12);
    expect(tied.pr).toEqual([{ threshold: 0.5, precision: 0.5, recall: 1 }]);
    const perfect = curves([0.1, 0.9], [false, true]);
    expect(perfect.auc).toBe(1);
    expect(perfect.averagePrecision).toBe(1);
    expect(Number.isNaN(curves([0.3, 0.4], [false, false]).auc)).toBe(true);
    expect(Number.isNaN(curves([0.3, 0.4], [false, false]).averagePrecision)).toBe(true);
    expect(() => curves([0.1], [true, false])).toThrow(RangeError);
  });

  it('thins long curves to the bound, keeping both ends', () => {
    const n = 1000;
    const c = curves(Array.from({ length: n }, (_, i) => i / n), Array.from({ length: n }, (_, i) => i % 3 === 0), 51);
    expect(c.roc).toHaveLength(51);
    expect(c.roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(c.roc[50]).toMatchObject({ fpr: 1, tpr: 1 });
    expect(thin([1, 2, 3], 10)).toEqual([1, 2, 3]);
  });
});

describe('confusion matrix and reliability', () => {
  it('counts at the operating threshold, truth by rows', () => {
    const m = confusionMatrix([0.9, 0.4, 0.6, 0.1, 0.5], [true, true, false, false, false], 0.5);
    expect(m.matrix).toEqual([[1, 2], [1, 1]]);
    expect(m.labels).toEqual(['none', 'lesion']);
  });

  it('bins probabilities, with the observed rate, ECE and Brier score', () => {
    const t = reliabilityTable([0.05, 0.15, 0.15, 0.95, 1, 0.55], [false, false, true, true, true, false], 10);
    expect(t.bins).toHaveLength(10);
    expect(t.bins[0]).toMatchObject({ lower: 0, upper: 0.1, count: 1, observed: 0 });
    expect(t.bins[1].count).toBe(2);
    expect(t.bins[1].meanPredicted).toBeCloseTo(0.15, 12);
    expect(t.bins[1].observed).toBe(0.5);
    expect(t.bins[9].count).toBe(2); // 0.95 and exactly 1
    expect(t.bins[9].observed).toBe(1);
    expect(t.bins[3].count).toBe(0);
    expect(Number.isNaN(t.bins[3].observed)).toBe(true);
    // ECE = (1×0.05 + 2×0.35 + 1×0.55 + 2×0.025) / 6
    expect(t.ece).toBeCloseTo((0.05 + 0.7 + 0.55 + 0.05) / 6, 12);
    expect(t.brier).toBeCloseTo((0.05 ** 2 + 0.15 ** 2 + 0.85 ** 2 + 0.05 ** 2 + 0 + 0.55 ** 2) / 6, 12);
    const set = sliceEvaluationCurves([0.2, 0.8], [false, true]);
    expect(set.confusion.matrix).toEqual([[1, 0], [0, 1]]);
    expect(set.curves.auc).toBe(1);
  });
});
