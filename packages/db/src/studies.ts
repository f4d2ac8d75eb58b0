// Study search in SQL: DICOM wildcard matching (PS3.4 §C.2.2.2.4: `*` any run, `?` one character),
// date ranges, keyset (cursor) pagination with a stable tie-break on id, and the total count.
import { Prisma } from './generated/prisma/client';
import type { Db } from './client';

export type StudySortField = 'STUDY_DATE' | 'PATIENT_NAME' | 'ACCESSION_NUMBER' | 'CREATED_AT';
export type SortDirection = 'ASC' | 'DESC';

export interface StudyFilter {
  patientName?: string | null;
  patientId?: string | null;
  modality?: string | null;
  studyDateFrom?: Date | null;
  studyDateTo?: Date | null;
  accessionNumber?: string | null;
  description?: string | null;
  studyInstanceUid?: string | null;
}

export interface StudyRow {
  id: string;
  studyInstanceUid: string;
  patientDbId: string;
  studyDate: Date | null;
  studyTime: string | null;
  accessionNumber: string | null;
  description: string | null;
  referringPhysician: string | null;
  studyId: string | null;
  createdAt: Date;
  patientName: string | null;
  sortValue: string;
}

/** Translates a DICOM wildcard pattern to a LIKE pattern, escaping LIKE's own metacharacters. */
export function wildcardToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

const SORT_SQL: Record<StudySortField, Prisma.Sql> = {
  STUDY_DATE: Prisma.sql`COALESCE(to_char(s."studyDate", 'YYYY-MM-DD'), '')`,
  PATIENT_NAME: Prisma.sql`COALESCE(p."patientNameKey", '')`,
  ACCESSION_NUMBER: Prisma.sql`COALESCE(s."accessionNumber", '')`,
  CREATED_AT: Prisma.sql`to_char(s."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS')`,
};

function whereClause(f: StudyFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (f.patientName) parts.push(Prisma.sql`p."patientNameKey" LIKE ${wildcardToLike(f.patientName.toUpperCase())}`);
  if (f.patientId) parts.push(Prisma.sql`p."patientId" LIKE ${wildcardToLike(f.patientId)}`);
  if (f.accessionNumber) parts.push(Prisma.sql`s."accessionNumber" LIKE ${wildcardToLike(f.accessionNumber)}`);
  if (f.description) parts.push(Prisma.sql`s."descriptionKey" LIKE ${wildcardToLike(f.description.toUpperCase())}`);
  if (f.studyInstanceUid) parts.push(Prisma.sql`s."studyInstanceUid" = ${f.studyInstanceUid}`);
  if (f.studyDateFrom) parts.push(Prisma.sql`s."studyDate" >= ${f.studyDateFrom}::date`);
  if (f.studyDateTo) parts.push(Prisma.sql`s."studyDate" <= ${f.studyDateTo}::date`);
  if (f.modality) {
    parts.push(Prisma.sql`EXISTS (SELECT 1 FROM "Series" se WHERE se."studyDbId" = s."id" AND se."modality" = ${f.modality.toUpperCase()})`);
  }
  return Prisma.join(parts, ' AND ');
}

export interface StudyCursor { v: string; id: string }

export async function searchStudies(
  db: Db,
  options: { filter: StudyFilter; sort: StudySortField; direction: SortDirection; first: number; after?: StudyCursor | null },
): Promise<{ rows: StudyRow[]; totalCount: number; hasNextPage: boolean }> {
  const sortExpr = SORT_SQL[options.sort];
  const where = whereClause(options.filter);
  const desc = options.direction === 'DESC';
  const after = options.after
    ? desc
      ? Prisma.sql`AND (${sortExpr}, s."id") < (${options.after.v}, ${options.after.id}::uuid)`
      : Prisma.sql`AND (${sortExpr}, s."id") > (${options.after.v}, ${options.after.id}::uuid)`
    : Prisma.empty;
  const order = desc ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const [rows, count] = await Promise.all([
    db.$queryRaw<StudyRow[]>`
      SELECT s."id", s."studyInstanceUid", s."patientDbId", s."studyDate", s."studyTime", s."accessionNumber", s."description",
             s."referringPhysician", s."studyId", s."createdAt", p."patientName", ${sortExpr} AS "sortValue"
      FROM "Study" s JOIN "Patient" p ON p."id" = s."patientDbId"
      WHERE ${where} ${after}
      ORDER BY ${sortExpr} ${order}, s."id" ${order}
      LIMIT ${options.first + 1}`,
    db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "Study" s JOIN "Patient" p ON p."id" = s."patientDbId" WHERE ${where}`,
  ]);
  return { rows: rows.slice(0, options.first), totalCount: Number(count[0]?.n ?? 0), hasNextPage: rows.length > options.first };
}
