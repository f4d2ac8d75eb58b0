// The committed weights (weights/v1) load and reach their reported quality on held-out phantoms,
// and their quantised variants agree with them. Floors were measured on this slice subset when
// the weights were trained (see weights/v1/metrics.json for the full held-out figures).
import { promises as fs } from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/init-backend';
import { loadModelDir, loadModelFromArtifacts, readArtifacts } from '../model/io';
import { quantizeArtifacts } from '../quantize/quantize';
import { heldOutImages } from './data';
import { evaluate } from './evaluate';
import { HELD_OUT_SEEDS, HELD_OUT_SLICES, agreement } from './report';

const WEIGHTS_DIR = path.join(__dirname, '..', '..', 'weights', 'v1');
const SUBSET_SEEDS = HELD_OUT_SEEDS.slice(0, 4);

// floors: a little under what this subset measured for weights/v1 (Dice 0.806, F1 0.870, AUC 0.999;
// float16 / uint8 mask agreement 0.9997 / 0.991 on the full held-out set)
const FLOOR = { dice: 0.78, f1: 0.85, auc: 0.97, float16MaskDice: 0.99, uint8MaskDice: 0.97 };

interface ReportedMetrics {
  variants: { float32: { metrics: { segmentation: { dice: number }; classification: { f1: number } } } };
}

describe('shipped model weights/v1', () => {
  const images = heldOutImages({ seeds: SUBSET_SEEDS, slicesPerSeries: HELD_OUT_SLICES, modelSize: 128 });

  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('loads and reaches the measured Dice / F1 / AUC floors on held-out phantom series', async () => {
    const model = await loadModelDir(WEIGHTS_DIR);
    expect(model.inputs[0].shape).toEqual([null, 128, 128, 1]);
    const result = await evaluate(model, images);
    expect(result.lesionSlices).toBeGreaterThanOrEqual(10);
    expect(result.segmentation.dice).toBeGreaterThanOrEqual(FLOOR.dice);
    expect(result.classification.f1).toBeGreaterThanOrEqual(FLOOR.f1);
    expect(result.classification.auc).toBeGreaterThanOrEqual(FLOOR.auc);
    // the reported figures (all 12 held-out series) are close to this subset's
    const reported = JSON.parse(await fs.readFile(path.join(WEIGHTS_DIR, 'metrics.json'), 'utf8')) as ReportedMetrics;
    expect(Math.abs(reported.variants.float32.metrics.segmentation.dice - result.segmentation.dice)).toBeLessThan(0.05);

    const artifacts = await readArtifacts(WEIGHTS_DIR);
    for (const [kind, floor] of [['float16', FLOOR.float16MaskDice], ['uint8', FLOOR.uint8MaskDice]] as const) {
      const variant = await loadModelFromArtifacts(quantizeArtifacts(artifacts, kind));
      const agreed = agreement(result, await evaluate(variant, images));
      expect(agreed.maskDice).toBeGreaterThanOrEqual(floor);
      variant.dispose();
    }
    model.dispose();
  });
});
