// HU windowing: maps [center - width/2, center + width/2] to [0, 1], clamping outside.
import { PixelArray } from './resample';

export interface HuWindow {
  center: number;
  width: number;
}

/** Soft-tissue window: lesions in liver, spleen and lungs stay distinguishable. */
export const SOFT_TISSUE_WINDOW: HuWindow = { center: 40, width: 400 };

export function windowHu(hu: PixelArray, window: HuWindow = SOFT_TISSUE_WINDOW): Float32Array {
  if (window.width <= 0) throw new Error('windowHu: width must be positive');
  const low = window.center - window.width / 2;
  const out = new Float32Array(hu.length);
  for (let i = 0; i < hu.length; i++) {
    const v = (hu[i] - low) / window.width;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** Raw stored values to HU (PS3.3 C.7.6.16.2.11: HU = stored × RescaleSlope + RescaleIntercept). */
export function rescaleToHu(stored: PixelArray, slope = 1, intercept = 0): Float32Array {
  const out = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) out[i] = stored[i] * slope + intercept;
  return out;
}
