// The only module that touches the filesystem: a model directory holds model.json (tfjs layers
// format) and one weights.bin shard.
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ModelPackageFiles } from '../package/load';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** In-memory model artifacts: what tf.io.fromMemory loads and what quantisation rewrites. */
export interface ModelArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Serialises a model to artifacts without touching disk. */
export async function modelToArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  let captured: ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = {
      modelTopology: artifacts.modelTopology as object,
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData: tf.io.concatenateArrayBuffers(
        Array.isArray(artifacts.weightData) ? artifacts.weightData : artifacts.weightData ? [artifacts.weightData] : []),
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

export async function loadModelFromArtifacts(artifacts: ModelArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    weightData: artifacts.weightData,
  }));
}

export async function writeArtifacts(dir: string, artifacts: ModelArtifacts, extra: Record<string, unknown> = {}): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    ...extra,
  };
  await fs.writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
  await fs.writeFile(path.join(dir, WEIGHTS_BIN), Buffer.from(artifacts.weightData));
}

export async function readArtifacts(dir: string): Promise<ModelArtifacts> {
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as {
    modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers: ArrayBuffer[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) {
      const bytes = await fs.readFile(path.join(dir, shard));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  return { modelTopology: modelJson.modelTopology, weightSpecs, weightData: tf.io.concatenateArrayBuffers(buffers) };
}

/** A top-level field of model.json beyond the tfjs ones (training metadata written by saveModelDir). */
export async function readModelMetadata(dir: string, key: string): Promise<unknown> {
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as Record<string, unknown>;
  return modelJson[key];
}

export async function saveModelDir(model: tf.LayersModel, dir: string, extra: Record<string, unknown> = {}): Promise<ModelArtifacts> {
  const artifacts = await modelToArtifacts(model);
  await writeArtifacts(dir, artifacts, extra);
  return artifacts;
}

export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  return loadModelFromArtifacts(await readArtifacts(dir));
}

/** Bytes of a model directory's files, as shipped. */
export async function modelDirSizeBytes(dir: string): Promise<number> {
  const [json, bin] = await Promise.all([fs.stat(path.join(dir, MODEL_JSON)), fs.stat(path.join(dir, WEIGHTS_BIN))]);
  return json.size + bin.size;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

/** A model package directory (manifest.json, model.json and the shards it names) as files. */
export async function readModelPackageDir(dir: string): Promise<ModelPackageFiles> {
  const modelJson = await fs.readFile(path.join(dir, MODEL_JSON), 'utf8');
  const groups = (JSON.parse(modelJson) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  const shards: Record<string, Uint8Array> = {};
  for (const p of groups.flatMap((g) => g.paths)) shards[p] = new Uint8Array(await fs.readFile(path.join(dir, path.basename(p))));
  return { manifest: await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'), modelJson, shards };
}
