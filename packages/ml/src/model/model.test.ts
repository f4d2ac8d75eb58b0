import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init-backend';
import { loadModelDir, readModelMetadata, saveModelDir } from './io';
import { DEFAULT_UNET_CONFIG, buildUNet, runUNet } from './unet';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('U-Net', () => {
  it('outputs mask logits at input resolution and one probability per image', () => {
    const model = buildUNet({ inputSize: 32 });
    const [mask, probability] = runUNet(model, tf.zeros([3, 32, 32, 1]) as tf.Tensor4D);
    expect(mask.shape).toEqual([3, 32, 32, 1]);
    expect(probability.shape).toEqual([3, 1]);
    const p = probability.dataSync();
    expect(Array.from(p).every((v) => v > 0 && v < 1)).toBe(true);
    tf.dispose([mask, probability]);
    model.dispose();
  });

  it('stays small at the shipped configuration and refuses sizes it cannot pool', () => {
    const model = buildUNet(DEFAULT_UNET_CONFIG);
    expect(model.countParams()).toBeLessThan(2_000_000);
    expect(model.inputs[0].shape).toEqual([null, 128, 128, 1]);
    model.dispose();
    expect(() => buildUNet({ inputSize: 36, depth: 3 })).toThrow(/divisible/);
  });

  it('round-trips through a model directory with identical outputs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ml-model-'));
    const model = buildUNet({ inputSize: 32, seed: 5 });
    await saveModelDir(model, dir, { training: { steps: 3 } });
    const loaded = await loadModelDir(dir);
    const input = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const [a, pa] = runUNet(model, input);
    const [b, pb] = runUNet(loaded, input);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
    expect(await readModelMetadata(dir, 'training')).toEqual({ steps: 3 });
    tf.dispose([input, a, b, pa, pb]);
    await fs.rm(dir, { recursive: true });
  });
});
