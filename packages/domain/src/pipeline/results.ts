// Reading the pipeline's state and results: per-study processing with stages, AI results, and
// the masks of a slice at any annotation version. Reads of patient-linked results are audited
// by the callers that show them (GraphQL study access is audited once per request).
import { poolSql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { NotFound } from '@imaging/errors';
import { decodeMaskToPacked } from '@imaging/ml';
import type { DomainContext } from '../context';
import { firstReadHidden, type ReviewState } from '../review/review-tasks';

export interface StageView { name: string; startedAt: Date; durationMs: number; cpuMs: number; items: number; bytesIn: number; bytesOut: number; details: unknown }
export interface SeriesProcessingView {
  seriesInstanceUid: string; seriesDbId: string; state: string; error: string | null; errorCode: string | null; attempts: number;
  queuedAt: Date; startedAt: Date | null; finishedAt: Date | null; stages: StageView[];
}

/** Overall state of a study: FAILED if any series failed, RUNNING/QUEUED while any is, DONE when all are done/skipped. */
export function overallState(states: string[]): string {
  if (states.length === 0) return 'NONE';
  for (const s of ['FAILED', 'RUNNING', 'QUEUED']) if (states.includes(s)) return s;
  return states.every((s) => s === 'SKIPPED') ? 'SKIPPED' : 'DONE';
}

export async function studyProcessing(ctx: DomainContext, studyDbId: string): Promise<SeriesProcessingView[]> {
  requirePermission(ctx.principal, 'phi:read');
  const sql = poolSql(ctx.db);
  const rows = await sql.query<Omit<SeriesProcessingView, 'stages'>>(
    `SELECT s."seriesInstanceUid", p."seriesDbId", p.state::text AS state, p.error, p."errorCode", p.attempts, p."queuedAt", p."startedAt", p."finishedAt"
       FROM "SeriesProcessing" p JOIN "Series" s ON s.id = p."seriesDbId" WHERE p."studyDbId" = $1 ORDER BY s."seriesNumber" NULLS LAST, s."seriesInstanceUid"`, [studyDbId]);
  if (rows.length === 0) return [];
  const stages = await sql.query<StageView & { seriesDbId: string }>(
    `SELECT "seriesDbId", name, "startedAt", "durationMs", "cpuMs", items, "bytesIn"::float8 AS "bytesIn", "bytesOut"::float8 AS "bytesOut", details
       FROM "ProcessingStage" WHERE "seriesDbId" = ANY($1::uuid[]) ORDER BY "startedAt"`, [rows.map((r) => r.seriesDbId)]);
  return rows.map((r) => ({ ...r, stages: stages.filter((s) => s.seriesDbId === r.seriesDbId) }));
}

export interface AiResultView {
  id: string; seriesInstanceUid: string; label: string; score: number; lesionCount: number; totalVolumeMl: number; findings: unknown;
  modelVersion: string; variant: string; backend: string; slices: number; createdAt: Date;
  /** COMPLETE, or OUT_OF_DOMAIN with a reason code, the reasons and the checks' statistics. */
  status: 'COMPLETE' | 'OUT_OF_DOMAIN'; domainReasonCode: string | null; domainReason: string | null; domainCheck: unknown;
}

/** The newest result per series of a study. */
export async function studyAiResults(ctx: DomainContext, studyDbId: string): Promise<AiResultView[]> {
  requirePermission(ctx.principal, 'phi:read');
  return poolSql(ctx.db).query<AiResultView>(
    `SELECT DISTINCT ON (r."seriesDbId") r.id, s."seriesInstanceUid", r.label, r.score, r."lesionCount", r."totalVolumeMl", r.findings,
            m.version AS "modelVersion", r.variant, r.backend, r.slices, r."createdAt",
            r.status::text AS status, r."domainReasonCode", r."domainReason", r."domainCheck"
       FROM "AiResult" r JOIN "Series" s ON s.id = r."seriesDbId" JOIN "ModelVersion" m ON m.id = r."modelVersionId"
      WHERE r."studyDbId" = $1 ORDER BY r."seriesDbId", r."createdAt" DESC`, [studyDbId]);
}

export interface MaskView { rows: number; columns: number; version: number; source: string; packed: Uint8Array; area: number }

/**
 * The mask of one slice at an annotation version (default: the newest). A version stores only
 * the slices it changed, so the newest stored slice at or below the version is the answer; a
 * slice never stored is empty (area 0, all bits clear).
 */
export async function sliceMask(ctx: DomainContext, sopInstanceUid: string, version?: number): Promise<MaskView> {
  requirePermission(ctx.principal, 'phi:read');
  const sql = poolSql(ctx.db);
  const [instance] = await sql.query<{ id: string; series: string; rows: number | null; columns: number | null }>(
    `SELECT id, "seriesDbId" AS series, rows, columns FROM "Instance" WHERE "sopInstanceUid" = $1`, [sopInstanceUid]);
  if (!instance || !instance.rows || !instance.columns) throw new NotFound(`instance ${sopInstanceUid}`);
  // a second reader sees the AI's masks (and their own), not the first reader's, until submitting
  const [task] = await sql.query<{ state: ReviewState; firstReaderId: string | null; assigneeId: string | null }>(
    `SELECT state::text AS state, "firstReaderId", "assigneeId" FROM "ReviewTask" WHERE "seriesDbId" = $1`, [instance.series]);
  const hiddenAuthor = task && firstReadHidden(ctx, task) ? task.firstReaderId : null;
  const [latest] = await sql.query<{ version: number; source: string }>(
    `SELECT version, source::text AS source FROM "AnnotationVersion"
      WHERE "seriesDbId" = $1 AND ($2::int IS NULL OR version <= $2) AND ($3::uuid IS NULL OR "authorId" IS DISTINCT FROM $3)
      ORDER BY version DESC LIMIT 1`,
    [instance.series, version ?? null, hiddenAuthor]);
  if (!latest) throw new NotFound(version === undefined ? `mask for instance ${sopInstanceUid}` : `annotation version ${version} for instance ${sopInstanceUid}`);
  const [slice] = await sql.query<{ rows: number; columns: number; area: number; data: Buffer | null }>(
    `SELECT ms.rows, ms.columns, ms.area, ms.data FROM "MaskSlice" ms JOIN "AnnotationVersion" av ON av.id = ms."annotationId"
      WHERE av."seriesDbId" = $1 AND ms."instanceDbId" = $2 AND av.version <= $3 AND ($4::uuid IS NULL OR av."authorId" IS DISTINCT FROM $4)
      ORDER BY av.version DESC LIMIT 1`,
    [instance.series, instance.id, latest.version, hiddenAuthor]);
  const pixels = instance.rows * instance.columns;
  const packed = slice?.data && slice.area > 0 ? decodeMaskToPacked(slice.data) : new Uint8Array(Math.ceil(pixels / 8));
  return { rows: instance.rows, columns: instance.columns, version: latest.version, source: latest.source, packed, area: slice?.area ?? 0 };
}
