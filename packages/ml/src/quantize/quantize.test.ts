import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init-backend';
import { loadModelFromArtifacts, modelToArtifacts } from '../model/io';
import { buildUNet, runUNet } from '../model/unet';
import { measureThroughput } from './benchmark';
import { encodeFloat16, float32ToFloat16Bits } from './float16';
import { quantizeArtifacts } from './quantize';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('float16 encoding', () => {
  it('encodes known values bit-exactly', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(1e-9)).toBe(0);
    expect(Array.from(encodeFloat16(Float32Array.from([0, -0])))).toEqual([0, 0x8000]);
  });
});

describe('quantizeArtifacts', () => {
  it('writes smaller weights that tf.io.fromMemory loads, with outputs close to the full model', async () => {
    const model = buildUNet({ inputSize: 32, seed: 9 });
    const artifacts = await modelToArtifacts(model);
    const input = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const [reference] = runUNet(model, input);
    const ref = reference.dataSync();
    let refScale = 0;
    ref.forEach((v) => { refScale = Math.max(refScale, Math.abs(v)); });
    for (const [kind, ratio, tolerance] of [['float16', 0.5, 0.01], ['uint8', 0.25, 0.1]] as const) {
      const quantized = quantizeArtifacts(artifacts, kind);
      expect(quantized.weightData.byteLength).toBe(artifacts.weightData.byteLength * ratio);
      expect(quantized.weightSpecs.every((s) => s.quantization?.dtype === kind)).toBe(true);
      if (kind === 'uint8') expect(quantized.weightSpecs.every((s) => typeof s.quantization?.scale === 'number' && typeof s.quantization?.min === 'number')).toBe(true);
      const loaded = await loadModelFromArtifacts(quantized);
      const [out] = runUNet(loaded, input);
      const values = out.dataSync();
      let maxDiff = 0;
      values.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - ref[i])); });
      expect(maxDiff / refScale).toBeLessThan(tolerance);
      expect(maxDiff).toBeGreaterThan(0); // it really is a different (quantised) model
      out.dispose();
      loaded.dispose();
    }
    tf.dispose([input, reference]);
    model.dispose();
  });

  it('measures throughput per batch size', async () => {
    const model = buildUNet({ inputSize: 32 });
    const results = await measureThroughput(model, [1, 2], 2);
    expect(results.map((r) => r.batchSize)).toEqual([1, 2]);
    expect(results.every((r) => r.imagesPerSecond > 0 && Number.isFinite(r.msPerBatch))).toBe(true);
    model.dispose();
  });
});
