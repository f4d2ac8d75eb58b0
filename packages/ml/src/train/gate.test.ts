import { applyGate, GATE_METRICS, metricSupport, noiseFloor, summariseEvaluation, type MetricSummary } from './gate';

const metrics = (value: number, overrides: Partial<MetricSummary> = {}): MetricSummary =>
  ({ ...Object.fromEntries(GATE_METRICS.map((m) => [m, value])), ...overrides }) as MetricSummary;

describe('applyGate', () => {
  it('passes a candidate that is better or within the tolerance everywhere', () => {
    const verdict = applyGate([{ name: 'phantom', base: metrics(0.8), candidate: metrics(0.85, { auc: 0.795 }) }], 0.01);
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.rows).toHaveLength(GATE_METRICS.length);
    expect(verdict.rows.find((r) => r.metric === 'dice')!.delta).toBeCloseTo(0.05);
  });

  it('refuses with one reason per metric that fell by more than the tolerance, on any set', () => {
    const verdict = applyGate([
      { name: 'phantom', base: metrics(0.8), candidate: metrics(0.9) },
      { name: 'reviewed', base: metrics(0.8), candidate: metrics(0.9, { dice: 0.5, noneRecall: 0.78 }) },
    ], 0.01);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual([
      'reviewed dice fell from 0.800 to 0.500 (allowed drop 0.010)',
      'reviewed noneRecall fell from 0.800 to 0.780 (allowed drop 0.010)',
    ]);
  });

  it('allows a drop within the noise of a small held-out set, and not a real regression', () => {
    const support = Object.fromEntries(GATE_METRICS.map((m) => [m, 25])) as Record<keyof MetricSummary, number>;
    // 0.8 on 25 slices: two standard errors are ~0.16, so one or two slices flipping is noise
    expect(noiseFloor(0.8, 25)).toBeCloseTo(2 * Math.sqrt(((0.8 * 25 + 1) / 27) * (1 - (0.8 * 25 + 1) / 27) / 25), 10);
    const noisy = applyGate([{ name: 'phantom', base: metrics(0.8), candidate: metrics(0.85, { lesionRecall: 0.72 }), support }], 0.01);
    expect(noisy.passed).toBe(true);
    expect(noisy.rows.find((r) => r.metric === 'lesionRecall')!.allowed).toBeCloseTo(noiseFloor(0.8, 25));
    const regression = applyGate([{ name: 'phantom', base: metrics(0.8), candidate: metrics(0.85, { pixelPrecision: 0.3 }), support }], 0.01);
    expect(regression.passed).toBe(false);
    expect(regression.reasons[0]).toMatch(/^phantom pixelPrecision fell from 0.800 to 0.300 \(allowed drop 0.1\d\d\)$/);
    // a perfect score still has a noise floor (add-one smoothing), a large set a small one
    expect(noiseFloor(1, 70)).toBeGreaterThan(0.01);
    expect(noiseFloor(0.97, 10_000)).toBeLessThan(0.01);
  });

  it('skips metrics the base leaves undefined and counts a candidate that predicts nothing as 0', () => {
    const verdict = applyGate([{ name: 'reviewed', base: metrics(0.8, { auc: Number.NaN }), candidate: metrics(0.8, { auc: 0.1, pixelPrecision: Number.NaN }) }], 0.01);
    expect(verdict.rows.find((r) => r.metric === 'auc')).toMatchObject({ base: null, worse: false });
    expect(verdict.rows.find((r) => r.metric === 'pixelPrecision')).toMatchObject({ candidate: 0, worse: true });
    expect(verdict.passed).toBe(false);
  });

  it('refuses when there is nothing to evaluate on', () => {
    expect(applyGate([], 0.01)).toMatchObject({ passed: false, reasons: ['no held-out set to evaluate on'] });
  });
});

describe('summariseEvaluation', () => {
  const evaluation = (counts: { truePositive: number; falsePositive: number; falseNegative: number; trueNegative: number }) => ({
    segmentation: { dice: 0.7, iou: 0.54, precision: 0.6, recall: 0.8, meanSliceDiceLesionSlices: 0.7, meanSeriesDice: 0.7, counts },
    classification: { precision: 0.8, recall: 8 / 9, f1: 0.84, accuracy: 0.85, auc: 0.9, threshold: 0.5, counts },
    slices: 20, lesionSlices: 9,
  });

  it('derives per-class precision and recall from the slice confusion counts', () => {
    const s = summariseEvaluation(evaluation({ truePositive: 8, falsePositive: 2, falseNegative: 1, trueNegative: 9 }));
    expect(s.lesionPrecision).toBe(0.8);
    expect(s.noneRecall).toBeCloseTo(9 / 11); // specificity: TN / (TN + FP)
    expect(s.nonePrecision).toBeCloseTo(0.9); // NPV: TN / (TN + FN)
  });

  it('leaves precision undefined when nothing was predicted, and counts the samples behind each metric', () => {
    const e = evaluation({ truePositive: 0, falsePositive: 0, falseNegative: 9, trueNegative: 11 });
    const s = summariseEvaluation(e);
    expect(s.lesionPrecision).toBeNaN();
    expect(s.pixelPrecision).toBeNaN();
    expect(s.noneRecall).toBe(1);
    expect(metricSupport(e)).toMatchObject({ dice: 9, accuracy: 20, auc: 9, lesionPrecision: 0, lesionRecall: 9, noneRecall: 11 });
  });
});
