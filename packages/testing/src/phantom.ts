// Phantom CT studies as real DICOM files (the ml generator's HU and ground truth, written by the
// dicom Part 10 writer): training, tests and demo data all come from here.
import { syntheticCtSeries } from '@imaging/dicom';
import { generatePhantomSeries, type PhantomSeries, type PhantomSeriesOptions } from '@imaging/ml';

export interface PhantomStudy {
  files: Buffer[];
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Ground truth, slice i ↔ files[i]. */
  series: PhantomSeries;
}

export function phantomStudy(options: PhantomSeriesOptions & { patientName?: string; patientId?: string; studyDescription?: string }): PhantomStudy {
  const series = generatePhantomSeries(options);
  const written = syntheticCtSeries({
    seed: options.seed, slices: series.slices.length, size: series.size,
    patientName: options.patientName ?? `PHANTOM^CASE${options.seed}`, patientId: options.patientId ?? `PHM${options.seed}`,
    studyDescription: options.studyDescription ?? 'CT ABDOMEN PHANTOM', seriesDescription: `PHANTOM ${series.label.toUpperCase()} ${series.sliceThicknessMm} MM`,
    pixelSpacingMm: series.pixelSpacingMm, sliceThicknessMm: series.sliceThicknessMm,
    sliceHu: (i) => series.slices[i].hu,
  });
  return { ...written, series };
}
