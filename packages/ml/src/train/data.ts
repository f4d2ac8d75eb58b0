// Training and held-out data from the phantom generator.
import { generatePhantomSeries, generateTrainingSample } from '../phantom/series';
import { preprocessSlice } from '../preprocess/batch';
import { resampleMask } from '../preprocess/resample';
import { HuWindow, SOFT_TISSUE_WINDOW, windowHu } from '../preprocess/window';

export interface LabelledImage {
  /** Preprocessed model input (size×size, windowed to [0, 1]). */
  image: Float32Array;
  mask: Uint8Array;
  hasLesion: boolean;
  /** Series the slice came from (held-out sets), for 3-D metrics. */
  seriesIndex?: number;
}

export function trainingImages(firstSeed: number, count: number, size: number, window: HuWindow = SOFT_TISSUE_WINDOW): LabelledImage[] {
  const out: LabelledImage[] = [];
  for (let i = 0; i < count; i++) {
    const sample = generateTrainingSample(firstSeed + i, size);
    out.push({ image: windowHu(sample.hu, window), mask: sample.mask, hasLesion: sample.hasLesion });
  }
  return out;
}

export interface HeldOutOptions {
  /** Series seeds; keep them disjoint from anything used in training. */
  seeds: number[];
  slicesPerSeries: number;
  modelSize: number;
  /** Series resolution before resampling (default 512, as a scanner would give). */
  seriesSize?: number;
  window?: HuWindow;
}

/** Full-resolution phantom series, resampled to model size the way inference does it. */
export function heldOutImages(options: HeldOutOptions): LabelledImage[] {
  const seriesSize = options.seriesSize ?? 512;
  const out: LabelledImage[] = [];
  options.seeds.forEach((seed, seriesIndex) => {
    const series = generatePhantomSeries({ seed, slices: options.slicesPerSeries, size: seriesSize });
    for (const slice of series.slices) {
      const image = preprocessSlice({ hu: slice.hu, rows: seriesSize, columns: seriesSize }, options.modelSize, options.window);
      const mask = resampleMask(slice.mask, seriesSize, seriesSize, options.modelSize, options.modelSize);
      out.push({ image, mask, hasLesion: mask.some((v) => v !== 0), seriesIndex });
    }
  });
  return out;
}
