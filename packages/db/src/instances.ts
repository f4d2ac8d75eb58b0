// Indexing of stored instances into Patient → Study → Series → Instance. Parents are inserted with
// ON CONFLICT DO NOTHING (no row locks held on shared parents, so parallel uploads of one series do
// not queue behind each other); the instance row itself is the unit of uniqueness.
import type { Sql } from './sql';

/** A file whose Study or Series UID is already filed under another patient or study. Thrown so the
 *  caller's transaction rolls back (no patient row left without its study); domain maps it to CONFLICT. */
export class IdentityConflict extends Error {
  readonly kind = 'IDENTITY_CONFLICT';
}

export interface InstanceRecord {
  patient: { patientId: string; issuer: string; patientName: string | null; birthDate: string | null; sex: string | null };
  study: {
    studyInstanceUid: string; studyDate: Date | null; studyTime: string | null; accessionNumber: string | null;
    description: string | null; referringPhysician: string | null; studyId: string | null;
  };
  series: { seriesInstanceUid: string; modality: string | null; seriesNumber: number | null; description: string | null; bodyPart: string | null };
  instance: {
    sopInstanceUid: string; sopClassUid: string; instanceNumber: number | null; transferSyntaxUid: string;
    rows: number | null; columns: number | null; numberOfFrames: number | null; bitsAllocated: number | null;
    photometric: string | null; sizeBytes: number; storedBytes: number; sha256: string; storageKey: string;
    /** CPU the api spent parsing and validating the file (ingest stage). */
    ingestCpuMs?: number | null;
  };
}

export interface IndexedIds { patientDbId: string; studyDbId: string; seriesDbId: string; instanceDbId: string }

export type IndexOutcome =
  | { status: 'stored'; ids: IndexedIds }
  | { status: 'duplicate' | 'conflict'; existing: ExistingInstance };

export interface ExistingInstance { instanceDbId: string; seriesDbId: string; studyDbId: string; sha256: string; storageKey: string; sizeBytes: number }

export function searchKey(value: string | null): string | null {
  return value === null ? null : value.toUpperCase();
}

export async function findInstanceBySopUid(sql: Sql, sopInstanceUid: string): Promise<ExistingInstance | null> {
  const rows = await sql.query<ExistingInstance>(
    `SELECT i."id" AS "instanceDbId", i."seriesDbId", s."studyDbId", i."sha256", i."storageKey", i."sizeBytes"::float8 AS "sizeBytes"
     FROM "Instance" i JOIN "Series" s ON s."id" = i."seriesDbId" WHERE i."sopInstanceUid" = $1`, [sopInstanceUid]);
  return rows[0] ?? null;
}

async function upsertId(sql: Sql, insert: [string, unknown[]], select: [string, unknown[]]): Promise<string> {
  const inserted = await sql.query<{ id: string }>(...insert);
  if (inserted[0]) return inserted[0].id;
  const found = await sql.query<{ id: string }>(...select);
  if (!found[0]) throw new Error('parent row vanished during indexing');
  return found[0].id;
}

async function upsertParent(sql: Sql, insert: [string, unknown[]], select: [string, unknown[]]): Promise<{ id: string; parentDbId: string }> {
  const inserted = await sql.query<{ id: string; parentDbId: string }>(...insert);
  if (inserted[0]) return inserted[0];
  const found = await sql.query<{ id: string; parentDbId: string }>(...select);
  if (!found[0]) throw new Error('parent row vanished during indexing');
  return found[0];
}

/**
 * The parents of an instance whose series is already filed under the same study and patient (every
 * instance of a series but the first): one lookup instead of three upserts that would each insert
 * nothing. Null when the series is new or filed differently: the upserts then insert or refuse.
 */
async function knownParents(sql: Sql, r: InstanceRecord): Promise<Omit<IndexedIds, 'instanceDbId'> | null> {
  const [known] = await sql.query<{ seriesDbId: string; studyDbId: string; patientDbId: string; studyInstanceUid: string; patientId: string; issuer: string }>(
    `SELECT se."id" AS "seriesDbId", st."id" AS "studyDbId", p."id" AS "patientDbId", st."studyInstanceUid", p."patientId", p."issuer"
       FROM "Series" se JOIN "Study" st ON st."id" = se."studyDbId" JOIN "Patient" p ON p."id" = st."patientDbId"
      WHERE se."seriesInstanceUid" = $1`, [r.series.seriesInstanceUid]);
  if (!known || known.studyInstanceUid !== r.study.studyInstanceUid || known.patientId !== r.patient.patientId || known.issuer !== r.patient.issuer) return null;
  return { patientDbId: known.patientDbId, studyDbId: known.studyDbId, seriesDbId: known.seriesDbId };
}

/** Patient, study and series inserted where new, each checked to hang under the right parent. */
async function upsertParents(sql: Sql, r: InstanceRecord): Promise<Omit<IndexedIds, 'instanceDbId'>> {
  const p = r.patient;
  const patientDbId = await upsertId(sql,
    [`INSERT INTO "Patient" ("id", "patientId", "issuer", "patientName", "patientNameKey", "birthDate", "sex")
      VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6) ON CONFLICT ("patientId", "issuer") DO NOTHING RETURNING "id"`,
    [p.patientId, p.issuer, p.patientName, searchKey(p.patientName), p.birthDate, p.sex]],
    ['SELECT "id" FROM "Patient" WHERE "patientId" = $1 AND "issuer" = $2', [p.patientId, p.issuer]]);
  const s = r.study;
  const study = await upsertParent(sql,
    [`INSERT INTO "Study" ("id", "studyInstanceUid", "patientDbId", "studyDate", "studyTime", "accessionNumber", "description", "descriptionKey", "referringPhysician", "studyId")
      VALUES (gen_random_uuid(), $1, $2::uuid, $3::date, $4, $5, $6, $7, $8, $9) ON CONFLICT ("studyInstanceUid") DO NOTHING RETURNING "id", "patientDbId" AS "parentDbId"`,
    [s.studyInstanceUid, patientDbId, s.studyDate ? s.studyDate.toISOString().slice(0, 10) : null, s.studyTime, s.accessionNumber, s.description,
      searchKey(s.description), s.referringPhysician, s.studyId]],
    ['SELECT "id", "patientDbId" AS "parentDbId" FROM "Study" WHERE "studyInstanceUid" = $1', [s.studyInstanceUid]]);
  // One study belongs to one patient: a Study UID reused under another Patient ID is a mix-up at the
  // modality or a forged file, and filing it under the first patient would show one patient's images
  // in another's record.
  if (study.parentDbId !== patientDbId) throw new IdentityConflict('the Study Instance UID is already filed under another patient; the file was not kept');
  const studyDbId = study.id;
  const se = r.series;
  const series = await upsertParent(sql,
    [`INSERT INTO "Series" ("id", "seriesInstanceUid", "studyDbId", "modality", "seriesNumber", "description", "bodyPart")
      VALUES (gen_random_uuid(), $1, $2::uuid, $3, $4, $5, $6) ON CONFLICT ("seriesInstanceUid") DO NOTHING RETURNING "id", "studyDbId" AS "parentDbId"`,
    [se.seriesInstanceUid, studyDbId, se.modality, se.seriesNumber, se.description, se.bodyPart]],
    ['SELECT "id", "studyDbId" AS "parentDbId" FROM "Series" WHERE "seriesInstanceUid" = $1', [se.seriesInstanceUid]]);
  if (series.parentDbId !== studyDbId) throw new IdentityConflict('the Series Instance UID is already filed under another study; the file was not kept');
  return { patientDbId, studyDbId, seriesDbId: series.id };
}

/** Indexes one instance and its parents inside the caller's transaction. */
export async function indexInstance(sql: Sql, r: InstanceRecord): Promise<IndexOutcome> {
  const parents = await knownParents(sql, r) ?? await upsertParents(sql, r);
  const { patientDbId, studyDbId, seriesDbId } = parents;
  const i = r.instance;
  const inserted = await sql.query<{ id: string }>(
    `INSERT INTO "Instance" ("id", "sopInstanceUid", "sopClassUid", "seriesDbId", "instanceNumber", "transferSyntaxUid", "rows", "columns",
       "numberOfFrames", "bitsAllocated", "photometric", "sizeBytes", "storedBytes", "sha256", "storageKey", "ingestCpuMs")
     VALUES (gen_random_uuid(), $1, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT ("sopInstanceUid") DO NOTHING RETURNING "id"`,
    [i.sopInstanceUid, i.sopClassUid, seriesDbId, i.instanceNumber, i.transferSyntaxUid, i.rows, i.columns, i.numberOfFrames, i.bitsAllocated,
      i.photometric, i.sizeBytes, i.storedBytes, i.sha256, i.storageKey, i.ingestCpuMs ?? null]);
  if (inserted[0]) return { status: 'stored', ids: { patientDbId, studyDbId, seriesDbId, instanceDbId: inserted[0].id } };
  const existing = await findInstanceBySopUid(sql, i.sopInstanceUid);
  if (!existing) throw new Error('instance vanished during indexing');
  return { status: existing.sha256 === i.sha256 ? 'duplicate' : 'conflict', existing };
}

/** Blob keys a row points at, among the given candidates (for orphan-blob sweeps): an instance's
 *  stored file, or a de-identified export's archive. */
export async function referencedStorageKeys(sql: Sql, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await sql.query<{ storageKey: string }>(
    `SELECT "storageKey" FROM "Instance" WHERE "storageKey" = ANY($1)
     UNION SELECT "archiveKey" FROM "DeidentifiedExport" WHERE "archiveKey" = ANY($1)`, [keys]);
  return new Set(rows.map((r) => r.storageKey));
}
