// The real labelled case in the corpus: the 3-slice CT (dcmqi ct-3slice) with its liver
// segmentation (pydicom-data/liver.dcm) as ground truth. The model looks for focal lesions, so a
// liver is out of distribution: the figures say how the model behaves on real CT, not its quality.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFrame, parseInstance, readSegmentation } from '@imaging/dicom';
import { batchImages, preprocessSlice, rescaleToHu, resampleMask, type InferenceEngine } from '@imaging/ml';

export interface RealCaseResult {
  slices: number;
  /** Liver pixels (SEG) per slice, model lesion pixels per slice (on the 512² grid). */
  truthArea: number[];
  predictedArea: number[];
  diceWithSeg: number;
  iouWithSeg: number;
  sliceProbabilities: number[];
  label: 'lesion' | 'none';
}

export async function evaluateRealCase(corpus: string, engine: InferenceEngine): Promise<RealCaseResult> {
  const seg = await readSegmentation(new Uint8Array(readFileSync(path.join(corpus, 'files/pydicom-data/liver.dcm'))));
  const slices = [];
  for (const name of ['01.dcm', '02.dcm', '03.dcm']) {
    const parsed = parseInstance(new Uint8Array(readFileSync(path.join(corpus, 'files/dcmqi/segmentations/ct-3slice', name))));
    const frame = await decodeFrame(parsed, 0);
    const hu = rescaleToHu(Float32Array.from(frame.pixels), parsed.instance.rescaleSlope ?? 1, parsed.instance.rescaleIntercept ?? 0);
    const truth = seg.frames.find((f) => f.referencedSopInstanceUid === parsed.sopInstanceUid);
    if (!truth) throw new Error(`the SEG has no frame for ${name}`);
    slices.push({ rows: frame.rows, columns: frame.columns, image: preprocessSlice({ hu, rows: frame.rows, columns: frame.columns }, engine.inputSize), truth: truth.mask });
  }
  const prediction = await engine.predict(batchImages(slices.map((s) => s.image), engine.inputSize));
  let inter = 0, predicted = 0, truthTotal = 0;
  const truthArea: number[] = [];
  const predictedArea: number[] = [];
  slices.forEach((s, i) => {
    const mask = resampleMask(prediction.masks[i], engine.inputSize, engine.inputSize, s.columns, s.rows);
    let a = 0, b = 0;
    for (let p = 0; p < mask.length; p++) { inter += mask[p] & s.truth[p]; a += mask[p]; b += s.truth[p]; }
    predicted += a; truthTotal += b;
    predictedArea.push(a); truthArea.push(b);
  });
  const score = Math.max(...prediction.probabilities);
  return {
    slices: slices.length, truthArea, predictedArea,
    diceWithSeg: predicted + truthTotal ? (2 * inter) / (predicted + truthTotal) : 1,
    iouWithSeg: predicted + truthTotal - inter ? inter / (predicted + truthTotal - inter) : 1,
    sliceProbabilities: prediction.probabilities.map((p) => +p.toFixed(4)),
    label: score >= 0.5 ? 'lesion' : 'none',
  };
}
