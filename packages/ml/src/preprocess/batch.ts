// Model input: slices resampled to the model size, windowed and packed as [N, H, W, 1].
import { PixelArray, resampleBilinear } from './resample';
import { HuWindow, SOFT_TISSUE_WINDOW, windowHu } from './window';

export interface SliceInput {
  hu: PixelArray;
  rows: number;
  columns: number;
}

export interface ModelBatch {
  data: Float32Array;
  shape: [number, number, number, 1];
}

/** Resample first (HU are linear, so interpolating them is exact), then window. */
export function preprocessSlice(slice: SliceInput, modelSize: number, window: HuWindow = SOFT_TISSUE_WINDOW): Float32Array {
  const hu = slice.rows === modelSize && slice.columns === modelSize
    ? slice.hu
    : resampleBilinear(slice.hu, slice.columns, slice.rows, modelSize, modelSize);
  return windowHu(hu, window);
}

/** Packs already-preprocessed size×size images into one NHWC buffer. */
export function batchImages(images: Float32Array[], size: number): ModelBatch {
  const pixels = size * size;
  const data = new Float32Array(images.length * pixels);
  images.forEach((image, n) => {
    if (image.length !== pixels) throw new Error(`batchImages: image ${n} has ${image.length} values, expected ${pixels}`);
    data.set(image, n * pixels);
  });
  return { data, shape: [images.length, size, size, 1] };
}

export function batchSlices(slices: SliceInput[], modelSize: number, window: HuWindow = SOFT_TISSUE_WINDOW): ModelBatch {
  return batchImages(slices.map((s) => preprocessSlice(s, modelSize, window)), modelSize);
}
