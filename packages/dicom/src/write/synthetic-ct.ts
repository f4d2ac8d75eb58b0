// Synthetic CT series (16-bit signed, HU via rescale intercept): deterministic by seed, for demo
// data and ingest/storage benchmarks. Realistic enough to compress like CT (noise, body, bone).
import { writePart10, type Element } from './part10-writer';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const UID_ROOT = '2.25';

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A DICOM UID under 2.25 (PS3.5 §B.2) derived from the seed and a path, so series are reproducible. */
export function seededUid(seed: number, ...path: number[]): string {
  const rnd = prng(seed * 7919 + path.reduce((a, b) => a * 131 + b, 17));
  let digits = String(1 + Math.floor(rnd() * 9));
  while (digits.length < 30) digits += String(Math.floor(rnd() * 10));
  return `${UID_ROOT}.${digits}${path.length ? '.' + path.join('.') : ''}`;
}

export interface SyntheticSeriesOptions {
  seed: number;
  slices: number;
  size?: number;
  patientName?: string;
  patientId?: string;
  studyDescription?: string;
  accessionNumber?: string;
  studyDate?: string;
  seriesDescription?: string;
  /** In-plane pixel spacing (default 0.9765625 mm, a 500 mm field of view at 512²). */
  pixelSpacingMm?: number;
  /** Slice thickness and spacing (default 1.25 mm). */
  sliceThicknessMm?: number;
  /** Pixel values in HU per slice; by default a simple body phantom with noise. */
  sliceHu?: (index: number, size: number) => Int16Array;
}

export function phantomSliceHu(seed: number, index: number, size: number): Int16Array {
  const rnd = prng(seed * 100_003 + index);
  const out = new Int16Array(size * size);
  const c = size / 2;
  const rx = size * 0.42;
  const ry = size * 0.32;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x - c) / rx;
      const dy = (y - c) / ry;
      const r = dx * dx + dy * dy;
      let hu = -1000;
      if (r < 1) hu = r > 0.85 ? -80 : 40; // fat ring, soft tissue
      const sx = (x - c) / (size * 0.06);
      const sy = (y - c - ry * 0.6) / (size * 0.05);
      if (sx * sx + sy * sy < 1) hu = 700; // vertebra
      const lx = (Math.abs(x - c) - size * 0.18) / (size * 0.12);
      const ly = (y - c + size * 0.02) / (size * 0.18);
      if (lx * lx + ly * ly < 1) hu = -850; // lungs
      out[y * size + x] = Math.round(hu + (r < 1 ? (rnd() - 0.5) * 40 : (rnd() - 0.5) * 6));
    }
  }
  return out;
}

export function syntheticCtSeries(options: SyntheticSeriesOptions): { files: Buffer[]; studyInstanceUid: string; seriesInstanceUid: string } {
  const size = options.size ?? 512;
  const studyInstanceUid = seededUid(options.seed, 1);
  const seriesInstanceUid = seededUid(options.seed, 1, 2);
  const files: Buffer[] = [];
  for (let i = 0; i < options.slices; i++) {
    const hu = options.sliceHu ? options.sliceHu(i, size) : phantomSliceHu(options.seed, i, size);
    const stored = new Int16Array(hu.length);
    for (let k = 0; k < hu.length; k++) stored[k] = hu[k] + 1024; // RescaleIntercept -1024
    const sopInstanceUid = seededUid(options.seed, 1, 2, i + 1);
    const thickness = options.sliceThicknessMm ?? 1.25;
    const spacing = String(options.pixelSpacingMm ?? 0.9765625);
    const z = -i * thickness;
    const dataset: Element[] = [
      { tag: 0x00080016, vr: 'UI', value: CT_IMAGE_STORAGE },
      { tag: 0x00080018, vr: 'UI', value: sopInstanceUid },
      { tag: 0x00080020, vr: 'DA', value: options.studyDate ?? '20261101' },
      { tag: 0x00080030, vr: 'TM', value: '101500' },
      { tag: 0x00080050, vr: 'SH', value: options.accessionNumber ?? `ACC${options.seed}` },
      { tag: 0x00080060, vr: 'CS', value: 'CT' },
      { tag: 0x00081030, vr: 'LO', value: options.studyDescription ?? 'CT CHEST SYNTHETIC' },
      { tag: 0x0008103e, vr: 'LO', value: options.seriesDescription ?? `AXIAL ${thickness}` },
      { tag: 0x00100010, vr: 'PN', value: options.patientName ?? `PHANTOM^SEED${options.seed}` },
      { tag: 0x00100020, vr: 'LO', value: options.patientId ?? `PH${options.seed}` },
      { tag: 0x00100030, vr: 'DA', value: '19700101' },
      { tag: 0x00100040, vr: 'CS', value: 'O' },
      { tag: 0x00180050, vr: 'DS', value: String(thickness) },
      { tag: 0x0020000d, vr: 'UI', value: studyInstanceUid },
      { tag: 0x0020000e, vr: 'UI', value: seriesInstanceUid },
      { tag: 0x00200010, vr: 'SH', value: String(options.seed) },
      { tag: 0x00200011, vr: 'IS', value: '1' },
      { tag: 0x00200013, vr: 'IS', value: String(i + 1) },
      { tag: 0x00200032, vr: 'DS', value: [String(-(size * Number(spacing)) / 2), String(-(size * Number(spacing)) / 2), z.toFixed(2)] },
      { tag: 0x00200037, vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] },
      // Frame of Reference (PS3.3 C.7.4.1, Type 1 for CT): a SEG over the series places its frames in it
      { tag: 0x00200052, vr: 'UI', value: seededUid(options.seed, 1, 3) },
      { tag: 0x00280002, vr: 'US', value: 1 },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: size },
      { tag: 0x00280011, vr: 'US', value: size },
      { tag: 0x00280030, vr: 'DS', value: [spacing, spacing] },
      { tag: 0x00280100, vr: 'US', value: 16 },
      { tag: 0x00280101, vr: 'US', value: 16 },
      { tag: 0x00280102, vr: 'US', value: 15 },
      { tag: 0x00280103, vr: 'US', value: 1 },
      { tag: 0x00281050, vr: 'DS', value: '40' },
      { tag: 0x00281051, vr: 'DS', value: '400' },
      { tag: 0x00281052, vr: 'DS', value: '-1024' },
      { tag: 0x00281053, vr: 'DS', value: '1' },
      { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength) },
    ];
    files.push(writePart10(dataset, { sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid }));
  }
  return { files, studyInstanceUid, seriesInstanceUid };
}
