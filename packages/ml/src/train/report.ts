// Held-out evaluation of the trained model and its quantised variants, written next to the
// weights as metrics.json: quality, size, throughput and agreement with the full model.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { addMaskCounts, diceFromCounts, emptyCounts } from '../metrics/segmentation';
import { loadModelFromArtifacts, modelDirSizeBytes, readArtifacts, writeArtifacts, writeJson } from '../model/io';
import { measureThroughput } from '../quantize/benchmark';
import { QuantizationKind, quantizeArtifacts } from '../quantize/quantize';
import { heldOutImages } from './data';
import { EvaluationResult, evaluate } from './evaluate';

/** Held-out phantom series: generatePhantomSeries seeds, disjoint from training-sample streams. */
export const HELD_OUT_SEEDS = Array.from({ length: 12 }, (_, i) => 900_001 + i);
export const HELD_OUT_SLICES = 32;
export const THROUGHPUT_BATCH_SIZES = [1, 4, 8];

export interface ReportContext {
  backend: string;
  training: Record<string, unknown>;
  reportOnly: boolean;
}

/** Agreement of a variant with the full model on the same slices. */
export interface Agreement {
  /** Dice between the two models' masks, pooled over all slices. */
  maskDice: number;
  maxProbabilityDifference: number;
  /** Fraction of slices given the same class at 0.5. */
  labelAgreement: number;
}

export function agreement(reference: EvaluationResult, variant: EvaluationResult): Agreement {
  const counts = emptyCounts();
  let maxDiff = 0;
  let sameLabel = 0;
  reference.masks.forEach((mask, i) => {
    addMaskCounts(counts, variant.masks[i], mask);
    maxDiff = Math.max(maxDiff, Math.abs(variant.probabilities[i] - reference.probabilities[i]));
    if ((variant.probabilities[i] >= 0.5) === (reference.probabilities[i] >= 0.5)) sameLabel++;
  });
  return { maskDice: diceFromCounts(counts), maxProbabilityDifference: maxDiff, labelAgreement: sameLabel / reference.masks.length };
}

function summary(result: EvaluationResult): Omit<EvaluationResult, 'masks' | 'probabilities'> {
  const { masks: _masks, probabilities: _probabilities, ...rest } = result;
  return rest;
}

export async function writeReport(model: tf.LayersModel, dir: string, context: ReportContext): Promise<void> {
  const size = model.inputs[0].shape[1] as number;
  const images = heldOutImages({ seeds: HELD_OUT_SEEDS, slicesPerSeries: HELD_OUT_SLICES, modelSize: size });
  const full = await evaluate(model, images);
  const variants: Record<string, unknown> = {
    float32: {
      sizeBytes: await modelDirSizeBytes(dir),
      throughput: await measureThroughput(model, THROUGHPUT_BATCH_SIZES),
      metrics: summary(full),
    },
  };
  console.log(JSON.stringify(variants.float32, null, 2));
  const artifacts = await readArtifacts(dir);
  for (const kind of ['float16', 'uint8'] as QuantizationKind[]) {
    const variantDir = path.join(dir, kind);
    const quantized = quantizeArtifacts(artifacts, kind);
    await writeArtifacts(variantDir, quantized, { quantization: kind });
    const variantModel = await loadModelFromArtifacts(quantized);
    const result = await evaluate(variantModel, images);
    variants[kind] = {
      sizeBytes: await modelDirSizeBytes(variantDir),
      throughput: await measureThroughput(variantModel, THROUGHPUT_BATCH_SIZES),
      agreementWithFloat32: agreement(full, result),
      metrics: summary(result),
    };
    console.log(kind, JSON.stringify(variants[kind], null, 2));
    variantModel.dispose();
  }
  await writeJson(path.join(dir, 'metrics.json'), {
    heldOut: { generator: 'generatePhantomSeries', seeds: HELD_OUT_SEEDS, slicesPerSeries: HELD_OUT_SLICES, seriesSize: 512, modelSize: size },
    backend: context.backend,
    training: context.training,
    variants,
  });
}
