// Held-out evaluation: segmentation overlap (pooled over all slices, and per lesion slice / per
// series), and slice classification (threshold 0.5) with ROC AUC.
import * as tf from '@tensorflow/tfjs';
import { Prediction, predictBatch } from '../infer/predict';
import { ClassificationMetrics, classificationMetrics } from '../metrics/classification';
import {
  ConfusionCounts, addMaskCounts, diceFromCounts, emptyCounts, iouFromCounts, maskCounts, precisionFromCounts, recallFromCounts,
} from '../metrics/segmentation';
import { ModelBatch, batchImages } from '../preprocess/batch';
import { LabelledImage } from './data';

export interface SegmentationMetrics {
  /** Pooled over every pixel of every held-out slice. */
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  /** Mean Dice over slices whose ground truth holds a lesion. */
  meanSliceDiceLesionSlices: number;
  /** Mean 3-D Dice over lesion-positive series (needs seriesIndex). */
  meanSeriesDice: number;
  counts: ConfusionCounts;
}

export interface EvaluationResult {
  segmentation: SegmentationMetrics;
  classification: ClassificationMetrics;
  slices: number;
  lesionSlices: number;
  /** Predicted masks, in the order of the input (for agreement between model variants). */
  masks: Uint8Array[];
  probabilities: number[];
}

export async function evaluate(model: tf.LayersModel, images: LabelledImage[], batchSize = 8): Promise<EvaluationResult> {
  return evaluatePredictor((batch) => predictBatch(model, batch), model.inputs[0].shape[1] as number, images, batchSize);
}

/** The same evaluation for any predictor (an uploaded model package's, see package/load.ts). */
export async function evaluatePredictor(predict: (batch: ModelBatch) => Promise<Prediction>, size: number, images: LabelledImage[], batchSize = 8): Promise<EvaluationResult> {
  const masks: Uint8Array[] = [];
  const probabilities: number[] = [];
  for (let i = 0; i < images.length; i += batchSize) {
    const chunk = images.slice(i, i + batchSize);
    const prediction = await predict(batchImages(chunk.map((s) => s.image), size));
    masks.push(...prediction.masks);
    probabilities.push(...prediction.probabilities);
  }
  const pooled = emptyCounts();
  const perSeries = new Map<number, ConfusionCounts>();
  const lesionSliceDice: number[] = [];
  images.forEach((s, i) => {
    addMaskCounts(pooled, masks[i], s.mask);
    if (s.hasLesion) lesionSliceDice.push(diceFromCounts(maskCounts(masks[i], s.mask)));
    if (s.seriesIndex !== undefined) {
      const counts = perSeries.get(s.seriesIndex) ?? emptyCounts();
      perSeries.set(s.seriesIndex, addMaskCounts(counts, masks[i], s.mask));
    }
  });
  const seriesDice = [...perSeries.values()]
    .filter((c) => c.truePositive + c.falseNegative > 0)
    .map(diceFromCounts);
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
  return {
    segmentation: {
      dice: diceFromCounts(pooled),
      iou: iouFromCounts(pooled),
      precision: precisionFromCounts(pooled),
      recall: recallFromCounts(pooled),
      meanSliceDiceLesionSlices: mean(lesionSliceDice),
      meanSeriesDice: mean(seriesDice),
      counts: pooled,
    },
    classification: classificationMetrics(probabilities, images.map((s) => s.hasLesion)),
    slices: images.length,
    lesionSlices: lesionSliceDice.length,
    masks,
    probabilities,
  };
}
