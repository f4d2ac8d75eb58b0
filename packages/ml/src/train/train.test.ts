import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init-backend';
import { buildUNet } from '../model/unet';
import { trainingImages } from './data';
import { evaluate } from './evaluate';
import { classLoss, maskLoss } from './loss';
import { trainModel } from './loop';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('losses', () => {
  it('are near zero for confident correct predictions and large for wrong ones', () => {
    const target = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
    const right = tf.tensor4d([20, 20, -20, -20], [1, 2, 2, 1]);
    const wrong = tf.tensor4d([-20, -20, 20, 20], [1, 2, 2, 1]);
    expect(maskLoss(right, target).dataSync()[0]).toBeLessThan(1e-3);
    expect(maskLoss(wrong, target).dataSync()[0]).toBeGreaterThan(5);
    expect(classLoss(tf.tensor2d([[0.99], [0.01]]), tf.tensor2d([[1], [0]])).dataSync()[0]).toBeLessThan(0.02);
  });
});

describe('training on wasm', () => {
  it('reduces the loss on a small fixed phantom set and evaluates without leaking tensors', async () => {
    const images = trainingImages(4242, 8, 32);
    const model = buildUNet({ inputSize: 32, seed: 3 });
    const before = tf.memory().numTensors;
    const result = await trainModel(model, { steps: 40, batchSize: 4, learningRate: 0.01, seed: 0, images });
    expect(result.steps).toBe(40);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const first = mean(result.losses.slice(0, 4));
    const last = mean(result.losses.slice(-4));
    expect(last).toBeLessThan(first * 0.85);
    expect(tf.memory().numTensors).toBe(before);
    const evaluation = await evaluate(model, images, 4);
    expect(evaluation.slices).toBe(8);
    expect(evaluation.masks[0]).toHaveLength(32 * 32);
    expect(evaluation.segmentation.dice).toBeGreaterThanOrEqual(0);
    expect(evaluation.segmentation.dice).toBeLessThanOrEqual(1);
    model.dispose();
  });
});
