// Validation and evaluation of an unpacked model package, the work of the upload job's thread:
// load it (loadModelPackage: size, manifest, shards, load, probe, output shapes), evaluate it and
// the active model on the same held-out sets (phantom series with exact truth; reviewed and
// imported-SEG cases when there are any), with curves, a confusion matrix and a reliability
// table per set, then the same gate a retrained candidate meets.
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { sliceEvaluationCurves, type SliceEvaluationCurves } from '../metrics/curves';
import { loadModelDir, MODEL_JSON } from '../model/io';
import { SOFT_TISSUE_WINDOW, type HuWindow } from '../preprocess/window';
import { heldOutImages, type LabelledImage } from '../train/data';
import { evaluate, evaluatePredictor, type EvaluationResult } from '../train/evaluate';
import { applyGate, metricSupport, summariseEvaluation, type GateVerdict, type MetricSummary } from '../train/gate';
import { loadModelPackage, type ModelPackageFiles } from './load';
import { MANIFEST_FILE, ModelPackageError, parseManifest, type ModelManifest } from './manifest';

/** The files of an unpacked package: manifest.json, model.json and every .bin file as a shard (so an unnamed one is refused). */
export async function readUnpackedPackage(dir: string): Promise<ModelPackageFiles> {
  const names = await fs.readdir(dir);
  if (!names.includes(MANIFEST_FILE)) throw new ModelPackageError('MANIFEST_INVALID', 'the package has no manifest.json');
  if (!names.includes(MODEL_JSON)) throw new ModelPackageError('MODEL_UNLOADABLE', 'the package has no model.json');
  const shards: Record<string, Uint8Array> = {};
  for (const name of names.filter((n) => n.endsWith('.bin'))) shards[name] = new Uint8Array(await fs.readFile(path.join(dir, name)));
  return { manifest: await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'), modelJson: await fs.readFile(path.join(dir, MODEL_JSON), 'utf8'), shards };
}

/** Reads and checks only the manifest (cheap; the caller prepares case images at its input size). */
export async function readPackageManifest(dir: string): Promise<ModelManifest> {
  let text: string;
  try { text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'); } catch { throw new ModelPackageError('MANIFEST_INVALID', 'the package has no manifest.json'); }
  let value: unknown;
  try { value = JSON.parse(text); } catch { throw new ModelPackageError('MANIFEST_INVALID', 'manifest.json is not JSON'); }
  return parseManifest(value);
}

export interface CaseSetImages {
  /** reviewed | imported */
  name: string;
  /** Slices at the candidate's input size and window. */
  candidate: LabelledImage[];
  /** The same slices at the base model's input size (null without a base). */
  base: LabelledImage[] | null;
}

export interface PackageEvaluationOptions {
  dir: string;
  maxBytes: number;
  /** float32 weights of the ACTIVE version (null when there is none: no gate comparison). */
  baseDir: string | null;
  phantomHeldOut: { seeds: number[]; slicesPerSeries: number };
  cases: CaseSetImages[];
  tolerance: number;
  threshold?: number;
}

export interface PackageSetEvaluation {
  name: string;
  slices: number;
  lesionSlices: number;
  candidate: MetricSummary;
  base: MetricSummary | null;
  /** segmentation + classification of the candidate (the shape a version's metrics have). */
  result: Pick<EvaluationResult, 'segmentation' | 'classification' | 'slices' | 'lesionSlices'>;
  curves: SliceEvaluationCurves;
}

export interface PackageEvaluation {
  manifest: ModelManifest;
  probeOutputShapes: number[][];
  sizeBytes: number;
  sets: PackageSetEvaluation[];
  gate: GateVerdict;
  elapsedMs: number;
  backend: string;
}

const sameWindow = (a: HuWindow, b: HuWindow) => a.center === b.center && a.width === b.width;

export async function evaluateModelPackage(options: PackageEvaluationOptions): Promise<PackageEvaluation> {
  const started = Date.now();
  const threshold = options.threshold ?? 0.5;
  const pkg = await loadModelPackage(await readUnpackedPackage(options.dir), { maxBytes: options.maxBytes });
  const base = options.baseDir ? await loadModelDir(options.baseDir) : null;
  try {
    const { size } = pkg.manifest.input;
    const baseSize = base ? (base.inputs[0].shape[1] as number) : size;
    const names: [string, string] = [pkg.manifest.labels[0], pkg.manifest.labels[1]];
    const phantom = {
      name: 'phantom',
      candidate: heldOutImages({ ...options.phantomHeldOut, modelSize: size, window: pkg.manifest.preprocessing.window }),
      // the base sees the shipped preprocessing; the same images when the candidate's is the same
      base: base && (baseSize !== size || !sameWindow(pkg.manifest.preprocessing.window, SOFT_TISSUE_WINDOW))
        ? heldOutImages({ ...options.phantomHeldOut, modelSize: baseSize }) : null,
    };
    const sets: PackageSetEvaluation[] = [];
    const gateSets = [];
    for (const set of [phantom, ...options.cases]) {
      if (set.candidate.length === 0) continue;
      const c = await evaluatePredictor((batch) => pkg.predict(batch, threshold), size, set.candidate);
      const b = base ? await evaluate(base, set.base ?? set.candidate) : null;
      const { masks: _m, probabilities, ...result } = c;
      sets.push({
        name: set.name, slices: c.slices, lesionSlices: c.lesionSlices, candidate: summariseEvaluation(c), base: b ? summariseEvaluation(b) : null, result,
        curves: sliceEvaluationCurves(probabilities, set.candidate.map((s) => s.hasLesion), threshold, names),
      });
      if (b) gateSets.push({ name: set.name, base: summariseEvaluation(b), candidate: summariseEvaluation(c), support: metricSupport(b) });
    }
    // without an active model there is nothing to be worse than: the gate passes on no comparison
    const gate = base ? applyGate(gateSets, options.tolerance) : { passed: true, tolerance: options.tolerance, reasons: [], rows: [] };
    return { manifest: pkg.manifest, probeOutputShapes: pkg.probeOutputShapes, sizeBytes: pkg.sizeBytes, sets, gate, elapsedMs: Date.now() - started, backend: tf.getBackend() };
  } finally {
    pkg.dispose();
    base?.dispose();
  }
}
