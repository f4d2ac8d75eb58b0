// Batched inference: masks at model resolution (optionally resampled back to the original grid)
// and per-slice lesion probabilities.
import * as tf from '@tensorflow/tfjs';
import { runUNet } from '../model/unet';
import { ModelBatch } from '../preprocess/batch';
import { resampleMask } from '../preprocess/resample';

export interface Prediction {
  /** One binary mask per slice, at model resolution or at outputSize when given. */
  masks: Uint8Array[];
  /** Lesion probability per slice, from the classification head. */
  probabilities: number[];
  /** Size (rows = columns) of the masks. */
  maskSize: number;
}

export interface PredictOptions {
  /** Pixel threshold on the sigmoid of the mask logits (default 0.5). */
  threshold?: number;
  /** Resample masks back to this size (e.g. 512 for the original slices). */
  outputSize?: number;
}

export async function predictBatch(model: tf.LayersModel, batch: ModelBatch, options: PredictOptions = {}): Promise<Prediction> {
  const [n, size] = batch.shape;
  // sigmoid(z) >= t  <=>  z >= logit(t): threshold logits directly, no sigmoid needed
  const threshold = options.threshold ?? 0.5;
  const logitThreshold = Math.log(threshold / (1 - threshold));
  const [maskTensor, probTensor] = tf.tidy(() => {
    const [logits, probability] = runUNet(model, tf.tensor4d(batch.data, batch.shape));
    return [tf.cast(tf.greaterEqual(logits, logitThreshold), 'int32'), probability];
  });
  const [maskData, probData] = await Promise.all([maskTensor.data(), probTensor.data()]);
  maskTensor.dispose();
  probTensor.dispose();
  const pixels = size * size;
  const masks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const mask = Uint8Array.from(maskData.subarray(i * pixels, (i + 1) * pixels));
    const out = options.outputSize && options.outputSize !== size ? resampleMask(mask, size, size, options.outputSize, options.outputSize) : mask;
    masks.push(out);
  }
  return { masks, probabilities: Array.from(probData), maskSize: options.outputSize ?? size };
}
