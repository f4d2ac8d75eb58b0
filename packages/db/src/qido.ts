// QIDO-RS searches (PS3.18 §10.6) in SQL: attribute matching per PS3.4 §C.2.2.2 — single value,
// wildcard (* ?), UID list, and DA range — over the Patient/Study/Series/Instance index. The
// DIMSE C-FIND SCP searches the same way, and also at PATIENT level (Patient Root, PS3.4 §C.6.1).
import type { Sql } from './sql';
import { wildcardToLike } from './studies';

export type QidoLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'INSTANCE';

export interface QidoMatch {
  /** Canonical keyword, e.g. PatientName. */
  keyword: string;
  value: string;
}

interface Column { sql: string; kind: 'text' | 'upper' | 'uid' | 'date' | 'int' | 'modalities' }

/** Which columns each matching key searches, and how. */
export const QIDO_COLUMNS: Record<string, Column & { levels: QidoLevel[] }> = {
  PatientName: { sql: 'p."patientNameKey"', kind: 'upper', levels: ['PATIENT', 'STUDY', 'SERIES', 'INSTANCE'] },
  PatientID: { sql: 'p."patientId"', kind: 'text', levels: ['PATIENT', 'STUDY', 'SERIES', 'INSTANCE'] },
  AccessionNumber: { sql: 's."accessionNumber"', kind: 'text', levels: ['STUDY', 'SERIES', 'INSTANCE'] },
  StudyDate: { sql: 's."studyDate"', kind: 'date', levels: ['STUDY', 'SERIES', 'INSTANCE'] },
  StudyInstanceUID: { sql: 's."studyInstanceUid"', kind: 'uid', levels: ['STUDY', 'SERIES', 'INSTANCE'] },
  StudyDescription: { sql: 's."descriptionKey"', kind: 'upper', levels: ['STUDY', 'SERIES', 'INSTANCE'] },
  StudyID: { sql: 's."studyId"', kind: 'text', levels: ['STUDY', 'SERIES', 'INSTANCE'] },
  ReferringPhysicianName: { sql: 's."referringPhysician"', kind: 'text', levels: ['STUDY', 'SERIES', 'INSTANCE'] },
  ModalitiesInStudy: { sql: 's."id"', kind: 'modalities', levels: ['STUDY'] },
  Modality: { sql: 'se."modality"', kind: 'text', levels: ['SERIES', 'INSTANCE'] },
  SeriesInstanceUID: { sql: 'se."seriesInstanceUid"', kind: 'uid', levels: ['SERIES', 'INSTANCE'] },
  SeriesNumber: { sql: 'se."seriesNumber"', kind: 'int', levels: ['SERIES', 'INSTANCE'] },
  SeriesDescription: { sql: 'se."description"', kind: 'text', levels: ['SERIES', 'INSTANCE'] },
  SOPInstanceUID: { sql: 'i."sopInstanceUid"', kind: 'uid', levels: ['INSTANCE'] },
  SOPClassUID: { sql: 'i."sopClassUid"', kind: 'uid', levels: ['INSTANCE'] },
  InstanceNumber: { sql: 'i."instanceNumber"', kind: 'int', levels: ['INSTANCE'] },
};

function daToIso(da: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

export class QidoMatchError extends Error {}

function condition(col: Column, value: string, params: unknown[]): string {
  const p = (v: unknown) => { params.push(v); return `$${params.length}`; };
  switch (col.kind) {
    case 'uid': {
      const uids = value.split(/[\\,]/).map((u) => u.trim()).filter(Boolean);
      return `${col.sql} = ANY(${p(uids)}::text[])`;
    }
    case 'date': {
      const [from, to] = value.includes('-') ? value.split('-') : [value, value];
      const parts: string[] = [];
      if (from) { const d = daToIso(from); if (!d) throw new QidoMatchError(`date ${from} is not YYYYMMDD`); parts.push(`${col.sql} >= ${p(d)}::date`); }
      if (to) { const d = daToIso(to); if (!d) throw new QidoMatchError(`date ${to} is not YYYYMMDD`); parts.push(`${col.sql} <= ${p(d)}::date`); }
      return parts.length ? parts.join(' AND ') : 'TRUE';
    }
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw new QidoMatchError(`${value} is not an integer`);
      return `${col.sql} = ${p(Number(value))}`;
    }
    case 'modalities':
      return `EXISTS (SELECT 1 FROM "Series" m WHERE m."studyDbId" = s."id" AND m."modality" = ANY(${p(value.split(/[\\,]/).map((v) => v.trim().toUpperCase()))}::text[]))`;
    case 'upper':
      return `${col.sql} LIKE ${p(wildcardToLike(value.toUpperCase()))}`;
    default:
      return /[*?]/.test(value) ? `${col.sql} LIKE ${p(wildcardToLike(value))}` : `${col.sql} = ${p(value)}`;
  }
}

export interface QidoStudyRow {
  studyInstanceUid: string; studyDate: string | null; studyTime: string | null; accessionNumber: string | null; description: string | null;
  referringPhysician: string | null; studyId: string | null; patientName: string | null; patientId: string; birthDate: string | null; sex: string | null;
  modalities: string[]; series: number; instances: number;
}
export interface QidoPatientRow { patientName: string | null; patientId: string; birthDate: string | null; sex: string | null; studies: number; series: number; instances: number }
export interface QidoSeriesRow { studyInstanceUid: string; seriesInstanceUid: string; modality: string | null; seriesNumber: number | null; description: string | null; instances: number }
export interface QidoInstanceRow {
  studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; sopClassUid: string; instanceNumber: number | null;
  rows: number | null; columns: number | null; numberOfFrames: number | null; transferSyntaxUid: string; modality: string | null;
}

export async function qidoSearch(sql: Sql, level: QidoLevel, matches: QidoMatch[], page: { limit: number; offset: number }): Promise<unknown[]> {
  const params: unknown[] = [];
  const where = matches.map((m) => {
    const col = QIDO_COLUMNS[m.keyword];
    if (!col || !col.levels.includes(level)) throw new QidoMatchError(`${m.keyword} cannot be matched at ${level.toLowerCase()} level`);
    return condition(col, m.value, params);
  });
  const whereSql = where.length ? where.join(' AND ') : 'TRUE';
  params.push(page.limit, page.offset);
  const limit = `LIMIT $${params.length - 1} OFFSET $${params.length}`;
  if (level === 'PATIENT') {
    return sql.query<QidoPatientRow>(`
      SELECT p."patientName", p."patientId", p."birthDate", p."sex",
             (SELECT count(*)::int FROM "Study" m WHERE m."patientDbId" = p."id") AS "studies",
             (SELECT count(*)::int FROM "Series" x JOIN "Study" m ON m."id" = x."studyDbId" WHERE m."patientDbId" = p."id") AS "series",
             (SELECT count(*)::int FROM "Instance" i JOIN "Series" x ON x."id" = i."seriesDbId" JOIN "Study" m ON m."id" = x."studyDbId" WHERE m."patientDbId" = p."id") AS "instances"
      FROM "Patient" p
      WHERE ${whereSql} ORDER BY p."patientId", p."id" ${limit}`, params);
  }
  if (level === 'STUDY') {
    // the page first (in index order where the match allows), then the counts for its rows only
    return sql.query<QidoStudyRow>(`
      SELECT page."studyInstanceUid", to_char(page."studyDate", 'YYYYMMDD') AS "studyDate", page."studyTime", page."accessionNumber", page."description",
             page."referringPhysician", page."studyId", page."patientName", page."patientId", page."birthDate", page."sex",
             c."modalities", c."series", c."instances"
      FROM (SELECT s."id", s."studyInstanceUid", s."studyDate", s."studyTime", s."accessionNumber", s."description", s."referringPhysician", s."studyId",
                   p."patientName", p."patientId", p."birthDate", p."sex"
              FROM "Study" s JOIN "Patient" p ON p."id" = s."patientDbId"
             WHERE ${whereSql} ORDER BY s."studyDate" DESC NULLS LAST, s."studyInstanceUid" ${limit}) page
      CROSS JOIN LATERAL (
        SELECT COALESCE(array_agg(DISTINCT m."modality") FILTER (WHERE m."modality" IS NOT NULL), '{}') AS "modalities",
               count(*)::int AS "series", COALESCE(sum(n.instances), 0)::int AS "instances"
          FROM "Series" m CROSS JOIN LATERAL (SELECT count(*) AS instances FROM "Instance" x WHERE x."seriesDbId" = m."id") n
         WHERE m."studyDbId" = page."id") c
      ORDER BY page."studyDate" DESC NULLS LAST, page."studyInstanceUid"`, params);
  }
  if (level === 'SERIES') {
    return sql.query<QidoSeriesRow>(`
      SELECT s."studyInstanceUid", se."seriesInstanceUid", se."modality", se."seriesNumber", se."description",
             (SELECT count(*)::int FROM "Instance" x WHERE x."seriesDbId" = se."id") AS "instances"
      FROM "Series" se JOIN "Study" s ON s."id" = se."studyDbId" JOIN "Patient" p ON p."id" = s."patientDbId"
      WHERE ${whereSql} ORDER BY s."studyInstanceUid", se."seriesNumber" NULLS LAST, se."seriesInstanceUid" ${limit}`, params);
  }
  return sql.query<QidoInstanceRow>(`
    SELECT s."studyInstanceUid", se."seriesInstanceUid", i."sopInstanceUid", i."sopClassUid", i."instanceNumber", i."rows", i."columns",
           i."numberOfFrames", i."transferSyntaxUid", se."modality"
    FROM "Instance" i JOIN "Series" se ON se."id" = i."seriesDbId" JOIN "Study" s ON s."id" = se."studyDbId" JOIN "Patient" p ON p."id" = s."patientDbId"
    WHERE ${whereSql} ORDER BY se."seriesInstanceUid", i."instanceNumber" NULLS LAST, i."sopInstanceUid" ${limit}`, params);
}

/** Storage keys and UIDs of the instances under a study / series / instance, for WADO-RS. */
export async function instancesForRetrieval(sql: Sql, uids: { study: string; series?: string; instance?: string }) {
  const params: unknown[] = [uids.study];
  let extra = '';
  if (uids.series) { params.push(uids.series); extra += ` AND se."seriesInstanceUid" = $${params.length}`; }
  if (uids.instance) { params.push(uids.instance); extra += ` AND i."sopInstanceUid" = $${params.length}`; }
  return sql.query<{ sopInstanceUid: string; seriesInstanceUid: string; storageKey: string; sha256: string; transferSyntaxUid: string; sizeBytes: string }>(`
    SELECT i."sopInstanceUid", se."seriesInstanceUid", i."storageKey", i."sha256", i."transferSyntaxUid", i."sizeBytes"::text AS "sizeBytes"
    FROM "Instance" i JOIN "Series" se ON se."id" = i."seriesDbId" JOIN "Study" s ON s."id" = se."studyDbId"
    WHERE s."studyInstanceUid" = $1${extra} ORDER BY se."seriesNumber" NULLS LAST, se."seriesInstanceUid", i."instanceNumber" NULLS LAST, i."sopInstanceUid"`, params);
}
