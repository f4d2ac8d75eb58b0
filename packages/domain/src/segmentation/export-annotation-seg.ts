// An annotation version as a DICOM Segmentation, stored back into its study as an instance of the
// series' SEG series (modality SEG, so QIDO finds it and WADO-RS serves it). The SEG's UIDs and
// bytes follow from the version (id + createdAt) alone, so exporting it again finds the stored
// instance, and two exports at once store one file (the second ingest is a duplicate).
import { createHash } from 'node:crypto';
import { appendAudit, inSqlTransaction, poolSql, recordAudit, type Sql } from '@imaging/db';
import {
  LESION_CATEGORY, LESION_TYPE, parseInstance, writeSegmentation, type SegmentDefinition, type SegmentationSource, type SourceImage,
} from '@imaging/dicom';
import { decodeMask } from '@imaging/ml';
import { requirePermission } from '@imaging/auth';
import { Conflict, Invalid, NotFound, TooLarge } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';
import { readInstanceFile, readInstanceHeader } from '../ingest/compress-stored-instance';
import { ingestInstances } from '../ingest/ingest-instances';
import { firstReadHidden, type ReviewState } from '../review/review-tasks';

/** A series with more images than this is not exported in one request (headers are read one by one). */
export const MAX_SEG_SOURCE_IMAGES = 2000;
const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
const MODEL_NAME = 'imaging U-Net';

export interface SegExport {
  annotationId: string;
  version: number;
  source: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  instanceId: string;
  /** false: the SEG was already stored (an earlier export, or the SEG this version was imported from). */
  created: boolean;
}

interface AnnotationRow {
  id: string; series_id: string; version: number; source: 'AI' | 'READER' | 'IMPORTED'; author_id: string | null; created_at: Date;
  model_version: string | null; series_uid: string; series_number: number | null; study_uid: string;
  task_state: ReviewState | null; first_reader_id: string | null; assignee_id: string | null;
}

/** A 2.25 UID (PS3.5 §B.2) from a name-based (version 5 style) UUID over `parts`: same parts, same UID. */
export function derivedUid(...parts: string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC 4122 variant
  return `2.25.${BigInt(`0x${hash.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

export function segUids(annotation: { id: string; seriesDbId: string; createdAt: Date }) {
  const stamp = annotation.createdAt.toISOString();
  return {
    sopInstanceUid: derivedUid('seg-instance', annotation.id, stamp),
    seriesInstanceUid: derivedUid('seg-series', annotation.seriesDbId),
    dimensionOrganizationUid: derivedUid('seg-dimensions', annotation.id, stamp),
  };
}

async function loadAnnotation(ctx: DomainContext, annotationId: string): Promise<AnnotationRow> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(annotationId)) throw new Invalid('annotation id must be a UUID');
  const [row] = await poolSql(ctx.db).query<AnnotationRow>(
    `SELECT av.id, av."seriesDbId" AS series_id, av.version, av.source::text AS source, av."authorId" AS author_id, av."createdAt" AS created_at,
            m.version AS model_version, s."seriesInstanceUid" AS series_uid, s."seriesNumber" AS series_number, st."studyInstanceUid" AS study_uid,
            t.state::text AS task_state, t."firstReaderId" AS first_reader_id, t."assigneeId" AS assignee_id
       FROM "AnnotationVersion" av
       JOIN "Series" s ON s.id = av."seriesDbId" JOIN "Study" st ON st.id = s."studyDbId"
       LEFT JOIN "AiResult" r ON r.id = av."aiResultId" LEFT JOIN "ModelVersion" m ON m.id = r."modelVersionId"
       LEFT JOIN "ReviewTask" t ON t."seriesDbId" = av."seriesDbId"
      WHERE av.id = $1`, [annotationId]);
  if (!row) throw new NotFound(`annotation ${annotationId}`);
  const task = row.task_state ? { state: row.task_state, firstReaderId: row.first_reader_id, assigneeId: row.assignee_id } : null;
  // blind second reads (as the mask endpoint): the first reader's version does not exist for the second reader
  if (task && row.author_id && row.author_id === task.firstReaderId && firstReadHidden(ctx, task)) throw new NotFound(`annotation ${annotationId}`);
  return row;
}

/** The stored SEG of an imported version: the file it came from. */
async function importedFrom(sql: Sql, annotationId: string): Promise<{ id: string; sop: string; series: string } | null> {
  const [row] = await sql.query<{ id: string; sop: string; series: string }>(
    `SELECT i.id, i."sopInstanceUid" AS sop, s."seriesInstanceUid" AS series FROM "SegmentationImport" si
       JOIN "Instance" i ON i.id = si."instanceDbId" JOIN "Series" s ON s.id = i."seriesDbId"
      WHERE si."annotationId" = $1 AND si.state = 'CONVERTED'`, [annotationId]);
  return row ?? null;
}

interface SourceRow {
  id: string; storage_key: string; instance_number: number | null; rows: number | null; columns: number | null;
  mask_rows: number | null; mask_columns: number | null; area: number | null; data: Buffer | null;
}

/** Every image of the series with its mask at the version: the newest stored slice at or below it (as sliceMask). */
function sourceRows(sql: Sql, annotation: AnnotationRow): Promise<SourceRow[]> {
  return sql.query<SourceRow>(
    `SELECT i.id, i."storageKey" AS storage_key, i."instanceNumber" AS instance_number, i.rows, i.columns,
            m.rows AS mask_rows, m.columns AS mask_columns, m.area, m.data
       FROM "Instance" i
       LEFT JOIN LATERAL (
         SELECT ms.rows, ms.columns, ms.area, ms.data FROM "MaskSlice" ms JOIN "AnnotationVersion" av ON av.id = ms."annotationId"
          WHERE av."seriesDbId" = $1 AND ms."instanceDbId" = i.id AND av.version <= $2
          ORDER BY av.version DESC LIMIT 1) m ON true
      WHERE i."seriesDbId" = $1 AND i."sopClassUid" <> $3
      ORDER BY i."instanceNumber" NULLS LAST, i."sopInstanceUid"`,
    [annotation.series_id, annotation.version, SEGMENTATION_STORAGE]);
}

function sliceKey(image: SourceImage): number | null {
  const p = image.imagePositionPatient;
  const o = image.imageOrientationPatient;
  if (!p || p.length !== 3 || !o || o.length !== 6) return null;
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  return p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
}

async function buildSeg(ctx: DomainContext, annotation: AnnotationRow, uids: ReturnType<typeof segUids>): Promise<Uint8Array> {
  const rows = await sourceRows(poolSql(ctx.db), annotation);
  if (rows.length === 0) throw new NotFound(`images of the series of annotation ${annotation.id}`);
  if (rows.length > MAX_SEG_SOURCE_IMAGES) throw new TooLarge(`the series has ${rows.length} images; a SEG is exported for at most ${MAX_SEG_SOURCE_IMAGES}`);
  const slices: { image: SourceImage; mask: Uint8Array; area: number }[] = [];
  let header: ReturnType<typeof parseInstance> | null = null;
  for (const row of rows) {
    const parsed = parseInstance(await readInstanceHeader(ctx, row.storage_key));
    header ??= parsed;
    const image: SourceImage = {
      sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid, rows: parsed.instance.rows ?? 0, columns: parsed.instance.columns ?? 0,
      imagePositionPatient: parsed.instance.imagePositionPatient, imageOrientationPatient: parsed.instance.imageOrientationPatient,
      pixelSpacing: parsed.instance.pixelSpacing, sliceThickness: parsed.instance.sliceThickness,
    };
    const pixels = image.rows * image.columns;
    if (row.data && row.area && (row.mask_rows !== image.rows || row.mask_columns !== image.columns)) {
      throw new Conflict(`the stored mask of ${image.sopInstanceUid} is ${row.mask_rows}×${row.mask_columns}, the image ${image.rows}×${image.columns}`);
    }
    const mask = row.data && row.area ? decodeMask(row.data, pixels) : new Uint8Array(pixels);
    slices.push({ image, mask, area: row.area ?? 0 });
  }
  const keys = slices.map((s) => sliceKey(s.image));
  if (keys.every((k) => k !== null)) {
    const order = slices.map((s, i) => ({ s, k: keys[i]! })).sort((a, b) => a.k - b.k);
    slices.splice(0, slices.length, ...order.map((o) => o.s));
  }
  const p = header!;
  const source: SegmentationSource = {
    patient: { patientName: p.patient.patientName, patientId: p.patient.patientId, issuerOfPatientId: p.patient.issuerOfPatientId, birthDate: p.patient.birthDate, sex: p.patient.sex },
    study: { studyInstanceUid: p.studyInstanceUid, ...p.study },
    seriesInstanceUid: p.seriesInstanceUid, frameOfReferenceUid: p.text(0x00200052), specificCharacterSet: p.text(0x00080005),
    images: slices.map((s) => s.image),
  };
  const ai = annotation.source === 'AI';
  const modelVersion = annotation.model_version ?? 'unknown';
  const segment: SegmentDefinition = {
    number: 1, label: 'Lesion', category: LESION_CATEGORY, type: LESION_TYPE,
    algorithm: ai ? { type: 'AUTOMATIC', name: MODEL_NAME, version: modelVersion } : { type: 'MANUAL' },
  };
  // frames only where the mask has something; a version that marks nothing says so on every image
  const marked = slices.map((s, i) => ({ ...s, i })).filter((s) => s.area > 0);
  const frames = (marked.length ? marked : slices.map((s, i) => ({ ...s, i }))).map((s) => ({ segmentNumber: 1, imageIndex: s.i, mask: s.mask }));
  return writeSegmentation({
    source, segments: [segment], frames, ...uids,
    seriesNumber: (annotation.series_number ?? 0) + 1000,
    seriesDescription: `Segmentations of series ${annotation.series_number ?? annotation.series_uid}`.slice(0, 64),
    instanceNumber: annotation.version + 1,
    contentDateTime: annotation.created_at,
    contentLabel: ai ? 'AI' : `READER_V${annotation.version}`,
    contentDescription: ai ? `AI result, model ${modelVersion}` : `Reader annotation, version ${annotation.version}`,
    // the reader by an opaque id: names need review:identities, and anyone with phi:read can retrieve the SEG
    contentCreatorName: ai ? null : `Reader^${(annotation.author_id ?? 'unknown').slice(0, 8)}`, // PN family^given (PS3.5 §6.2.1)
    equipment: { manufacturer: 'Imaging Review Platform', modelName: ai ? MODEL_NAME : 'Review viewer', deviceSerialNumber: '1', softwareVersions: ai ? modelVersion : '1' },
  });
}

/** Produces (or finds) the SEG of an annotation version, stored in its study. */
export async function exportAnnotationSeg(ctx: DomainContext, annotationId: string): Promise<SegExport> {
  requirePermission(ctx.principal, 'phi:read');
  const annotation = await loadAnnotation(ctx, annotationId);
  const base = { annotationId, version: annotation.version, source: annotation.source, studyInstanceUid: annotation.study_uid };
  const sql = poolSql(ctx.db);
  if (annotation.source === 'IMPORTED') {
    const original = await importedFrom(sql, annotationId);
    if (!original) throw new NotFound(`the SEG annotation ${annotationId} was imported from`);
    return { ...base, sopInstanceUid: original.sop, seriesInstanceUid: original.series, instanceId: original.id, created: false };
  }
  // Stored into WADO it is visible to every reader. During a second read a reader's version would
  // either show the first read to the second reader or (without it) differ from the same version
  // after the read: reader versions are exported once the second read is submitted.
  if (annotation.task_state === 'SECOND_READ' && annotation.source === 'READER') {
    throw new Conflict('reader annotations of a case in second read are exported once the second read is submitted');
  }
  const uids = segUids({ id: annotation.id, seriesDbId: annotation.series_id, createdAt: annotation.created_at });
  const [existing] = await sql.query<{ id: string }>(`SELECT id FROM "Instance" WHERE "sopInstanceUid" = $1`, [uids.sopInstanceUid]);
  if (existing) return { ...base, sopInstanceUid: uids.sopInstanceUid, seriesInstanceUid: uids.seriesInstanceUid, instanceId: existing.id, created: false };

  const bytes = await buildSeg(ctx, annotation, uids);
  // recorded first, so the SEG's own ingest (preprocess → importSegmentation) knows it is ours
  await inSqlTransaction(ctx.db, async (tx) => {
    await tx.query(`UPDATE "AnnotationVersion" SET "segSopInstanceUid" = $2 WHERE id = $1`, [annotationId, uids.sopInstanceUid]);
    await appendAudit(tx, {
      ...auditBase(ctx), action: 'seg.export', resourceType: 'AnnotationVersion', resourceId: annotationId, outcome: 'SUCCESS',
      details: { version: annotation.version, source: annotation.source, sopInstanceUid: uids.sopInstanceUid, sizeBytes: bytes.length },
    });
  });
  // stored by the platform, not the caller: a reader without instance:write may still export
  const system: DomainContext = { ...ctx, principal: { kind: 'system', id: 'system', role: 'ADMIN' } };
  const [result] = await ingestInstances(system, [bytes], { expectedStudyInstanceUid: annotation.study_uid });
  if (result.status === 'conflict') throw new Conflict(`another file is stored under the SEG's SOP Instance UID ${uids.sopInstanceUid}`);
  if (result.status === 'failed' || !result.instanceId) throw new Conflict(`the SEG was not stored: ${result.error?.code ?? 'unknown'}: ${result.error?.message ?? ''}`);
  return { ...base, sopInstanceUid: uids.sopInstanceUid, seriesInstanceUid: uids.seriesInstanceUid, instanceId: result.instanceId, created: result.status === 'stored' };
}

/** The SEG file of an annotation version for download (exported first if need be); each read is audited, as mask reads are. */
export async function annotationSegFile(ctx: DomainContext, annotationId: string): Promise<SegExport & { bytes: Uint8Array }> {
  const exported = await exportAnnotationSeg(ctx, annotationId);
  const [row] = await poolSql(ctx.db).query<{ storage_key: string }>(`SELECT "storageKey" AS storage_key FROM "Instance" WHERE id = $1`, [exported.instanceId]);
  if (!row) throw new NotFound(`segmentation ${exported.sopInstanceUid}`);
  const bytes = await readInstanceFile(ctx, row.storage_key);
  await recordAudit(ctx.db, {
    ...auditBase(ctx), action: 'seg.read', resourceType: 'AnnotationVersion', resourceId: annotationId, outcome: 'SUCCESS',
    details: { version: exported.version, source: exported.source, sopInstanceUid: exported.sopInstanceUid },
  });
  return { ...exported, bytes };
}
