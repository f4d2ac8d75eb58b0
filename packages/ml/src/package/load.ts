// Loading and validating a model package: bounded size, a manifest that parses, weight shards
// that match the weights manifest byte for byte, a model that loads (layers or graph format),
// and a probe input of the declared size whose outputs have the declared shapes and are finite.
// Every refusal is a ModelPackageError with a reason; nothing is kept of a refused package.
import * as tf from '@tensorflow/tfjs';
import { Prediction } from '../infer/predict';
import { ModelBatch } from '../preprocess/batch';
import { ModelManifest, ModelPackageError, parseManifest } from './manifest';

/** Default bound on a package (model.json + shards + manifest). */
export const MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
export const MAX_MODEL_JSON_BYTES = 4 * 1024 * 1024;

export interface ModelPackageFiles {
  /** manifest.json text. */
  manifest: string;
  /** model.json text (tfjs layers-model or graph-model). */
  modelJson: string;
  /** Weight shards by the path model.json's weightsManifest names them with. */
  shards: Record<string, Uint8Array>;
}

export interface LoadedPackage {
  manifest: ModelManifest;
  model: tf.LayersModel | tf.GraphModel;
  /** Shapes of the outputs on the probe input (batch 1). */
  probeOutputShapes: number[][];
  sizeBytes: number;
  /** Masks at model resolution and a lesion probability per image. */
  predict(batch: ModelBatch, threshold?: number): Promise<Prediction>;
  dispose(): void;
}

interface WeightsGroup { paths: string[]; weights: tf.io.WeightsManifestEntry[] }

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = DTYPE_BYTES[dtype];
  if (per === undefined) throw new ModelPackageError('UNSUPPORTED', `weight ${spec.name} has dtype ${dtype}`);
  return count * per;
}

function outputsOf(result: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor[] {
  if (result instanceof tf.Tensor) return [result];
  if (Array.isArray(result)) return result;
  return Object.values(result);
}

export async function loadModelPackage(files: ModelPackageFiles, options: { maxBytes?: number } = {}): Promise<LoadedPackage> {
  const maxBytes = options.maxBytes ?? MAX_PACKAGE_BYTES;
  const shardBytes = Object.values(files.shards).reduce((n, s) => n + s.byteLength, 0);
  const sizeBytes = Buffer.byteLength(files.manifest) + Buffer.byteLength(files.modelJson) + shardBytes;
  if (sizeBytes > maxBytes) throw new ModelPackageError('PACKAGE_TOO_LARGE', `the package is ${sizeBytes} bytes, over the ${maxBytes}-byte bound`);
  if (Buffer.byteLength(files.modelJson) > MAX_MODEL_JSON_BYTES) throw new ModelPackageError('PACKAGE_TOO_LARGE', `model.json is over ${MAX_MODEL_JSON_BYTES} bytes`);

  let manifestValue: unknown;
  try { manifestValue = JSON.parse(files.manifest); } catch { throw new ModelPackageError('MANIFEST_INVALID', 'manifest.json is not JSON'); }
  const manifest = parseManifest(manifestValue);

  let modelJson: { format?: string; modelTopology?: object; weightsManifest?: WeightsGroup[] };
  try { modelJson = JSON.parse(files.modelJson) as typeof modelJson; } catch { throw new ModelPackageError('MODEL_UNLOADABLE', 'model.json is not JSON'); }
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelPackageError('MODEL_UNLOADABLE', 'model.json has no modelTopology or weightsManifest (not a TensorFlow.js model)');
  }
  const declared = modelJson.format === 'graph-model' ? 'graph-model' : 'layers-model';
  if (declared !== manifest.modelFormat) throw new ModelPackageError('MANIFEST_INVALID', `manifest says ${manifest.modelFormat}, model.json is a ${declared}`);

  // shards in manifest order, each named once, their total exactly what the specs need
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const used = new Set<string>();
  for (const group of modelJson.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new ModelPackageError('MODEL_UNLOADABLE', 'model.json weightsManifest entries need paths and weights');
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const shard = files.shards[p];
      if (!shard) throw new ModelPackageError('WEIGHTS_MISMATCH', `weight shard "${p}" named in model.json is missing`);
      used.add(p);
      buffers.push(shard);
    }
  }
  const extra = Object.keys(files.shards).filter((p) => !used.has(p));
  if (extra.length) throw new ModelPackageError('WEIGHTS_MISMATCH', `weight shard(s) not named in model.json: ${extra.join(', ')}`);
  const needed = weightSpecs.reduce((n, s) => n + specBytes(s), 0);
  if (needed !== shardBytes) throw new ModelPackageError('WEIGHTS_MISMATCH', `the weights manifest needs ${needed} bytes, the shards hold ${shardBytes}`);
  const weightData = tf.io.concatenateArrayBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));

  let model: tf.LayersModel | tf.GraphModel;
  try {
    const handler = tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData, format: modelJson.format });
    model = declared === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  } catch (err) {
    throw new ModelPackageError('MODEL_UNLOADABLE', `the model does not load: ${(err as Error).message.slice(0, 300)}`);
  }

  const { size, channels } = manifest.input;
  const run = (x: tf.Tensor4D): tf.Tensor[] => outputsOf(model.predict(x) as tf.Tensor | tf.Tensor[] | tf.NamedTensorMap);
  let probeOutputShapes: number[][];
  try {
    const outputs = tf.tidy(() => run(tf.linspace(0, 1, size * size * channels).reshape([1, size, size, channels]) as tf.Tensor4D));
    probeOutputShapes = outputs.map((o) => o.shape);
    const finite = await Promise.all(outputs.map(async (o) => (await o.data()).every(Number.isFinite)));
    tf.dispose(outputs);
    if (!finite.every(Boolean)) throw new ModelPackageError('PROBE_FAILED', 'the model gives non-finite outputs on the probe input');
  } catch (err) {
    model.dispose();
    if (err instanceof ModelPackageError) throw err;
    throw new ModelPackageError('PROBE_FAILED', `the model does not run on a [1, ${size}, ${size}, ${channels}] input: ${(err as Error).message.slice(0, 300)}`);
  }
  const want = (index: number | undefined, shapes: number[][], what: string) => {
    if (index === undefined) return;
    const shape = probeOutputShapes[index];
    if (!shape || !shapes.some((s) => s.length === shape.length && s.every((d, i) => d === shape[i]))) {
      model.dispose();
      throw new ModelPackageError('OUTPUT_SHAPE_MISMATCH', `output ${index} (${what}) has shape [${shape?.join(', ') ?? 'none'}], the manifest needs [${shapes[0].join(', ')}]`
        + ` (the model has ${probeOutputShapes.length} output(s): ${probeOutputShapes.map((s) => `[${s.join(', ')}]`).join(' ')})`);
    }
  };
  want(manifest.output.maskOutput, [[1, size, size, 1]], 'mask');
  want(manifest.output.probabilityOutput, [[1, 1], [1, 2]], 'probability');

  const predict = async (batch: ModelBatch, threshold = 0.5): Promise<Prediction> => {
    const [n] = batch.shape;
    const cut = manifest.output.activation === 'logits' ? Math.log(threshold / (1 - threshold)) : threshold;
    const [maskTensor, probTensor] = tf.tidy(() => {
      const outs = run(tf.tensor4d(batch.data, batch.shape));
      const mask = manifest.output.maskOutput !== undefined ? outs[manifest.output.maskOutput] : null;
      const p = manifest.output.probabilityOutput !== undefined ? outs[manifest.output.probabilityOutput] : null;
      const probability = p
        ? (p.shape[1] === 2 ? tf.slice(p, [0, 1], [-1, 1]) : p)
        : tf.max(manifest.output.activation === 'logits' ? tf.sigmoid(mask!) : mask!, [1, 2, 3]).reshape([n, 1]);
      return [mask ? tf.cast(tf.greaterEqual(mask, cut), 'int32') : tf.zeros([n, size, size, 1], 'int32'), probability];
    });
    const [maskData, probData] = await Promise.all([maskTensor.data(), probTensor.data()]);
    tf.dispose([maskTensor, probTensor]);
    const pixels = size * size;
    return {
      masks: Array.from({ length: n }, (_, i) => Uint8Array.from(maskData.subarray(i * pixels, (i + 1) * pixels))),
      probabilities: Array.from(probData),
      maskSize: size,
    };
  };
  return { manifest, model, probeOutputShapes, sizeBytes, predict, dispose: () => model.dispose() };
}

