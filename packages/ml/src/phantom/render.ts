// Rasterises anatomy + lesions on one axial slice: HU with scanner-like noise, and the
// ground-truth lesion mask on the same grid.
import { Anatomy, FIELD_OF_VIEW_MM, HU, insideBody, tissueAt } from './anatomy';
import { Lesion, insideLesion, lesionRadiusAt } from './lesion';
import { Prng } from './prng';

export interface RenderedSlice {
  hu: Int16Array;
  mask: Uint8Array;
}

// CT values stored as signed 16-bit with the usual -1024 floor and 12-bit range.
const HU_MIN = -1024;
const HU_MAX = 3071;

/**
 * Renders slice z at size×size pixels over the fixed field of view. noiseHu is the standard
 * deviation of the per-pixel noise; rng supplies it, so the caller controls determinism.
 */
export function renderSlice(anatomy: Anatomy, lesions: Lesion[], z: number, size: number, noiseHu: number, rng: Prng): RenderedSlice {
  const hu = new Int16Array(size * size);
  const mask = new Uint8Array(size * size);
  const spacing = FIELD_OF_VIEW_MM / size;
  const active = lesions
    .map((lesion) => ({ lesion, r: lesionRadiusAt(lesion, z) }))
    .filter((entry) => entry.r > 0);
  for (let row = 0; row < size; row++) {
    const y = (row + 0.5) * spacing - FIELD_OF_VIEW_MM / 2;
    for (let col = 0; col < size; col++) {
      const x = (col + 0.5) * spacing - FIELD_OF_VIEW_MM / 2;
      const i = row * size + col;
      let value = tissueAt(anatomy, x, y, z);
      if (value !== HU.air || insideBody(anatomy, x, y)) {
        for (const { lesion, r } of active) {
          // bounding-box test first: most pixels are far from every lesion
          if (Math.abs(x - lesion.cx) > r * 1.3 || Math.abs(y - lesion.cy) > r * 1.3) continue;
          if (insideLesion(lesion, r, x, y)) {
            value = lesion.hu;
            mask[i] = 1;
          }
        }
      }
      // air outside the body is nearly noise-free on real scanners; tissue carries the noise
      const noise = value === HU.air ? rng.gaussian() * noiseHu * 0.2 : rng.gaussian() * noiseHu;
      hu[i] = Math.max(HU_MIN, Math.min(HU_MAX, Math.round(value + noise)));
    }
  }
  return { hu, mask };
}
