// Adds the held-out evaluation a reader sees on the Models page (per set: headline metrics, ROC and
// precision–recall curves, confusion matrix, reliability table) to a trained version's
// metrics.json, as `evaluation`; registering the version stores it as ModelVersion.evaluation.
// Usage (from packages/ml): npm run evaluate -- [--version v1] [--backend wasm]
import * as path from 'path';
import { promises as fs } from 'fs';
import { BackendName, initBackend } from '../backend/init-backend';
import { sliceEvaluationCurves } from '../metrics/curves';
import { loadModelDir, writeJson } from '../model/io';
import { heldOutImages } from './data';
import { evaluate } from './evaluate';
import { summariseEvaluation } from './gate';
import { HELD_OUT_SEEDS, HELD_OUT_SLICES } from './report';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const dir = path.resolve(__dirname, '..', '..', 'weights', arg('--version', 'v1'));
  await initBackend(arg('--backend', 'wasm') as BackendName);
  const model = await loadModelDir(dir);
  const size = model.inputs[0].shape[1] as number;
  const images = heldOutImages({ seeds: HELD_OUT_SEEDS, slicesPerSeries: HELD_OUT_SLICES, modelSize: size });
  const result = await evaluate(model, images);
  model.dispose();
  const file = path.join(dir, 'metrics.json');
  const metrics = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  metrics.evaluation = {
    sets: [{
      name: 'phantom', slices: result.slices, lesionSlices: result.lesionSlices, candidate: summariseEvaluation(result), base: null,
      curves: sliceEvaluationCurves(result.probabilities, images.map((s) => s.hasLesion)),
    }],
    gate: null,
  };
  await writeJson(file, metrics);
  console.log(`${file}: evaluation on ${result.slices} held-out slices (${result.lesionSlices} with a lesion), Dice ${result.segmentation.dice.toFixed(4)}, AUC ${result.classification.auc.toFixed(4)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
