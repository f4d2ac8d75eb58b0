// Measurements a reader makes in the viewer (issue 17): length, bidirectional, angle, elliptical
// and rectangle ROI, probe. They are saved with the review decision, in its transaction, and seen
// by whoever may see that decision (a second reader only after their own read, see
// firstReadHidden). Points are image pixel coordinates (column, row) on one frame of an instance
// of the task's series; the values are what the viewer computed (mm, degrees, mm², HU).
import type { Sql } from '@imaging/db';
import { Invalid } from '@imaging/errors';

export const MEASUREMENT_TOOLS = ['LENGTH', 'BIDIRECTIONAL', 'ANGLE', 'ELLIPTICAL_ROI', 'RECTANGLE_ROI', 'PROBE'] as const;
export type MeasurementTool = (typeof MEASUREMENT_TOOLS)[number];

/** How many points each tool has (Cornerstone3D's handles: ellipse and rectangle by their 4 handles). */
export const MEASUREMENT_POINTS: Record<MeasurementTool, number> = {
  LENGTH: 2, BIDIRECTIONAL: 4, ANGLE: 3, ELLIPTICAL_ROI: 4, RECTANGLE_ROI: 4, PROBE: 1,
};
/** The bound on one decision's measurements, checked before anything is written. */
export const MAX_MEASUREMENTS = 200;
const MAX_LABEL = 200;
const VALUE_FIELDS = ['lengthMm', 'widthMm', 'angleDeg', 'areaMm2', 'meanHu', 'stdDevHu', 'valueHu'] as const;
type ValueField = (typeof VALUE_FIELDS)[number];
/** Which values a tool may carry (the others must be absent). */
const TOOL_VALUES: Record<MeasurementTool, ValueField[]> = {
  LENGTH: ['lengthMm'],
  BIDIRECTIONAL: ['lengthMm', 'widthMm'],
  ANGLE: ['angleDeg'],
  ELLIPTICAL_ROI: ['areaMm2', 'meanHu', 'stdDevHu'],
  RECTANGLE_ROI: ['areaMm2', 'meanHu', 'stdDevHu'],
  PROBE: ['valueHu'],
};

export type MeasurementValues = Partial<Record<ValueField, number | null>>;

export interface MeasurementInput extends MeasurementValues {
  tool: string;
  sopInstanceUid: string;
  /** 1-based; default 1. */
  frame?: number | null;
  points: number[][];
  label?: string | null;
}

export interface MeasurementRow extends Required<{ [K in ValueField]: number | null }> {
  id: string; decisionId: string; tool: MeasurementTool; sopInstanceUid: string; frame: number; label: string | null; points: number[][]; createdAt: Date;
}

function fail(index: number, message: string): never {
  throw new Invalid(`measurement ${index + 1}: ${message}`, { measurement: index });
}

/** Shape checks that need no database: tool, point count, finite numbers, values that fit the tool. */
export function checkMeasurementShapes(measurements: MeasurementInput[]): void {
  if (measurements.length > MAX_MEASUREMENTS) throw new Invalid(`at most ${MAX_MEASUREMENTS} measurements per decision (got ${measurements.length})`);
  measurements.forEach((m, i) => {
    if (!(MEASUREMENT_TOOLS as readonly string[]).includes(m.tool)) fail(i, `tool must be one of ${MEASUREMENT_TOOLS.join(', ')}`);
    const tool = m.tool as MeasurementTool;
    if (typeof m.sopInstanceUid !== 'string' || !/^[0-9.]{1,64}$/.test(m.sopInstanceUid)) fail(i, 'sopInstanceUid must be a DICOM UID');
    const frame = m.frame ?? 1;
    if (!Number.isInteger(frame) || frame < 1 || frame > 100_000) fail(i, 'frame must be a positive integer');
    if (!Array.isArray(m.points) || m.points.length !== MEASUREMENT_POINTS[tool]) fail(i, `${tool} needs ${MEASUREMENT_POINTS[tool]} points (got ${Array.isArray(m.points) ? m.points.length : 0})`);
    for (const p of m.points) {
      if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) fail(i, 'each point is [column, row], two finite numbers');
    }
    if (m.label != null && (typeof m.label !== 'string' || m.label.length > MAX_LABEL)) fail(i, `label must be at most ${MAX_LABEL} characters`);
    for (const field of VALUE_FIELDS) {
      const v = m[field];
      if (v === undefined || v === null) continue;
      if (!TOOL_VALUES[tool].includes(field)) fail(i, `${tool} has no ${field}`);
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(i, `${field} must be a finite number`);
      if ((field === 'lengthMm' || field === 'widthMm' || field === 'areaMm2' || field === 'stdDevHu') && v < 0) fail(i, `${field} must not be negative`);
      if (field === 'angleDeg' && (v < 0 || v > 360)) fail(i, 'angleDeg must be between 0 and 360');
    }
  });
}

/** Writes the decision's measurements (inside its transaction), after checking each against its instance: in the series, frame and points inside the image. */
export async function storeMeasurements(sql: Sql, seriesDbId: string, decisionId: string, measurements: MeasurementInput[]): Promise<number> {
  if (measurements.length === 0) return 0;
  const uids = [...new Set(measurements.map((m) => m.sopInstanceUid))];
  const instances = await sql.query<{ id: string; sop: string; rows: number | null; columns: number | null; frames: number | null }>(
    `SELECT id, "sopInstanceUid" AS sop, rows, columns, "numberOfFrames" AS frames FROM "Instance" WHERE "seriesDbId" = $1 AND "sopInstanceUid" = ANY($2::text[])`,
    [seriesDbId, uids]);
  const bySop = new Map(instances.map((i) => [i.sop, i]));
  const checked = measurements.map((m, i) => {
    const instance = bySop.get(m.sopInstanceUid);
    if (!instance || !instance.rows || !instance.columns) fail(i, `slice ${m.sopInstanceUid} is not an image of this task's series`);
    const frame = m.frame ?? 1;
    if (frame > Math.max(1, instance.frames ?? 1)) fail(i, `slice ${m.sopInstanceUid} has no frame ${frame}`);
    for (const [column, row] of m.points) {
      if (column < 0 || row < 0 || column > instance.columns || row > instance.rows) fail(i, `point (${column}, ${row}) is outside the ${instance.columns}×${instance.rows} image`);
    }
    return { m, instance, frame };
  });
  for (const [ordinal, { m, instance, frame }] of checked.entries()) {
    await sql.query(
      `INSERT INTO "ReviewMeasurement" (id, "decisionId", ordinal, "instanceDbId", frame, tool, label, points, "lengthMm", "widthMm", "angleDeg", "areaMm2", "meanHu", "stdDevHu", "valueHu", "createdAt")
       VALUES (gen_random_uuid(), $1, $14, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, now())`,
      [decisionId, instance.id, frame, m.tool, m.label?.trim() || null, JSON.stringify(m.points), ...VALUE_FIELDS.map((f) => m[f] ?? null), ordinal]);
  }
  return checked.length;
}

/** The measurements of these decisions, each decision's in the reader's order. */
export async function measurementsOf(sql: Sql, decisionIds: string[]): Promise<MeasurementRow[]> {
  if (decisionIds.length === 0) return [];
  return sql.query<MeasurementRow>(
    `SELECT m.id, m."decisionId", m.tool, i."sopInstanceUid", m.frame, m.label, m.points, m."lengthMm", m."widthMm", m."angleDeg", m."areaMm2",
            m."meanHu", m."stdDevHu", m."valueHu", m."createdAt"
       FROM "ReviewMeasurement" m JOIN "Instance" i ON i.id = m."instanceDbId" WHERE m."decisionId" = ANY($1::uuid[]) ORDER BY m."decisionId", m.ordinal`,
    [decisionIds]);
}
