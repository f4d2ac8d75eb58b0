// Fine-tuning a trained model on reviewed cases, mixed with generated phantom slices so it does
// not forget, then the gate: base and candidate evaluated on the same held-out sets (the phantom
// held-out series, whose truth is exact, and the reviewed cases kept out of training).
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir, loadModelFromArtifacts, modelDirSizeBytes, readArtifacts, saveModelDir, writeArtifacts, writeJson } from '../model/io';
import { Prng } from '../phantom/prng';
import { quantizeArtifacts, type QuantizationKind } from '../quantize/quantize';
import { heldOutImages, trainingImages, type LabelledImage } from './data';
import { evaluate, type EvaluationResult } from './evaluate';
import { applyGate, metricSupport, summariseEvaluation, type GateVerdict, type MetricSummary } from './gate';
import { sliceEvaluationCurves, type SliceEvaluationCurves } from '../metrics/curves';
import { agreement } from './report';
import { trainModel, type StepProgress } from './loop';

export interface FineTuneOptions {
  /** float32 weights of the model to start from (the active version). */
  baseDir: string;
  /** Where the candidate goes: float32 at the root, float16/ and uint8/ beside it, metrics.json. */
  outDir: string;
  /** Reviewed slices to train on (image at model size, truth mask at model size). */
  cases: LabelledImage[];
  /** Reviewed slices kept out of training, for the gate. */
  heldOutCases: LabelledImage[];
  phantomHeldOut: { seeds: number[]; slicesPerSeries: number; seriesSize?: number };
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Share of each batch drawn from the phantom generator. */
  phantomShare: number;
  seed: number;
  tolerance: number;
  onStep?: (progress: StepProgress) => void;
}

export interface HeldOutSetResult {
  name: string;
  slices: number;
  lesionSlices: number;
  base: MetricSummary;
  candidate: MetricSummary;
  support: Record<keyof MetricSummary, number>;
  /** The candidate's ROC / PR curves, confusion matrix and reliability table on this set. */
  curves: SliceEvaluationCurves;
}

export interface FineTuneResult {
  steps: number;
  elapsedMs: number;
  finalLoss: number;
  sets: HeldOutSetResult[];
  gate: GateVerdict;
  backend: string;
}

/**
 * A batch sampler: phantom slices for `phantomShare` of each batch, the rest drawn uniformly from
 * the reviewed slices, so the class head sees lesions at the rate the reviewed cases have them.
 */
export function mixedBatches(cases: LabelledImage[], size: number, phantomShare: number, seed: number) {
  const prng = new Prng(seed);
  return (step: number, batchSize: number): LabelledImage[] => {
    const phantom = cases.length === 0 ? batchSize : Math.round(batchSize * phantomShare);
    const out = phantom > 0 ? trainingImages(seed * 1000 + step * batchSize, phantom, size) : [];
    while (out.length < batchSize) out.push(cases[Math.floor(prng.next() * cases.length)]);
    return out;
  };
}

function summary(result: EvaluationResult) {
  const { masks: _masks, probabilities: _probabilities, ...rest } = result;
  return rest;
}

export async function fineTune(options: FineTuneOptions): Promise<FineTuneResult> {
  const base = await loadModelDir(options.baseDir);
  const candidate = await loadModelDir(options.baseDir);
  const size = base.inputs[0].shape[1] as number;
  try {
    const trained = await trainModel(candidate, {
      steps: options.steps, batchSize: options.batchSize, learningRate: options.learningRate, seed: options.seed,
      sampleBatch: mixedBatches(options.cases, size, options.phantomShare, options.seed),
      onStep: options.onStep,
    });
    const training = {
      backend: tf.getBackend(), steps: trained.steps, batchSize: options.batchSize, learningRate: options.learningRate,
      phantomShare: options.phantomShare, seed: options.seed, inputSize: size, params: candidate.countParams(),
      durationMs: trained.elapsedMs, reviewedSlices: options.cases.length, fineTunedFrom: options.baseDir,
      finalLossAvg25: trained.losses.slice(-25).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(25, trained.losses.length)),
    };
    await saveModelDir(candidate, options.outDir, { training });

    const phantom = heldOutImages({ ...options.phantomHeldOut, modelSize: size });
    const sets: HeldOutSetResult[] = [];
    let candidatePhantom: EvaluationResult | null = null;
    for (const [name, images] of [['phantom', phantom], ['reviewed', options.heldOutCases]] as const) {
      if (images.length === 0) continue;
      const b = await evaluate(base, images);
      const c = await evaluate(candidate, images);
      if (name === 'phantom') candidatePhantom = c;
      sets.push({
        name, slices: images.length, lesionSlices: b.lesionSlices, base: summariseEvaluation(b), candidate: summariseEvaluation(c), support: metricSupport(b),
        curves: sliceEvaluationCurves(c.probabilities, images.map((s) => s.hasLesion)),
      });
    }
    const gate = applyGate(sets, options.tolerance);

    const variants: Record<string, unknown> = {
      float32: { sizeBytes: await modelDirSizeBytes(options.outDir), metrics: candidatePhantom ? summary(candidatePhantom) : null },
    };
    const artifacts = await readArtifacts(options.outDir);
    for (const kind of ['float16', 'uint8'] as QuantizationKind[]) {
      const dir = path.join(options.outDir, kind);
      const quantized = quantizeArtifacts(artifacts, kind);
      await writeArtifacts(dir, quantized, { quantization: kind });
      let entry: Record<string, unknown> = { sizeBytes: await modelDirSizeBytes(dir) };
      if (candidatePhantom) {
        const model = await loadModelFromArtifacts(quantized);
        const result = await evaluate(model, phantom);
        model.dispose();
        entry = { ...entry, agreementWithFloat32: agreement(candidatePhantom, result), metrics: summary(result) };
      }
      variants[kind] = entry;
    }
    await writeJson(path.join(options.outDir, 'metrics.json'), {
      heldOut: { generator: 'generatePhantomSeries', seeds: options.phantomHeldOut.seeds, slicesPerSeries: options.phantomHeldOut.slicesPerSeries, seriesSize: options.phantomHeldOut.seriesSize ?? 512, modelSize: size },
      backend: tf.getBackend(),
      training,
      gate: { ...gate, sets },
      variants,
    });
    return { steps: trained.steps, elapsedMs: trained.elapsedMs, finalLoss: training.finalLossAvg25, sets, gate, backend: tf.getBackend() };
  } finally {
    base.dispose();
    candidate.dispose();
  }
}
