import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, activeBackend, initBackend } from './init-backend';

type Case = { x: [number, number, number, number]; w: [number, number, number, number]; stride: number; pad: 'same' | 'valid' };

const cases: Case[] = [
  { x: [2, 16, 16, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 17, 15, 2], w: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [1, 12, 12, 2], w: [3, 3, 2, 2], stride: 1, pad: 'valid' },
  { x: [2, 9, 9, 1], w: [1, 1, 1, 3], stride: 1, pad: 'same' },
  { x: [2, 10, 10, 2], w: [3, 3, 2, 2], stride: 2, pad: 'valid' },
];

/** Gradients of sum(conv²) with respect to input and filter. */
function convGradients(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(c.w, 0, 1, 'float32', 2) as tf.Tensor4D;
    const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad)).sum())([x, w]);
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return max;
}

describe('initBackend', () => {
  it('runs wasm and reports it', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    expect(activeBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('computes conv gradients on wasm that match the cpu backend', async () => {
    await initBackend('cpu');
    const reference = cases.map(convGradients);
    await initBackend('wasm');
    cases.forEach((c, i) => {
      const [dx, dw] = convGradients(c);
      expect(maxRelativeDifference(dw, reference[i][1])).toBeLessThan(2e-5);
      expect(maxRelativeDifference(dx, reference[i][0])).toBeLessThan(2e-5);
    });
  });

  it('fails clearly when an optional GPU backend is not installed, and keeps the current one', async () => {
    await initBackend('wasm');
    await expect(initBackend('webgpu')).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('webgpu')).rejects.toThrow(/webgpu/);
    await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node-gpu/);
    expect(activeBackend()).toBe('wasm');
  });
});
