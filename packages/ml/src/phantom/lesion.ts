// Lesions: lobulated 3-D ellipsoids with their own attenuation, placed inside the body.
import { Anatomy, HU, insideBody, tissueAt } from './anatomy';
import { Prng } from './prng';

export interface Lesion {
  /** Centre in mm (z measured along the patient axis, like the anatomy). */
  cx: number; cy: number; cz: number;
  /** In-plane radius and half-height in mm. */
  radiusMm: number; halfHeightMm: number;
  /** Attenuation of the lesion itself. */
  hu: number;
  /** Contrast against the tissue at its centre (HU), as drawn. */
  contrastHu: number;
  /** Lobulation: r(θ) = R·(1 + lobeAmplitude·cos(lobes·θ + lobePhase)). */
  lobes: number; lobeAmplitude: number; lobePhase: number;
}

export interface LesionOptions {
  radiusMm: [number, number];
  /** Absolute contrast range for soft-tissue lesions; the sign (hypo/hyper) is random. */
  contrastHu: [number, number];
}

export const DEFAULT_LESION_OPTIONS: LesionOptions = { radiusMm: [8, 28], contrastHu: [30, 110] };

/** Places one lesion centred at height cz, inside the body's soft tissue or lungs (not bone). */
export function randomLesion(rng: Prng, anatomy: Anatomy, cz: number, options: LesionOptions): Lesion {
  const radiusMm = rng.uniform(options.radiusMm[0], options.radiusMm[1]);
  let cx = 0;
  let cy = 0;
  let background: number = HU.softTissue;
  for (let attempt = 0; attempt < 200; attempt++) {
    cx = rng.uniform(-anatomy.body.rx, anatomy.body.rx) * 0.75;
    cy = rng.uniform(-anatomy.body.ry, anatomy.body.ry) * 0.75;
    background = tissueAt(anatomy, cx, cy, cz);
    const inner = (cx / (anatomy.body.rx - anatomy.body.fatMm - anatomy.body.muscleMm - radiusMm * 0.5)) ** 2
      + (cy / (anatomy.body.ry - anatomy.body.fatMm - anatomy.body.muscleMm - radiusMm * 0.5)) ** 2;
    if (inner < 1 && insideBody(anatomy, cx, cy) && background < HU.cancellousBone - 50 && background !== HU.aorta) break;
  }
  // lung nodules are solid tissue in air-filled lung; elsewhere hypo- or hyper-attenuating
  const magnitude = rng.uniform(options.contrastHu[0], options.contrastHu[1]);
  const hu = background === HU.lung ? rng.uniform(-20, 60) : background + (rng.chance(0.5) ? -magnitude : magnitude);
  return {
    cx, cy, cz, radiusMm, halfHeightMm: radiusMm * rng.uniform(0.7, 1.2), hu,
    contrastHu: hu - background,
    lobes: rng.int(2, 5), lobeAmplitude: rng.uniform(0, 0.2), lobePhase: rng.uniform(0, 2 * Math.PI),
  };
}

/** In-plane radius (mm) of a lesion's cross-section at height z; 0 when the slice misses it. */
export function lesionRadiusAt(lesion: Lesion, z: number): number {
  const t = (z - lesion.cz) / lesion.halfHeightMm;
  return Math.abs(t) >= 1 ? 0 : lesion.radiusMm * Math.sqrt(1 - t * t);
}

/** Whether (x, y) lies inside the lesion's cross-section of radius r. */
export function insideLesion(lesion: Lesion, r: number, x: number, y: number): boolean {
  const dx = x - lesion.cx;
  const dy = y - lesion.cy;
  const rr = r * (1 + lesion.lobeAmplitude * Math.cos(lesion.lobes * Math.atan2(dy, dx) + lesion.lobePhase));
  return dx * dx + dy * dy <= rr * rr;
}
