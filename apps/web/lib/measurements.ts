// Viewer measurements (Cornerstone3D annotations) as the review mutation takes them
// (SubmitReviewInput.measurements): the tool, the slice and frame, the points in image pixels
// (column, row) and the values the tool computed. Pure: the caller passes the annotations and
// the world → image conversion, so this runs (and is tested) without a browser.

export type MeasurementTool = 'LENGTH' | 'BIDIRECTIONAL' | 'ANGLE' | 'ELLIPTICAL_ROI' | 'RECTANGLE_ROI' | 'PROBE';

/** Cornerstone3D tool names (their static toolName) → our measurement tools. */
export const CORNERSTONE_TOOLS: Record<string, MeasurementTool> = {
  Length: 'LENGTH', Bidirectional: 'BIDIRECTIONAL', Angle: 'ANGLE', EllipticalROI: 'ELLIPTICAL_ROI', RectangleROI: 'RECTANGLE_ROI', Probe: 'PROBE',
};

export interface MeasurementInput {
  tool: MeasurementTool; sopInstanceUid: string; frame: number; points: number[][]; label?: string;
  lengthMm?: number; widthMm?: number; angleDeg?: number; areaMm2?: number; meanHu?: number; stdDevHu?: number; valueHu?: number;
}

/** What we read of a Cornerstone3D annotation. */
export interface AnnotationLike {
  metadata: { toolName: string; referencedImageId?: string };
  data: { handles?: { points?: number[][] }; cachedStats?: Record<string, Record<string, unknown>>; label?: string };
}

/** The slice a `wadors:` image id of ours shows: .../instances/{uid}/frames/{n}. */
export function frameOfImageId(imageId: string): { sopInstanceUid: string; frame: number } | null {
  const match = /\/instances\/([^/]+)\/frames\/(\d+)$/.exec(imageId);
  return match ? { sopInstanceUid: decodeURIComponent(match[1]), frame: Number(match[2]) } : null;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const round = (v: number | undefined, digits = 2) => (v === undefined ? undefined : Math.round(v * 10 ** digits) / 10 ** digits);

/**
 * One annotation as a measurement, or null when it is not one of our tools, not on an image of
 * ours, or incomplete (stats not computed yet). Lengths and areas only in mm / mm² (an image
 * without pixel spacing measures in pixels, which we do not save as mm).
 */
export function toMeasurement(annotation: AnnotationLike, worldToImage: (imageId: string, point: number[]) => number[]): MeasurementInput | null {
  const tool = CORNERSTONE_TOOLS[annotation.metadata.toolName];
  const imageId = annotation.metadata.referencedImageId;
  const points = annotation.data.handles?.points;
  if (!tool || !imageId || !points?.length) return null;
  const ref = frameOfImageId(imageId);
  if (!ref) return null;
  const stats = Object.values(annotation.data.cachedStats ?? {})[0] ?? {};
  const m: MeasurementInput = {
    tool, ...ref,
    points: points.map((p) => worldToImage(imageId, p).slice(0, 2).map((v) => Math.round(v * 100) / 100)),
  };
  if (annotation.data.label) m.label = annotation.data.label;
  const mm = stats.unit === 'mm';
  if (tool === 'LENGTH') {
    if (mm) m.lengthMm = round(num(stats.length));
  } else if (tool === 'BIDIRECTIONAL') {
    if (mm) { m.lengthMm = round(num(stats.length)); m.widthMm = round(num(stats.width)); }
  } else if (tool === 'ANGLE') {
    const angle = num(stats.angle);
    if (angle === undefined) return null;
    m.angleDeg = round(angle);
  } else if (tool === 'ELLIPTICAL_ROI' || tool === 'RECTANGLE_ROI') {
    if (stats.areaUnit === 'mm²' || stats.areaUnit === 'mm\u00b2') m.areaMm2 = round(num(stats.area));
    m.meanHu = round(num(stats.mean));
    m.stdDevHu = round(num(stats.stdDev));
  } else if (tool === 'PROBE') {
    m.valueHu = round(num(stats.value));
  }
  for (const k of Object.keys(m) as (keyof MeasurementInput)[]) if (m[k] === undefined) delete m[k];
  return m;
}

/** A one-line reading of a measurement for people ("Length 12.3 mm"). */
type Reading = { tool: MeasurementTool } & { [K in 'lengthMm' | 'widthMm' | 'angleDeg' | 'areaMm2' | 'meanHu' | 'stdDevHu' | 'valueHu']?: number | null };

export function describeMeasurement(m: Reading): string {
  const f = (v: number | undefined | null, unit: string) => (v == null ? null : `${v.toFixed(1)} ${unit}`);
  const parts: (string | null)[] =
    m.tool === 'LENGTH' ? ['Length', f(m.lengthMm, 'mm')]
      : m.tool === 'BIDIRECTIONAL' ? ['Bidirectional', f(m.lengthMm, 'mm'), m.widthMm == null ? null : `× ${f(m.widthMm, 'mm')}`]
        : m.tool === 'ANGLE' ? ['Angle', f(m.angleDeg, '°')]
          : m.tool === 'PROBE' ? ['Probe', f(m.valueHu, 'HU')]
            : [m.tool === 'ELLIPTICAL_ROI' ? 'Ellipse' : 'Rectangle', f(m.areaMm2, 'mm²'), m.meanHu == null ? null : `mean ${f(m.meanHu, 'HU')}`, m.stdDevHu == null ? null : `SD ${m.stdDevHu.toFixed(1)}`];
  return parts.filter(Boolean).join(' ');
}
