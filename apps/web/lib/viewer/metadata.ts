// The attributes the viewer needs from a series' DICOM JSON metadata (PS3.18 §F.2).

type DicomJsonValue = string | number | { Alphabetic?: string } | null;
export type DicomJsonInstance = Record<string, { vr: string; Value?: DicomJsonValue[] } | undefined>;

export interface InstanceMeta {
  sopInstanceUid: string;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  rescaleSlope: number;
  rescaleIntercept: number;
  windowCenter: number | null;
  windowWidth: number | null;
  /** Row spacing (between rows, vertical) then column spacing, mm; PS3.3 §10.7.1.3. */
  pixelSpacing: [number, number] | null;
  patientName: string | null;
  seriesDescription: string | null;
}

/** Tag keys are upper-case hex in PS3.18 §F.2.1.1, but some servers send lower case. */
function element(instance: DicomJsonInstance, tag: string) {
  return instance[tag] ?? instance[tag.toLowerCase()];
}

function first(instance: DicomJsonInstance, tag: string): DicomJsonValue | undefined {
  return element(instance, tag)?.Value?.[0];
}

function numberOf(instance: DicomJsonInstance, tag: string): number | null {
  const value = first(instance, tag);
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

function stringOf(instance: DicomJsonInstance, tag: string): string | null {
  const value = first(instance, tag);
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return value.Alphabetic ?? null; // PN (PS3.18 §F.2.2)
  return typeof value === 'number' ? String(value) : null;
}

export function instanceMeta(instance: DicomJsonInstance): InstanceMeta | null {
  const sopInstanceUid = stringOf(instance, '00080018');
  if (!sopInstanceUid) return null;
  const bitsAllocated = numberOf(instance, '00280100') ?? 16;
  const spacing = element(instance, '00280030')?.Value?.map(Number);
  return {
    sopInstanceUid,
    instanceNumber: numberOf(instance, '00200013'),
    rows: numberOf(instance, '00280010') ?? 0,
    columns: numberOf(instance, '00280011') ?? 0,
    bitsAllocated,
    bitsStored: numberOf(instance, '00280101') ?? bitsAllocated,
    pixelRepresentation: numberOf(instance, '00280103') ?? 0,
    samplesPerPixel: numberOf(instance, '00280002') ?? 1,
    photometricInterpretation: stringOf(instance, '00280004') ?? 'MONOCHROME2',
    rescaleSlope: numberOf(instance, '00281053') ?? 1,
    rescaleIntercept: numberOf(instance, '00281052') ?? 0,
    windowCenter: numberOf(instance, '00281050'),
    windowWidth: numberOf(instance, '00281051'),
    pixelSpacing: spacing && spacing.length >= 2 && spacing[0] > 0 && spacing[1] > 0 ? [spacing[0], spacing[1]] : null,
    patientName: stringOf(instance, '00100010'),
    seriesDescription: stringOf(instance, '0008103E'),
  };
}

/** Metadata by SOP Instance UID; entries without a SOP Instance UID are skipped. */
export function seriesMeta(instances: DicomJsonInstance[]): Map<string, InstanceMeta> {
  const bySop = new Map<string, InstanceMeta>();
  for (const instance of instances) {
    const meta = instanceMeta(instance);
    if (meta) bySop.set(meta.sopInstanceUid, meta);
  }
  return bySop;
}
