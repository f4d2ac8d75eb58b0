// Patient anatomy in millimetres, independent of the pixel grid, so one phantom can be rendered
// at 512² (the series) or directly at model resolution (training samples).
// z runs from the lung apex (0 mm) to the lower abdomen (~400 mm).
import { Prng } from './prng';

/** Typical attenuation (HU) of the tissues drawn. */
export const HU = {
  air: -1000, lung: -850, fat: -100, muscle: 45, softTissue: 35, liver: 60, spleen: 50,
  kidney: 150, aorta: 170, heart: 45, cancellousBone: 250, corticalBone: 900,
} as const;

export interface Ellipse {
  cx: number; cy: number; rx: number; ry: number; hu: number;
  /** z extent (mm) of the organ; its in-plane size shrinks towards both ends. */
  z0: number; z1: number;
}

export interface Anatomy {
  body: { rx: number; ry: number; fatMm: number; muscleMm: number };
  /** Drawn in order; later organs cover earlier ones. */
  organs: Ellipse[];
  spine: { cy: number; r: number };
  ribsZ: [number, number];
  zLengthMm: number;
}

export const FIELD_OF_VIEW_MM = 360;

/** Random but plausible anatomy: sizes and positions vary by seed. */
export function randomAnatomy(rng: Prng): Anatomy {
  const rx = rng.uniform(135, 165);
  const ry = rng.uniform(95, 120);
  const lungZ1 = rng.uniform(200, 240);
  const organs: Ellipse[] = [
    { cx: -rx * 0.45, cy: -ry * 0.1, rx: rx * 0.32, ry: ry * 0.6, hu: HU.lung, z0: 0, z1: lungZ1 },
    { cx: rx * 0.45, cy: -ry * 0.1, rx: rx * 0.3, ry: ry * 0.58, hu: HU.lung, z0: 10, z1: lungZ1 - 10 },
    { cx: rx * 0.08, cy: -ry * 0.25, rx: rx * 0.25, ry: ry * 0.35, hu: HU.heart, z0: 90, z1: 200 },
    { cx: -rx * 0.3, cy: -ry * 0.05, rx: rx * rng.uniform(0.4, 0.5), ry: ry * rng.uniform(0.55, 0.7), hu: HU.liver + rng.uniform(-10, 10), z0: lungZ1 - 40, z1: lungZ1 + 150 },
    { cx: rx * 0.55, cy: ry * 0.2, rx: rx * 0.16, ry: ry * 0.3, hu: HU.spleen, z0: lungZ1 - 20, z1: lungZ1 + 90 },
    { cx: -rx * 0.35, cy: ry * 0.45, rx: rx * 0.1, ry: ry * 0.16, hu: HU.kidney, z0: lungZ1 + 50, z1: lungZ1 + 160 },
    { cx: rx * 0.35, cy: ry * 0.45, rx: rx * 0.1, ry: ry * 0.16, hu: HU.kidney, z0: lungZ1 + 40, z1: lungZ1 + 150 },
    { cx: rx * 0.06, cy: ry * 0.42, rx: 12, ry: 12, hu: HU.aorta, z0: 0, z1: 1000 },
  ];
  for (const organ of organs) {
    organ.cx += rng.uniform(-6, 6);
    organ.cy += rng.uniform(-6, 6);
  }
  return {
    body: { rx, ry, fatMm: rng.uniform(8, 25), muscleMm: rng.uniform(8, 14) },
    organs,
    spine: { cy: ry * 0.7, r: rng.uniform(16, 22) },
    ribsZ: [20, lungZ1 + 30],
    zLengthMm: 400,
  };
}

/** In-plane scale of an organ at height z: 1 in the middle, shrinking to 0 at its ends. */
export function organScaleAt(organ: Ellipse, z: number): number {
  if (z <= organ.z0 || z >= organ.z1) return 0;
  const t = (2 * (z - organ.z0)) / (organ.z1 - organ.z0) - 1;
  return Math.sqrt(Math.max(0, 1 - t ** 8));
}

/** Tissue HU at point (x, y) mm on slice z, without lesions or noise. */
export function tissueAt(anatomy: Anatomy, x: number, y: number, z: number): number {
  const { body } = anatomy;
  const outer = (x / body.rx) ** 2 + (y / body.ry) ** 2;
  if (outer > 1) return HU.air;
  const fatRx = body.rx - body.fatMm;
  const fatRy = body.ry - body.fatMm;
  if ((x / fatRx) ** 2 + (y / fatRy) ** 2 > 1) return HU.fat;
  const innerRx = fatRx - body.muscleMm;
  const innerRy = fatRy - body.muscleMm;
  const inner = (x / innerRx) ** 2 + (y / innerRy) ** 2;
  if (inner > 1) {
    // ribs: bone sections in the muscle ring over the chest
    if (z > anatomy.ribsZ[0] && z < anatomy.ribsZ[1] && y < body.ry * 0.5) {
      const angle = Math.atan2(y, x);
      if (Math.abs(Math.sin(angle * 9)) < 0.18 && inner < 1.12) return HU.corticalBone * 0.8;
    }
    return HU.muscle;
  }
  const { spine } = anatomy;
  const spineD = Math.hypot(x, y - spine.cy);
  if (spineD < spine.r) return spineD > spine.r - 3 ? HU.corticalBone : HU.cancellousBone;
  let hu: number = HU.softTissue;
  for (const organ of anatomy.organs) {
    const scale = organScaleAt(organ, z);
    if (scale === 0) continue;
    if (((x - organ.cx) / (organ.rx * scale)) ** 2 + ((y - organ.cy) / (organ.ry * scale)) ** 2 <= 1) hu = organ.hu;
  }
  return hu;
}

/** True where the body (not surrounding air) is. */
export function insideBody(anatomy: Anatomy, x: number, y: number): boolean {
  return (x / anatomy.body.rx) ** 2 + (y / anatomy.body.ry) ** 2 <= 1;
}
