// Model packages: the shipped model's package loads and predicts what the engine predicts; a tiny
// bring-your-own package (segmentation only, sigmoid output) loads and runs; bad packages are
// refused with their reason.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init-backend';
import { predictBatch } from '../infer/predict';
import { loadModelDir, modelToArtifacts, readModelPackageDir } from '../model/io';
import { batchImages } from '../preprocess/batch';
import { heldOutImages } from '../train/data';
import { LoadedPackage, ModelPackageFiles, loadModelPackage } from './load';
import { ModelPackageError, PackageErrorReason, shippedManifest } from './manifest';

const V1 = path.join(__dirname, '..', '..', 'weights', 'v1');

beforeAll(async () => {
  await initBackend('wasm');
});

/** A 32² segmentation-only package: conv 3×3 → sigmoid. */
async function tinyPackage(): Promise<ModelPackageFiles> {
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', kernelInitializer: tf.initializers.ones() })] });
  const a = await modelToArtifacts(model);
  const manifest = { ...shippedManifest('tiny-byom', 32), output: { type: 'segmentation', activation: 'sigmoid' }, modelFormat: 'layers-model' };
  return {
    manifest: JSON.stringify(manifest),
    modelJson: JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }),
    shards: { 'w.bin': new Uint8Array(a.weightData) },
  };
}

async function refused(files: ModelPackageFiles, reason: PackageErrorReason, message: RegExp, maxBytes?: number) {
  const err = await loadModelPackage(files, { maxBytes }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ModelPackageError);
  expect((err as ModelPackageError).reason).toBe(reason);
  expect((err as ModelPackageError).message).toMatch(message);
}

describe('model packages', () => {
  it('the shipped model is a package: it loads, passes the probe and predicts what the engine does', async () => {
    const pkg: LoadedPackage = await loadModelPackage(await readModelPackageDir(V1));
    expect(pkg.manifest).toMatchObject({ name: 'lesion-unet-v1', input: { size: 128, channels: 1 }, output: { type: 'segmentation', maskOutput: 0, probabilityOutput: 1 }, domain: { modalities: ['CT'] } });
    expect(pkg.probeOutputShapes).toEqual([[1, 128, 128, 1], [1, 1]]);
    const batch = batchImages(heldOutImages({ seeds: [900_001], slicesPerSeries: 8, modelSize: 128 }).map((i) => i.image), 128);
    const model = await loadModelDir(V1);
    const [a, b] = [await pkg.predict(batch), await predictBatch(model, batch)];
    expect(a.masks).toEqual(b.masks);
    a.probabilities.forEach((p, i) => expect(p).toBeCloseTo(b.probabilities[i], 6));
    model.dispose();
    pkg.dispose();
  });

  it('loads a bring-your-own segmentation package with sigmoid output and no probability head', async () => {
    const pkg = await loadModelPackage(await tinyPackage());
    expect(pkg.probeOutputShapes).toEqual([[1, 32, 32, 1]]);
    const image = new Float32Array(32 * 32);
    image.fill(0.5, 0, 16 * 32); // top half bright: sigmoid(9 × 0.5) ≈ 0.99 there, 0.5 at the dark half
    const out = await pkg.predict(batchImages([image, new Float32Array(32 * 32).fill(-1)], 32));
    expect(out.masks[0][5 * 32 + 5]).toBe(1);
    expect(out.masks[1].every((v) => v === 0)).toBe(true);
    expect(out.probabilities[0]).toBeGreaterThan(0.98);
    expect(out.probabilities[1]).toBeLessThan(0.02); // a corner pixel sees 4 of the 9 taps: sigmoid(-4)
    pkg.dispose();
  });

  it('refuses bad packages with a reason', async () => {
    const good = await tinyPackage();
    const manifest = JSON.parse(good.manifest) as Record<string, unknown>;
    await refused(good, 'PACKAGE_TOO_LARGE', /over the 1000-byte bound/, 1000);
    await refused({ ...good, manifest: '{' }, 'MANIFEST_INVALID', /not JSON/);
    await refused({ ...good, manifest: JSON.stringify({ ...manifest, domain: undefined }) }, 'MANIFEST_INVALID', /domain is required/);
    await refused({ ...good, manifest: JSON.stringify({ ...manifest, input: { size: 32, channels: 3 } }) }, 'MANIFEST_INVALID', /input.channels/);
    await refused({ ...good, manifest: JSON.stringify({ ...manifest, formatVersion: 2 }) }, 'UNSUPPORTED', /formatVersion 2/);
    await refused({ ...good, manifest: JSON.stringify({ ...manifest, modelFormat: 'graph-model' }) }, 'MANIFEST_INVALID', /is a layers-model/);
    await refused({ ...good, shards: {} }, 'WEIGHTS_MISMATCH', /"w.bin" named in model.json is missing/);
    await refused({ ...good, shards: { 'w.bin': good.shards['w.bin'].slice(4) } }, 'WEIGHTS_MISMATCH', /needs 40 bytes, the shards hold 36/);
    await refused({ ...good, shards: { ...good.shards, 'x.bin': new Uint8Array(4) } }, 'WEIGHTS_MISMATCH', /not named in model.json: x.bin/);
    await refused({ ...good, modelJson: JSON.stringify({ format: 'layers-model', modelTopology: { nonsense: true }, weightsManifest: [{ paths: ['w.bin'], weights: JSON.parse(good.modelJson).weightsManifest[0].weights }] }) }, 'MODEL_UNLOADABLE', /does not load/);
    await refused({ ...good, manifest: JSON.stringify({ ...manifest, input: { size: 64, channels: 1 } }) }, 'PROBE_FAILED', /does not run on a \[1, 64, 64, 1\] input/);
    await refused({ ...good, manifest: JSON.stringify({ ...manifest, output: { type: 'classification', activation: 'sigmoid', probabilityOutput: 0 } }) }, 'OUTPUT_SHAPE_MISMATCH', /output 0 \(probability\) has shape \[1, 32, 32, 1\]/);
  });
});
