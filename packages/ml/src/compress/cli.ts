// Builds the student variant of a shipped model: channel-pruned from the teacher (prune.ts), then
// distilled on the teacher's soft masks (distill.ts); writes weights/<version>/student/ and adds
// its held-out quality, agreement with the teacher and measured throughput (teacher measured in
// the same run) to weights/<version>/metrics.json. Usage (from packages/ml, after tsc):
//   node dist/compress/cli.js [--version v1] [--width 4] [--steps 400] [--minutes 12] [--batch 8]
//     [--lr 0.002] [--seed 7] [--report-only]
import { promises as fs } from 'fs';
import * as path from 'path';
import { initBackend } from '../backend/init-backend';
import { loadModelDir, modelDirSizeBytes, readModelMetadata, saveModelDir, writeJson } from '../model/io';
import { heldOutImages } from '../train/data';
import { evaluate } from '../train/evaluate';
import { HELD_OUT_SEEDS, HELD_OUT_SLICES, agreement } from '../train/report';
import { distillModel } from './distill';
import { pruneUNet } from './prune';
import { compareThroughput } from './speed';

export const STUDENT_DIR = 'student';

interface Options { version: string; width: number; steps: number; minutes: number; batch: number; lr: number; seed: number; reportOnly: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { version: 'v1', width: 4, steps: 400, minutes: 12, batch: 8, lr: 0.002, seed: 7, reportOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--version': o.version = v; i++; break;
      case '--width': o.width = Number(v); i++; break;
      case '--steps': o.steps = Number(v); i++; break;
      case '--minutes': o.minutes = Number(v); i++; break;
      case '--batch': o.batch = Number(v); i++; break;
      case '--lr': o.lr = Number(v); i++; break;
      case '--seed': o.seed = Number(v); i++; break;
      case '--report-only': o.reportOnly = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const backend = await initBackend('wasm');
  const dir = path.resolve(__dirname, '..', '..', 'weights', o.version);
  const studentDir = path.join(dir, STUDENT_DIR);
  const teacher = await loadModelDir(dir);
  const images = heldOutImages({ seeds: HELD_OUT_SEEDS, slicesPerSeries: HELD_OUT_SLICES, modelSize: teacher.inputs[0].shape[1] as number });
  let training: Record<string, unknown>;
  if (o.reportOnly) {
    training = ((await readModelMetadata(studentDir, 'training')) ?? {}) as Record<string, unknown>;
  } else {
    const student = pruneUNet(teacher, { baseFilters: o.width });
    const pruned = await evaluate(student, images.filter((_, i) => i % 4 === 0));
    console.log(`pruned to width ${o.width} (${student.countParams()} params), before distillation: Dice ${pruned.segmentation.dice.toFixed(3)}`);
    let window = 0;
    const result = await distillModel(student, teacher, {
      steps: o.steps, batchSize: o.batch, learningRate: o.lr, seed: 7_000_000 + o.seed * 100_000, timeBudgetMs: o.minutes * 60_000,
      onStep: (p) => {
        window += p.loss;
        if ((p.step + 1) % 25 === 0) {
          console.log(`step ${p.step + 1} loss(avg25)=${(window / 25).toFixed(4)} mask=${p.maskLoss.toFixed(4)} class=${p.classLoss.toFixed(4)} t=${(p.elapsedMs / 1000).toFixed(0)}s`);
          window = 0;
        }
      },
    });
    training = {
      method: 'channel pruning (batch-norm scale) of the teacher, then distillation on its soft masks (soft weight 0.7) and the phantom ground truth',
      teacher: o.version, baseFilters: o.width, params: student.countParams(), teacherParams: teacher.countParams(), backend,
      steps: result.steps, plannedSteps: o.steps, batchSize: o.batch, learningRate: o.lr, seed: o.seed, durationMs: result.elapsedMs,
      prunedDiceBeforeDistillation: pruned.segmentation.dice,
      finalLossAvg25: result.losses.slice(-25).reduce((a, b) => a + b, 0) / Math.min(25, result.losses.length),
    };
    await saveModelDir(student, studentDir, { training, student: { teacher: o.version } });
    student.dispose();
  }
  const student = await loadModelDir(studentDir);
  const reference = await evaluate(teacher, images);
  const result = await evaluate(student, images);
  const speed = await compareThroughput(teacher, student);
  const { masks: _m, probabilities: _p, ...metrics } = result;
  const entry = {
    sizeBytes: await modelDirSizeBytes(studentDir), throughput: speed.variant, teacherThroughputSameRun: speed.reference,
    speedupOverFloat32: speed.speedup, agreementWithFloat32: agreement(reference, result), metrics, training,
  };
  console.log(JSON.stringify({ ...entry, metrics: { dice: metrics.segmentation.dice, f1: metrics.classification.f1 } }, null, 2));
  const metricsFile = path.join(dir, 'metrics.json');
  const all = JSON.parse(await fs.readFile(metricsFile, 'utf8')) as { variants: Record<string, unknown> };
  all.variants[STUDENT_DIR] = entry;
  await writeJson(metricsFile, all);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
