// Channel pruning keeps the teacher's function on the channels it keeps: a teacher whose other
// channels are switched off (batch-norm scale and shift 0) computes exactly what the pruned net
// does. Distillation trains only the student.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init-backend';
import { buildUNet, runUNet } from '../model/unet';
import { distillModel, softMaskLoss } from './distill';
import { pruneUNet, unetShape } from './prune';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Switches off every odd channel of every batch-norm layer; the even ones get distinct scales. */
function switchOffOddChannels(model: tf.LayersModel) {
  for (const layer of model.layers.filter((l) => l.name.includes('_bn'))) {
    const [gamma, _beta, mean, variance] = layer.getWeights();
    const n = gamma.shape[0];
    const g = Array.from({ length: n }, (_, c) => (c % 2 ? 0 : 1 + c / n));
    const b = Array.from({ length: n }, (_, c) => (c % 2 ? 0 : 0.1 * Math.sin(c)));
    layer.setWeights([tf.tensor1d(g), tf.tensor1d(b), mean, variance]);
  }
}

describe('pruneUNet', () => {
  it('reads the teacher shape and refuses a student that is not narrower', () => {
    const teacher = buildUNet({ inputSize: 32, baseFilters: 4, depth: 2 });
    expect(unetShape(teacher)).toEqual({ inputSize: 32, baseFilters: 4, depth: 2 });
    expect(() => pruneUNet(teacher, { baseFilters: 4 })).toThrow(/between 1 and the teacher's 3/);
    teacher.dispose();
  });

  it('gives a half-width net that computes what the teacher computes on the kept channels', async () => {
    const teacher = buildUNet({ inputSize: 32, baseFilters: 4, depth: 2, seed: 3 });
    switchOffOddChannels(teacher);
    const student = pruneUNet(teacher, { baseFilters: 2 });
    expect(unetShape(student)).toEqual({ inputSize: 32, baseFilters: 2, depth: 2 });
    expect(student.countParams()).toBeLessThan(teacher.countParams() / 3);
    const x = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
    const [tm, tp] = runUNet(teacher, x);
    const [sm, sp] = runUNet(student, x);
    const maskDiff = (await tf.max(tf.abs(tf.sub(tm, sm))).data())[0];
    const probDiff = (await tf.max(tf.abs(tf.sub(tp, sp))).data())[0];
    expect(maskDiff).toBeLessThan(1e-4);
    expect(probDiff).toBeLessThan(1e-5);
    // and the logits are not trivially equal (e.g. all zero)
    expect((await tf.moments(tm).variance.data())[0]).toBeGreaterThan(1e-6);
    tf.dispose([x, tm, tp, sm, sp]);
    teacher.dispose();
    student.dispose();
  });
});

describe('distillation', () => {
  it('scores a student that matches the teacher better than one that contradicts it', () => {
    const logits = tf.randomNormal([2, 16, 16, 1], 0, 3, 'float32', 5) as tf.Tensor4D;
    const soft = tf.sigmoid(logits) as tf.Tensor4D;
    const same = softMaskLoss(logits, soft).dataSync()[0];
    const opposite = softMaskLoss(tf.neg(logits) as tf.Tensor4D, soft).dataSync()[0];
    expect(same).toBeLessThan(opposite);
    tf.dispose([logits, soft]);
  });

  it('trains the student only: the teacher is unchanged, losses are finite', async () => {
    const teacher = buildUNet({ inputSize: 32, baseFilters: 4, depth: 2, seed: 2 });
    const student = pruneUNet(teacher, { baseFilters: 2 });
    const before = teacher.getWeights().map((w) => w.dataSync().slice());
    const studentBefore = student.getWeights()[0].dataSync().slice();
    const result = await distillModel(student, teacher, { steps: 3, batchSize: 2, learningRate: 0.01, seed: 123 });
    expect(result.steps).toBe(3);
    expect(result.losses.every(Number.isFinite)).toBe(true);
    teacher.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i])));
    expect(Array.from(student.getWeights()[0].dataSync())).not.toEqual(Array.from(studentBefore));
    teacher.dispose();
    student.dispose();
  });
});
