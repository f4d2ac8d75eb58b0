// Knowledge distillation (Hinton et al. 2015): the student learns the teacher's soft masks
// (per-pixel sigmoid probabilities, not thresholded) and soft slice probabilities, next to the
// phantom ground truth. Soft targets carry the teacher's uncertainty at lesion borders, which a
// small net learns from in far fewer steps than from 0/1 masks alone.
import * as tf from '@tensorflow/tfjs';
import { runUNet } from '../model/unet';
import { trainingImages } from '../train/data';
import { classLoss, maskLoss } from '../train/loss';
import { StepProgress, TrainResult, batchTensors, learningRateAt } from '../train/loop';

export interface DistillOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** First training-sample seed (step s uses seed + s·batchSize …). */
  seed: number;
  /** Share of the loss from the teacher's soft targets (the rest from the ground truth); default 0.7. */
  softWeight?: number;
  classWeight?: number;
  timeBudgetMs?: number;
  onStep?: (progress: StepProgress) => void;
}

/** Soft Dice + lesion-weighted BCE of student logits against the teacher's probabilities. */
export function softMaskLoss(studentLogits: tf.Tensor4D, teacherProbabilities: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.sigmoid(studentLogits);
    const intersection = tf.sum(tf.mul(p, teacherProbabilities), [1, 2, 3]);
    const teacherArea = tf.sum(teacherProbabilities, [1, 2, 3]);
    const dice = tf.div(tf.add(tf.mul(intersection, 2), 1), tf.add(tf.add(tf.sum(p, [1, 2, 3]), teacherArea), 1));
    // Dice only where the teacher sees something (≥ 1 pixel's worth of mass), as in maskLoss
    const positive = tf.cast(tf.greater(teacherArea, 1), 'float32');
    const diceLoss = tf.div(tf.sum(tf.mul(tf.sub(1, dice), positive)), tf.maximum(tf.sum(positive), 1));
    const bce = tf.losses.sigmoidCrossEntropy(teacherProbabilities, studentLogits, tf.add(1, tf.mul(teacherProbabilities, 9)));
    return tf.add(diceLoss, bce) as tf.Scalar;
  });
}

export async function distillModel(student: tf.LayersModel, teacher: tf.LayersModel, options: DistillOptions): Promise<TrainResult> {
  const size = student.inputs[0].shape[1] as number;
  if (teacher.inputs[0].shape[1] !== size) throw new Error(`teacher input ${teacher.inputs[0].shape[1]} ≠ student input ${size}`);
  const optimizer = tf.train.adam(options.learningRate);
  const softWeight = options.softWeight ?? 0.7;
  const classWeight = options.classWeight ?? 0.5;
  // only the student learns (the teacher's variables are trainable too, and registered)
  const studentVariables = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  const start = Date.now();
  let step = 0;
  for (; step < options.steps; step++) {
    if (options.timeBudgetMs !== undefined && Date.now() - start > options.timeBudgetMs) break;
    (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(step, options.steps, options.learningRate);
    const { x, y, label } = batchTensors(trainingImages(options.seed + step * options.batchSize, options.batchSize, size), size);
    const [softMask, softLabel] = tf.tidy(() => {
      const [logits, probability] = runUNet(teacher, x, false);
      return [tf.sigmoid(logits) as tf.Tensor4D, probability];
    });
    const kept: tf.Tensor[] = [];
    const total = optimizer.minimize(() => {
      const [logits, probability] = runUNet(student, x, true);
      const m = tf.add(tf.mul(softMaskLoss(logits, softMask), softWeight), tf.mul(maskLoss(logits, y), 1 - softWeight));
      const c = tf.add(tf.mul(classLoss(probability, softLabel), softWeight), tf.mul(classLoss(probability, label), 1 - softWeight));
      kept.push(tf.keep(m), tf.keep(c));
      return tf.add(m, tf.mul(c, classWeight)) as tf.Scalar;
    }, true, studentVariables);
    const loss = total ? (await total.data())[0] : Number.NaN;
    const parts = await Promise.all(kept.map(async (t) => (await t.data())[0]));
    total?.dispose();
    tf.dispose([x, y, label, softMask, softLabel, ...kept]);
    losses.push(loss);
    options.onStep?.({ step, loss, maskLoss: parts[0], classLoss: parts[1], elapsedMs: Date.now() - start });
  }
  optimizer.dispose();
  return { steps: step, losses, elapsedMs: Date.now() - start };
}
