// Model package: a TensorFlow.js model (layers or graph format: model.json + weight shards) and a
// manifest that says how to feed it and read it — input size and channels, HU windowing and
// normalisation, the pixel spacing it was trained at, labels, output type and layout, and the
// declared input domain the out-of-distribution guard checks series against. The shipped model
// is described by one (weights/<version>/manifest.json, written from shippedManifest()).
import { ModelDomain, PHANTOM_CT_DOMAIN } from '../domain/model-domain';
import { SOFT_TISSUE_WINDOW } from '../preprocess/window';

export const MANIFEST_FILE = 'manifest.json';
export const PACKAGE_FORMAT = 'imaging-model-package';

export interface ModelManifest {
  format: typeof PACKAGE_FORMAT;
  formatVersion: 1;
  name: string;
  description?: string;
  modelFormat: 'layers-model' | 'graph-model';
  input: { size: number; channels: number; layout: 'NHWC' };
  /** HU window mapped to [0, 1] (clamped): the only normalisation the pipeline implements. */
  preprocessing: { window: { center: number; width: number }; normalisation: 'window-0-1' };
  /** In-plane spacing (mm) of the model grid the training data had, after resampling. */
  spacing: { pixelSpacingMm: number };
  /** Class names; a segmentation model's foreground is labels[1]. */
  labels: string[];
  output: {
    type: 'segmentation' | 'classification';
    /** Whether the mask output holds logits or probabilities. */
    activation: 'logits' | 'sigmoid';
    /** Index of the [N, size, size, 1] mask output (segmentation). */
    maskOutput?: number;
    /** Index of the [N, 1] lesion probability output (required for classification, optional for segmentation). */
    probabilityOutput?: number;
  };
  domain: ModelDomain;
}

export type PackageErrorReason =
  | 'PACKAGE_TOO_LARGE' | 'MANIFEST_INVALID' | 'UNSUPPORTED' | 'WEIGHTS_MISMATCH' | 'MODEL_UNLOADABLE' | 'PROBE_FAILED' | 'OUTPUT_SHAPE_MISMATCH'
  // the archive an uploaded package came in (package/unzip.ts)
  | 'ARCHIVE_INVALID' | 'ARCHIVE_TOO_MANY_ENTRIES' | 'ARCHIVE_UNSAFE_PATH' | 'ARCHIVE_UNEXPECTED_ENTRY' | 'ARCHIVE_CORRUPT';

/** A package refused, with a machine-readable reason (the domain maps it to a typed error). */
export class ModelPackageError extends Error {
  constructor(readonly reason: PackageErrorReason, message: string) {
    super(message);
    this.name = 'ModelPackageError';
  }
}

function fail(message: string): never {
  throw new ModelPackageError('MANIFEST_INVALID', `manifest: ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function int(v: unknown, name: string, min: number, max: number): number {
  if (!finite(v) || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`);
  return v;
}

function bound(v: unknown, name: string): { min: number; max: number } {
  if (!isObject(v) || !finite(v.min) || !finite(v.max) || v.min > v.max) fail(`${name} must be {min, max} with min ≤ max`);
  return { min: v.min as number, max: v.max as number };
}

function parseDomain(v: unknown): ModelDomain {
  if (!isObject(v)) fail('domain is required (the declared input domain)');
  const strings = (x: unknown, name: string) => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 64) || x.length > 64) fail(`domain.${name} must be a list of strings`);
    return x as string[];
  };
  const modalities = strings(v.modalities, 'modalities');
  if (!modalities.length) fail('domain.modalities must name at least one modality');
  const statistics: Record<string, { min: number; max: number }> = {};
  if (v.sliceStatistics !== undefined) {
    if (!isObject(v.sliceStatistics) || Object.keys(v.sliceStatistics).length > 64) fail('domain.sliceStatistics must be an object of bounds');
    for (const [k, b] of Object.entries(v.sliceStatistics)) statistics[k] = bound(b, `domain.sliceStatistics.${k}`);
  }
  const spacing = v.pixelSpacingMm;
  if (!isObject(spacing) || !finite(spacing.min) || spacing.min <= 0) fail('domain.pixelSpacingMm.min must be a positive number');
  const output = v.output;
  if (!isObject(output) || !finite(output.maxSliceMaskFraction) || output.maxSliceMaskFraction <= 0 || output.maxSliceMaskFraction > 1) {
    fail('domain.output.maxSliceMaskFraction must be in (0, 1]');
  }
  const outlier = v.maxOutlierSliceFraction;
  if (!finite(outlier) || outlier < 0 || outlier > 1) fail('domain.maxOutlierSliceFraction must be in [0, 1]');
  return {
    name: typeof v.name === 'string' && v.name ? v.name.slice(0, 64) : fail('domain.name is required'),
    source: typeof v.source === 'string' ? v.source.slice(0, 1000) : '',
    modalities: modalities.map((m) => m.toUpperCase()),
    bodyParts: strings(v.bodyParts ?? [], 'bodyParts').map((b) => b.toUpperCase()),
    fieldOfViewMm: bound(v.fieldOfViewMm, 'domain.fieldOfViewMm'),
    rows: bound(v.rows, 'domain.rows'),
    square: v.square === true,
    pixelSpacingMm: { min: spacing.min as number },
    sliceThicknessMm: bound(v.sliceThicknessMm, 'domain.sliceThicknessMm'),
    sliceStatistics: statistics,
    maxOutlierSliceFraction: outlier,
    output: { maxSliceMaskFraction: output.maxSliceMaskFraction as number },
  };
}

/** Checks a parsed manifest.json; throws ModelPackageError (MANIFEST_INVALID / UNSUPPORTED) with what is wrong. */
export function parseManifest(value: unknown): ModelManifest {
  if (!isObject(value)) fail('must be a JSON object');
  if (value.format !== PACKAGE_FORMAT) fail(`format must be "${PACKAGE_FORMAT}"`);
  if (value.formatVersion !== 1) throw new ModelPackageError('UNSUPPORTED', `manifest formatVersion ${String(value.formatVersion)} is not supported (1 is)`);
  if (typeof value.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value.name)) fail('name must be 1–64 letters, digits, ".", "_" or "-"');
  if (value.modelFormat !== 'layers-model' && value.modelFormat !== 'graph-model') fail('modelFormat must be "layers-model" or "graph-model"');
  const input = value.input;
  if (!isObject(input)) fail('input is required');
  if ((input.layout ?? 'NHWC') !== 'NHWC') throw new ModelPackageError('UNSUPPORTED', 'manifest: only NHWC input is supported');
  const size = int(input.size, 'input.size', 16, 1024);
  const channels = int(input.channels, 'input.channels', 1, 1);
  const pre = value.preprocessing;
  if (!isObject(pre) || !isObject(pre.window) || !finite(pre.window.center) || !finite(pre.window.width) || pre.window.width <= 0) {
    fail('preprocessing.window must be {center, width > 0} in HU');
  }
  if ((pre.normalisation ?? 'window-0-1') !== 'window-0-1') throw new ModelPackageError('UNSUPPORTED', 'manifest: preprocessing.normalisation must be "window-0-1"');
  const spacing = value.spacing;
  if (!isObject(spacing) || !finite(spacing.pixelSpacingMm) || spacing.pixelSpacingMm <= 0) fail('spacing.pixelSpacingMm must be a positive number');
  const labels = value.labels;
  if (!Array.isArray(labels) || labels.length < 2 || labels.length > 32 || !labels.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 64)) {
    fail('labels must list 2–32 class names');
  }
  const output = value.output;
  if (!isObject(output)) fail('output is required');
  if (output.type !== 'segmentation' && output.type !== 'classification') fail('output.type must be "segmentation" or "classification"');
  if (output.activation !== 'logits' && output.activation !== 'sigmoid') fail('output.activation must be "logits" or "sigmoid"');
  const index = (v: unknown, name: string) => (v === undefined ? undefined : int(v, name, 0, 7));
  const maskOutput = index(output.maskOutput, 'output.maskOutput') ?? (output.type === 'segmentation' ? 0 : undefined);
  const probabilityOutput = index(output.probabilityOutput, 'output.probabilityOutput');
  if (output.type === 'classification' && probabilityOutput === undefined) fail('output.probabilityOutput is required for a classification model');
  if (maskOutput !== undefined && maskOutput === probabilityOutput) fail('output.maskOutput and output.probabilityOutput must differ');
  return {
    format: PACKAGE_FORMAT, formatVersion: 1, name: value.name,
    description: typeof value.description === 'string' ? value.description.slice(0, 2000) : undefined,
    modelFormat: value.modelFormat,
    input: { size, channels, layout: 'NHWC' },
    preprocessing: { window: { center: pre.window.center as number, width: pre.window.width as number }, normalisation: 'window-0-1' },
    spacing: { pixelSpacingMm: spacing.pixelSpacingMm },
    labels: labels as string[],
    output: { type: output.type, activation: output.activation, maskOutput: output.type === 'segmentation' ? maskOutput : undefined, probabilityOutput },
    domain: parseDomain(value.domain),
  };
}

/** The manifest of the shipped phantom-trained U-Net (and of its student and fine-tunes). */
export function shippedManifest(name = 'lesion-unet-v1', inputSize = 128): ModelManifest {
  return {
    format: PACKAGE_FORMAT, formatVersion: 1, name,
    description: 'U-Net with a classification head, trained on procedural CT phantoms (packages/ml/src/phantom)',
    modelFormat: 'layers-model',
    input: { size: inputSize, channels: 1, layout: 'NHWC' },
    preprocessing: { window: { ...SOFT_TISSUE_WINDOW }, normalisation: 'window-0-1' },
    // phantom field of view resampled onto the model grid
    spacing: { pixelSpacingMm: +((PHANTOM_CT_DOMAIN.fieldOfViewMm.min + PHANTOM_CT_DOMAIN.fieldOfViewMm.max) / 2 / inputSize).toFixed(3) },
    labels: ['background', 'lesion'],
    output: { type: 'segmentation', activation: 'logits', maskOutput: 0, probabilityOutput: 1 },
    domain: PHANTOM_CT_DOMAIN,
  };
}
