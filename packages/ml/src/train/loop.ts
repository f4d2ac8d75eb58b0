// Custom training loop: one Adam step per batch of freshly generated phantom slices.
import * as tf from '@tensorflow/tfjs';
import { runUNet } from '../model/unet';
import { batchImages } from '../preprocess/batch';
import { LabelledImage, trainingImages } from './data';
import { classLoss, maskLoss } from './loss';

export interface TrainOptions {
  steps: number;
  batchSize: number;
  /** Peak learning rate; cosine-decayed to 5 % of it by the last step. */
  learningRate: number;
  /** First training-sample seed; step s uses seeds seed + s·batchSize … (never reused). */
  seed: number;
  /** Weight of the classification loss next to the mask loss. */
  classWeight?: number;
  /** Stop early once this much wall time has passed (the rest of the schedule is skipped). */
  timeBudgetMs?: number;
  /** Fixed data instead of the generator (tests). */
  images?: LabelledImage[];
  /** Batch source for step `step` (fine-tuning mixes reviewed cases with generated ones). */
  sampleBatch?: (step: number, batchSize: number) => LabelledImage[];
  onStep?: (progress: StepProgress) => void;
}

export interface StepProgress {
  step: number;
  loss: number;
  maskLoss: number;
  classLoss: number;
  elapsedMs: number;
}

export interface TrainResult {
  steps: number;
  losses: number[];
  elapsedMs: number;
}

/** Linear warm-up, then cosine decay to 5 % of the peak. */
export function learningRateAt(step: number, steps: number, peak: number): number {
  const warmup = Math.min(50, Math.floor(steps / 10));
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const t = (step - warmup) / Math.max(1, steps - warmup);
  return peak * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** Model input, 0/1 masks and 0/1 slice labels of a batch (also the distillation loop's). */
export function batchTensors(images: LabelledImage[], size: number): { x: tf.Tensor4D; y: tf.Tensor4D; label: tf.Tensor2D } {
  const batch = batchImages(images.map((s) => s.image), size);
  const masks = new Float32Array(batch.data.length);
  images.forEach((s, n) => masks.set(s.mask, n * size * size));
  return {
    x: tf.tensor4d(batch.data, batch.shape),
    y: tf.tensor4d(masks, batch.shape),
    label: tf.tensor2d(images.map((s) => (s.hasLesion ? 1 : 0)), [images.length, 1]),
  };
}

export async function trainModel(model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  const size = model.inputs[0].shape[1] as number;
  const optimizer = tf.train.adam(options.learningRate);
  const classWeight = options.classWeight ?? 0.5;
  const losses: number[] = [];
  const start = Date.now();
  let step = 0;
  for (; step < options.steps; step++) {
    if (options.timeBudgetMs !== undefined && Date.now() - start > options.timeBudgetMs) break;
    // AdamOptimizer reads its learningRate field on every step; tfjs has no schedule API for it.
    (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(step, options.steps, options.learningRate);
    const images = options.sampleBatch ? options.sampleBatch(step, options.batchSize)
      : options.images
      ? Array.from({ length: options.batchSize }, (_, i) => options.images![(step * options.batchSize + i) % options.images!.length])
      : trainingImages(options.seed + step * options.batchSize, options.batchSize, size);
    const { x, y, label } = batchTensors(images, size);
    // The loss parts are kept past minimize's tidy and read asynchronously: the webgpu backend has
    // no synchronous read-back in Node (its readSync needs OffscreenCanvas).
    const kept: tf.Tensor[] = [];
    const total = optimizer.minimize(() => {
      const [logits, probability] = runUNet(model, x, true);
      const m = maskLoss(logits, y);
      const c = classLoss(probability, label);
      kept.push(tf.keep(m), tf.keep(c));
      return tf.add(m, tf.mul(c, classWeight)) as tf.Scalar;
    }, true);
    const loss = total ? (await total.data())[0] : Number.NaN;
    const parts = await Promise.all(kept.map(async (t) => (await t.data())[0]));
    total?.dispose();
    tf.dispose([x, y, label, ...kept]);
    losses.push(loss);
    options.onStep?.({ step, loss, maskLoss: parts[0], classLoss: parts[1], elapsedMs: Date.now() - start });
  }
  optimizer.dispose();
  return { steps: step, losses, elapsedMs: Date.now() - start };
}
