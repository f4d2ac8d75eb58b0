// The thread pool gives the same masks and probabilities as the model in this thread, spreads
// concurrent batches over its threads, and survives a batch that fails.
import { heldOutImages } from '../train/data';
import { batchImages } from '../preprocess/batch';
import { createInferencePool, createLocalEngine, shippedModelDir } from './engine';

describe('inference engines', () => {
  const images = heldOutImages({ seeds: [900_201], slicesPerSeries: 8, modelSize: 128 }).map((i) => i.image);
  const batch = batchImages(images, 128);

  it('pool of two threads and local engine agree', async () => {
    const local = await createLocalEngine({ modelDir: shippedModelDir('v1'), backend: 'wasm' });
    const pool = await createInferencePool({ modelDir: shippedModelDir('v1'), backend: 'wasm', threads: 2 });
    try {
      expect([local.backend, pool.backend, pool.threads, pool.inputSize]).toEqual(['wasm', 'wasm', 2, 128]);
      const expected = await local.predict(batch);
      const [a, b] = await Promise.all([pool.predict(batch), pool.predict(batchImages(images.slice(0, 3), 128))]);
      expect(a.masks).toEqual(expected.masks);
      a.probabilities.forEach((p, i) => expect(p).toBeCloseTo(expected.probabilities[i], 5));
      expect(b.masks).toEqual(expected.masks.slice(0, 3));
      // a malformed batch fails alone; the pool keeps serving
      await expect(pool.predict({ data: new Float32Array(10), shape: [1, 128, 128, 1] })).rejects.toThrow();
      expect((await pool.predict(batch)).masks).toEqual(expected.masks);
    } finally {
      await Promise.all([local.close(), pool.close()]);
    }
  });
});
