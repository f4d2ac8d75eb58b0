// An ingested DICOM Segmentation that references a stored series becomes an annotation version of
// that series (source IMPORTED): the union of its segments per source image, stored for EVERY image
// of the series (empty ones with area 0), so the version is a complete truth on its own and
// overrides whatever lies below it. A SEG that cannot be converted stays stored; its
// SegmentationImport row says why. Run by the preprocess job; idempotent (one row per SEG).
import { appendAudit, inSqlTransaction, poolSql } from '@imaging/db';
import { DicomError, readSegmentation } from '@imaging/dicom';
import { countSet, encodeMask } from '@imaging/ml';
import { NotFound } from '@imaging/errors';
import { requirePermission } from '@imaging/auth';
import type { DomainContext, Services } from '../context';
import { readInstanceFile } from '../ingest/compress-stored-instance';

export const SEGMENTATION_STORAGE_UID = '1.2.840.10008.5.1.4.1.1.66.4';

export type SegImportOutcome =
  | { state: 'CONVERTED'; annotationId: string; version: number; reason: null }
  | { state: 'NOT_CONVERTED'; annotationId: null; reason: string }
  | { state: 'EXPORTED'; annotationId: string; reason: null };

interface ImportRow { state: SegImportOutcome['state']; reason: string | null; annotationId: string | null; version: number | null }

async function recorded(services: Services, instanceId: string): Promise<SegImportOutcome | null> {
  const [row] = await poolSql(services.db).query<ImportRow>(
    `SELECT si.state::text AS state, si.reason, si."annotationId", av.version FROM "SegmentationImport" si
       LEFT JOIN "AnnotationVersion" av ON av.id = si."annotationId" WHERE si."instanceDbId" = $1`, [instanceId]);
  if (!row) return null;
  if (row.state === 'CONVERTED') return { state: 'CONVERTED', annotationId: row.annotationId!, version: row.version ?? -1, reason: null };
  if (row.state === 'EXPORTED') return { state: 'EXPORTED', annotationId: row.annotationId!, reason: null };
  return { state: 'NOT_CONVERTED', annotationId: null, reason: row.reason ?? '' };
}

async function record(services: Services, instanceId: string, sopInstanceUid: string, outcome: SegImportOutcome): Promise<SegImportOutcome> {
  return inSqlTransaction(services.db, async (tx) => {
    const [inserted] = await tx.query<{ instanceDbId: string }>(
      `INSERT INTO "SegmentationImport" ("instanceDbId", state, reason, "annotationId") VALUES ($1, $2::"SegImportState", $3, $4::uuid)
       ON CONFLICT ("instanceDbId") DO NOTHING RETURNING "instanceDbId"`, [instanceId, outcome.state, outcome.reason, outcome.annotationId]);
    if (!inserted) return (await recorded(services, instanceId))!; // a concurrent run got there first
    await appendAudit(tx, {
      actorType: 'SYSTEM', action: 'seg.import', resourceType: 'Instance', resourceId: sopInstanceUid,
      outcome: outcome.state === 'NOT_CONVERTED' ? 'FAILURE' : 'SUCCESS', details: { state: outcome.state, reason: outcome.reason },
    });
    return outcome;
  });
}

const notConverted = (reason: string): SegImportOutcome => ({ state: 'NOT_CONVERTED', annotationId: null, reason });

export async function importSegmentation(services: Services, instanceId: string): Promise<SegImportOutcome> {
  const sql = poolSql(services.db);
  const [instance] = await sql.query<{ sop: string; sop_class: string; storage_key: string }>(
    `SELECT "sopInstanceUid" AS sop, "sopClassUid" AS sop_class, "storageKey" AS storage_key FROM "Instance" WHERE id = $1`, [instanceId]);
  if (!instance) throw new NotFound(`instance ${instanceId}`);
  if (instance.sop_class !== SEGMENTATION_STORAGE_UID) throw new NotFound(`segmentation ${instance.sop}`);
  const done = await recorded(services, instanceId);
  if (done) return done;

  const [ours] = await sql.query<{ id: string }>(`SELECT id FROM "AnnotationVersion" WHERE "segSopInstanceUid" = $1`, [instance.sop]);
  if (ours) return record(services, instanceId, instance.sop, { state: 'EXPORTED', annotationId: ours.id, reason: null });

  let seg: Awaited<ReturnType<typeof readSegmentation>>;
  try {
    seg = await readSegmentation(await readInstanceFile(services, instance.storage_key));
  } catch (e) {
    if (e instanceof DicomError) return record(services, instanceId, instance.sop, notConverted(`the segmentation could not be read: ${e.code}: ${e.message}`.slice(0, 500)));
    throw e;
  }
  const referenced = [...new Set(seg.frames.map((f) => f.referencedSopInstanceUid))];
  const images = await sql.query<{ id: string; sop: string; series_id: string; series_uid: string; rows: number | null; columns: number | null }>(
    `SELECT i.id, i."sopInstanceUid" AS sop, i."seriesDbId" AS series_id, s."seriesInstanceUid" AS series_uid, i.rows, i.columns
       FROM "Instance" i JOIN "Series" s ON s.id = i."seriesDbId" WHERE i."sopInstanceUid" = ANY($1::text[])`, [referenced]);
  if (images.length === 0) {
    const series = seg.referencedSeriesInstanceUids.length ? `series ${seg.referencedSeriesInstanceUids.join(', ')}` : 'source images';
    return record(services, instanceId, instance.sop, notConverted(`references ${series}, not stored here: none of its ${referenced.length} source images is stored`.slice(0, 500)));
  }
  if (images.length < referenced.length) {
    return record(services, instanceId, instance.sop, notConverted(`${referenced.length - images.length} of the ${referenced.length} source images it references are not stored`));
  }
  const seriesIds = [...new Set(images.map((i) => i.series_id))];
  if (seriesIds.length > 1) return record(services, instanceId, instance.sop, notConverted(`its source images lie in ${seriesIds.length} series; an annotation covers one`));
  const bySop = new Map(images.map((i) => [i.sop, i]));
  const wrongGrid = images.find((i) => i.rows !== seg.rows || i.columns !== seg.columns);
  if (wrongGrid) {
    return record(services, instanceId, instance.sop, notConverted(`its frames are ${seg.rows}×${seg.columns}, source image ${wrongGrid.sop} is ${wrongGrid.rows}×${wrongGrid.columns}`));
  }

  // union of the segments per source image
  const union = new Map<string, Uint8Array>();
  for (const frame of seg.frames) {
    const image = bySop.get(frame.referencedSopInstanceUid)!;
    const mask = union.get(image.id) ?? new Uint8Array(seg.rows * seg.columns);
    for (let p = 0; p < mask.length; p++) if (frame.mask[p]) mask[p] = 1;
    union.set(image.id, mask);
  }
  const seriesId = seriesIds[0];
  const labels = seg.segments.map((s) => s.label);
  return inSqlTransaction(services.db, async (tx) => {
    // one writer of the series' versions at a time (reader corrections number theirs the same way)
    await tx.query(`SELECT id FROM "Series" WHERE id = $1 FOR UPDATE`, [seriesId]);
    const [claimed] = await tx.query<{ instanceDbId: string }>(
      `INSERT INTO "SegmentationImport" ("instanceDbId", state) VALUES ($1, 'CONVERTED') ON CONFLICT ("instanceDbId") DO NOTHING RETURNING "instanceDbId"`, [instanceId]);
    if (!claimed) return (await recorded(services, instanceId))!; // a concurrent run converted it
    const all = await tx.query<{ id: string; rows: number | null; columns: number | null }>(
      `SELECT id, rows, columns FROM "Instance" WHERE "seriesDbId" = $1 AND "sopClassUid" <> $2 AND rows IS NOT NULL AND columns IS NOT NULL`, [seriesId, SEGMENTATION_STORAGE_UID]);
    // version 0 stays the AI's: an imported version is never numbered 0
    const [{ next }] = await tx.query<{ next: number }>(`SELECT GREATEST(COALESCE(max(version), 0) + 1, 1) AS next FROM "AnnotationVersion" WHERE "seriesDbId" = $1`, [seriesId]);
    let lesionSlices = 0;
    const slices = all.map((i) => {
      const mask = union.get(i.id) ?? new Uint8Array(i.rows! * i.columns!);
      const area = countSet(mask);
      if (area > 0) lesionSlices++;
      return { instanceId: i.id, rows: i.rows!, columns: i.columns!, area, data: Buffer.from(encodeMask(mask)) };
    });
    const [annotation] = await tx.query<{ id: string }>(
      `INSERT INTO "AnnotationVersion" (id, "seriesDbId", version, source, label, "createdAt")
       VALUES (gen_random_uuid(), $1, $2, 'IMPORTED', $3, now()) RETURNING id`, [seriesId, next, lesionSlices > 0 ? 'lesion' : 'none']);
    for (const s of slices) {
      await tx.query(`INSERT INTO "MaskSlice" ("annotationId", "instanceDbId", rows, columns, area, data) VALUES ($1, $2, $3, $4, $5, $6)`,
        [annotation.id, s.instanceId, s.rows, s.columns, s.area, s.data]);
    }
    await tx.query(`UPDATE "SegmentationImport" SET "annotationId" = $2 WHERE "instanceDbId" = $1`, [instanceId, annotation.id]);
    await appendAudit(tx, {
      actorType: 'SYSTEM', action: 'seg.import', resourceType: 'Instance', resourceId: instance.sop, outcome: 'SUCCESS',
      details: { state: 'CONVERTED', annotationId: annotation.id, version: next, segments: labels, frames: seg.frames.length, slices: slices.length, lesionSlices },
    });
    return { state: 'CONVERTED', annotationId: annotation.id, version: next, reason: null };
  });
}

export interface SegImportView { sopInstanceUid: string; state: SegImportOutcome['state'] | 'PENDING'; reason: string | null; annotationId: string | null; annotationVersion: number | null }

/** What became of an ingested SEG (PENDING until its preprocess job ran). */
export async function segmentationImportOf(ctx: DomainContext, sopInstanceUid: string): Promise<SegImportView> {
  requirePermission(ctx.principal, 'phi:read');
  const services = ctx;
  const [row] = await poolSql(services.db).query<{ id: string; sop_class: string }>(
    `SELECT id, "sopClassUid" AS sop_class FROM "Instance" WHERE "sopInstanceUid" = $1`, [sopInstanceUid]);
  if (!row || row.sop_class !== SEGMENTATION_STORAGE_UID) throw new NotFound(`segmentation ${sopInstanceUid}`);
  const outcome = await recorded(services, row.id);
  if (!outcome) return { sopInstanceUid, state: 'PENDING', reason: null, annotationId: null, annotationVersion: null };
  return { sopInstanceUid, state: outcome.state, reason: outcome.reason, annotationId: outcome.annotationId, annotationVersion: outcome.state === 'CONVERTED' ? outcome.version : null };
}
