// Trains the shipped model from the phantom generator and writes weights/<version>/ plus
// metrics.json. Usage (from packages/ml, after tsc):
//   node dist/train/cli.js [--version v1] [--steps 1000] [--batch 8] [--lr 0.002] [--seed 1]
//     [--minutes 28] [--size 128] [--backend wasm] [--report-only]
import * as path from 'path';
import { BackendName, initBackend } from '../backend/init-backend';
import { loadModelDir, readModelMetadata, saveModelDir } from '../model/io';
import { buildUNet } from '../model/unet';
import { writeReport } from './report';
import { trainModel } from './loop';

interface CliOptions {
  version: string; steps: number; batch: number; lr: number; seed: number; minutes: number;
  size: number; backend: BackendName; reportOnly: boolean; outDir: string;
}

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    version: 'v1', steps: 1000, batch: 8, lr: 0.002, seed: 1, minutes: 28, size: 128, backend: 'wasm', reportOnly: false,
    outDir: path.resolve(__dirname, '..', '..', 'weights'),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--version': options.version = value; i++; break;
      case '--steps': options.steps = Number(value); i++; break;
      case '--batch': options.batch = Number(value); i++; break;
      case '--lr': options.lr = Number(value); i++; break;
      case '--seed': options.seed = Number(value); i++; break;
      case '--minutes': options.minutes = Number(value); i++; break;
      case '--size': options.size = Number(value); i++; break;
      case '--backend': options.backend = value as BackendName; i++; break;
      case '--out': options.outDir = path.resolve(value); i++; break;
      case '--report-only': options.reportOnly = true; break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const backend = await initBackend(options.backend);
  const dir = path.join(options.outDir, options.version);
  console.log(`backend=${backend} dir=${dir}`);
  let training: Record<string, unknown>;
  if (options.reportOnly) {
    training = ((await readModelMetadata(dir, 'training')) ?? {}) as Record<string, unknown>;
  } else {
    const model = buildUNet({ inputSize: options.size, seed: options.seed });
    console.log(`params=${model.countParams()}`);
    let window = 0;
    const result = await trainModel(model, {
      steps: options.steps, batchSize: options.batch, learningRate: options.lr, seed: options.seed * 1_000_000,
      timeBudgetMs: options.minutes * 60_000,
      onStep: (p) => {
        window += p.loss;
        if ((p.step + 1) % 25 === 0) {
          console.log(`step ${p.step + 1} loss(avg25)=${(window / 25).toFixed(4)} mask=${p.maskLoss.toFixed(4)} class=${p.classLoss.toFixed(4)} t=${(p.elapsedMs / 1000).toFixed(0)}s`);
          window = 0;
        }
      },
    });
    training = {
      backend, steps: result.steps, plannedSteps: options.steps, batchSize: options.batch, learningRate: options.lr,
      seed: options.seed, inputSize: options.size, params: model.countParams(), durationMs: result.elapsedMs,
      finalLossAvg25: result.losses.slice(-25).reduce((a, b) => a + b, 0) / Math.min(25, result.losses.length),
    };
    await saveModelDir(model, dir, { training });
    model.dispose();
  }
  const model = await loadModelDir(dir);
  await writeReport(model, dir, { backend, training, reportOnly: options.reportOnly });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
