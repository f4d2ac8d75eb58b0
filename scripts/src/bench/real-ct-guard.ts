// The domain guard's verdict on every real CT series of the corpus: the input check (header and
// HU statistics, what the pipeline acts on) and, for the record, the output check on what the
// model would have marked had it been run anyway.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFrame, parseInstance } from '@imaging/dicom';
import {
  batchImages, checkSeriesInput, checkSeriesOutput, PHANTOM_CT_DOMAIN, preprocessSlice, rescaleToHu, sliceStatistics,
  type InferenceEngine, type SliceDescription,
} from '@imaging/ml';
import { readManifest } from '@imaging/testing';

export interface RealCtVerdict {
  series: string; files: string[]; slices: number; bodyPart: string | null;
  inputInDomain: boolean; reasonCodes: string[]; reason: string;
  fieldOfViewMm: [number, number] | null;
  statistics: Record<string, number>;
  /** What the output check says of the model's masks (the pipeline never runs the model here). */
  outputInDomain: boolean; maxSliceMaskFraction: number;
}

export async function realCtGuard(corpus: string, engine: InferenceEngine): Promise<RealCtVerdict[]> {
  const rows = readManifest().filter((r) => r.expect === 'ok' && r.modality === 'CT' && r.frames === '1' && r.photometric.startsWith('MONOCHROME'));
  const bySeries = new Map<string, { files: string[]; sops: Set<string>; bodyPart: string | null; slices: SliceDescription[]; images: Float32Array[] }>();
  for (const row of rows) {
    const parsed = parseInstance(new Uint8Array(readFileSync(path.join(corpus, row.path))));
    const series = bySeries.get(parsed.seriesInstanceUid) ?? { files: [], sops: new Set<string>(), bodyPart: parsed.series.bodyPartExamined, slices: [], images: [] };
    bySeries.set(parsed.seriesInstanceUid, series);
    if (series.sops.has(parsed.sopInstanceUid)) continue; // the same instance in another encoding
    series.sops.add(parsed.sopInstanceUid);
    series.files.push(row.path.replace(/^files\//, ''));
    const frame = await decodeFrame(parsed, 0);
    const hu = rescaleToHu(Float32Array.from(frame.pixels), parsed.instance.rescaleSlope ?? 1, parsed.instance.rescaleIntercept ?? 0);
    series.slices.push({ rows: frame.rows, columns: frame.columns, pixelSpacingMm: parsed.instance.pixelSpacing, sliceThicknessMm: parsed.instance.sliceThickness, statistics: sliceStatistics(hu, frame.rows, frame.columns) });
    series.images.push(preprocessSlice({ hu, rows: frame.rows, columns: frame.columns }, engine.inputSize));
  }
  const out: RealCtVerdict[] = [];
  for (const [uid, s] of bySeries) {
    const input = checkSeriesInput(PHANTOM_CT_DOMAIN, engine.inputSize, { modality: 'CT', bodyPartExamined: s.bodyPart }, s.slices);
    const prediction = await engine.predict(batchImages(s.images, engine.inputSize));
    const output = checkSeriesOutput(PHANTOM_CT_DOMAIN, prediction.masks);
    const pick = ['bodyFraction', 'outsideNonAirFraction', 'band.intermediate', 'band.air', 'meanHu', 'p95Hu'];
    out.push({
      series: uid, files: s.files, slices: s.slices.length, bodyPart: s.bodyPart, inputInDomain: input.inDomain,
      reasonCodes: input.reasons.map((r) => r.code), reason: input.reasons.map((r) => r.message).join('; '), fieldOfViewMm: input.fieldOfViewMm,
      statistics: Object.fromEntries(pick.map((name) => [name, input.statistics[name].median])),
      outputInDomain: output.inDomain, maxSliceMaskFraction: output.maxSliceMaskFraction,
    });
  }
  return out;
}
