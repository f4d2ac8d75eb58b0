// Inference throughput of a model at given batch sizes, on whatever backend is active.
import * as tf from '@tensorflow/tfjs';
import { runUNet } from '../model/unet';

export interface ThroughputResult {
  batchSize: number;
  imagesPerSecond: number;
  msPerBatch: number;
}

export async function measureThroughput(model: tf.LayersModel, batchSizes: number[], repeats = 5): Promise<ThroughputResult[]> {
  const size = model.inputs[0].shape[1] as number;
  const results: ThroughputResult[] = [];
  for (const batchSize of batchSizes) {
    const input = tf.randomUniform([batchSize, size, size, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const runOnce = async () => {
      const [mask, probability] = runUNet(model, input);
      // read back both outputs: timing without the read-back hides asynchronous backends' work
      await Promise.all([mask.data(), probability.data()]);
      tf.dispose([mask, probability]);
    };
    await runOnce(); // warm-up (kernel set-up, shader compilation on GPU backends)
    const start = performance.now();
    for (let i = 0; i < repeats; i++) await runOnce();
    const msPerBatch = (performance.now() - start) / repeats;
    input.dispose();
    results.push({ batchSize, msPerBatch, imagesPerSecond: (1000 * batchSize) / msPerBatch });
  }
  return results;
}
