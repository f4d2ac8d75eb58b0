// Post-training weight quantisation by rewriting the tfjs weights manifest: each float32 weight
// is stored as float16, or as uint8 with an affine (min, scale) per tensor. tf.io.fromMemory
// dequantises on load, so the model runs in float32: this saves bytes, not compute.
import * as tf from '@tensorflow/tfjs';
import { ModelArtifacts } from '../model/io';
import { encodeFloat16 } from './float16';

export type QuantizationKind = 'float16' | 'uint8';

function quantizeUint8(values: Float32Array): { bytes: Uint8Array; min: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) {
    min = 0;
    max = 0;
  }
  // a constant tensor still needs a non-zero scale; every value then decodes to min exactly
  const scale = max > min ? (max - min) / 255 : 1;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round((values[i] - min) / scale)));
  return { bytes, min, scale };
}

/** Returns new artifacts whose float32 weights are stored as the given kind; others are copied. */
export function quantizeArtifacts(artifacts: ModelArtifacts, kind: QuantizationKind): ModelArtifacts {
  const decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const chunks: Uint8Array[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const spec of artifacts.weightSpecs) {
    const tensor = decoded[spec.name];
    const values = tensor.dataSync();
    if (spec.dtype !== 'float32' || spec.quantization) {
      chunks.push(new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
      weightSpecs.push({ ...spec });
    } else if (kind === 'float16') {
      const half = encodeFloat16(values as Float32Array);
      chunks.push(new Uint8Array(half.buffer));
      weightSpecs.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
    } else {
      const { bytes, min, scale } = quantizeUint8(values as Float32Array);
      chunks.push(bytes);
      weightSpecs.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale } });
    }
    tensor.dispose();
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    weightData.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { modelTopology: artifacts.modelTopology, weightSpecs, weightData: weightData.buffer };
}
