// Phantom CT series and single training samples, deterministic by seed.
import { resampleBilinear, resampleMask } from '../preprocess/resample';
import { FIELD_OF_VIEW_MM, randomAnatomy } from './anatomy';
import { DEFAULT_LESION_OPTIONS, Lesion, LesionOptions, randomLesion } from './lesion';
import { Prng, hashSeed } from './prng';
import { renderSlice } from './render';

export type SeriesLabel = 'lesion' | 'none';

export interface PhantomSeriesOptions {
  seed: number;
  /** Number of axial slices (default 32). */
  slices?: number;
  /** Rows = columns (default 512). */
  size?: number;
  /** Chance that the series holds at least one lesion (default 0.5). */
  lesionProbability?: number;
  /** Most lesions in a lesion-positive series (default 3). */
  maxLesions?: number;
  sliceThicknessMm?: number;
  /** Per-pixel noise SD in HU at 512² (default 12). */
  noiseHu?: number;
  lesion?: Partial<LesionOptions>;
}

export interface PhantomSlice {
  index: number;
  /** Position along the patient axis (mm). */
  zMm: number;
  /** size×size HU values, row-major. */
  hu: Int16Array;
  /** size×size ground truth: 1 = lesion. */
  mask: Uint8Array;
  hasLesion: boolean;
}

export interface PhantomSeries {
  seed: number;
  size: number;
  pixelSpacingMm: number;
  sliceThicknessMm: number;
  label: SeriesLabel;
  lesions: Lesion[];
  slices: PhantomSlice[];
}

function anyNonZero(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i]) return true;
  return false;
}

export function generatePhantomSeries(options: PhantomSeriesOptions): PhantomSeries {
  const sliceCount = options.slices ?? 32;
  const size = options.size ?? 512;
  const thickness = options.sliceThicknessMm ?? 3;
  const noiseHu = options.noiseHu ?? 12;
  const lesionOptions = { ...DEFAULT_LESION_OPTIONS, ...options.lesion };
  const rng = new Prng(options.seed);
  const anatomy = randomAnatomy(rng);
  const extentMm = (sliceCount - 1) * thickness;
  const z0 = rng.uniform(0, Math.max(0, anatomy.zLengthMm - extentMm));
  const lesions: Lesion[] = [];
  if (rng.chance(options.lesionProbability ?? 0.5)) {
    const count = rng.int(1, options.maxLesions ?? 3);
    // centres inside the covered range, so every lesion crosses at least one slice
    for (let n = 0; n < count; n++) lesions.push(randomLesion(rng, anatomy, z0 + rng.uniform(0.1, 0.9) * extentMm, lesionOptions));
  }
  const slices: PhantomSlice[] = [];
  for (let index = 0; index < sliceCount; index++) {
    const zMm = z0 + index * thickness;
    // each slice has its own noise stream: a slice is the same whether or not others are drawn
    const { hu, mask } = renderSlice(anatomy, lesions, zMm, size, noiseHu, new Prng(hashSeed(options.seed, index + 1)));
    slices.push({ index, zMm, hu, mask, hasLesion: anyNonZero(mask) });
  }
  return {
    seed: options.seed,
    size,
    pixelSpacingMm: FIELD_OF_VIEW_MM / size,
    sliceThicknessMm: thickness,
    label: slices.some((s) => s.hasLesion) ? 'lesion' : 'none',
    lesions,
    slices,
  };
}

export interface TrainingSample {
  /** size×size HU values at model resolution. */
  hu: Float32Array;
  mask: Uint8Array;
  hasLesion: boolean;
}

export interface TrainingSampleOptions {
  lesionProbability?: number;
  noiseHu?: number;
  lesion?: Partial<LesionOptions>;
}

/**
 * One slice rendered directly near model resolution: drawn at 2× size and bilinearly halved,
 * which gives the same noise level and partial-volume edges as a 512² series slice resampled
 * down with resampleBilinear, at a fraction of the cost.
 */
export function generateTrainingSample(seed: number, size = 128, options: TrainingSampleOptions = {}): TrainingSample {
  const rng = new Prng(hashSeed(seed, 0x5eed));
  const anatomy = randomAnatomy(rng);
  const z = rng.uniform(0, anatomy.zLengthMm);
  const lesions: Lesion[] = [];
  const lesionOptions = { ...DEFAULT_LESION_OPTIONS, ...options.lesion };
  if (rng.chance(options.lesionProbability ?? 0.5)) {
    const count = rng.chance(0.2) ? 2 : 1;
    for (let n = 0; n < count; n++) {
      const lesion = randomLesion(rng, anatomy, z, lesionOptions);
      // the slice cuts the blob anywhere along its height, as slices of a series do
      lesion.cz = z + rng.uniform(-0.9, 0.9) * lesion.halfHeightMm;
      lesions.push(lesion);
    }
  }
  const fine = size * 2;
  const rendered = renderSlice(anatomy, lesions, z, fine, options.noiseHu ?? 12, rng);
  const hu = resampleBilinear(rendered.hu, fine, fine, size, size);
  const mask = resampleMask(rendered.mask, fine, fine, size, size);
  return { hu, mask, hasLesion: anyNonZero(mask) };
}
