// Finding studies, patients, series and instances. Each top-level read of patient data writes one
// audit row (who looked, what they asked for, how many records came back); nested data is loaded
// in batches (loaders.ts) under the same audited request.
import { recordAudit, searchStudies as searchStudiesSql, type StudyFilter, type StudyRow, type StudySortField, type SortDirection, type Patient } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Invalid, NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';

export interface StudyPage { rows: StudyRow[]; totalCount: number; hasNextPage: boolean; endCursor: string | null }

export const MAX_PAGE_SIZE = 200;

export function encodeCursor(row: { sortValue: string; id: string }): string {
  return Buffer.from(JSON.stringify({ v: row.sortValue, id: row.id })).toString('base64url');
}

export function decodeCursor(cursor: string): { v: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v: unknown; id: unknown };
    if (typeof parsed.v === 'string' && typeof parsed.id === 'string' && /^[0-9a-f-]{36}$/.test(parsed.id)) return { v: parsed.v, id: parsed.id };
  } catch {
    // fall through to the error below
  }
  throw new Invalid('cursor is not valid: pass an endCursor returned by this query');
}

async function auditRead(ctx: DomainContext, action: string, resourceType: string, resourceId: string | null, details: Record<string, unknown>) {
  await recordAudit(ctx.db, { ...auditBase(ctx), action, resourceType, resourceId, outcome: 'SUCCESS', details });
}

export async function findStudies(
  ctx: DomainContext,
  input: { filter?: StudyFilter | null; sort?: StudySortField | null; direction?: SortDirection | null; first?: number | null; after?: string | null },
): Promise<StudyPage> {
  requirePermission(ctx.principal, 'phi:read');
  const first = input.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw new Invalid(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  const filter = input.filter ?? {};
  if (filter.studyDateFrom && filter.studyDateTo && filter.studyDateFrom > filter.studyDateTo) throw new Invalid('studyDateFrom is after studyDateTo');
  const page = await searchStudiesSql(ctx.db, {
    filter, sort: input.sort ?? 'STUDY_DATE', direction: input.direction ?? 'DESC', first,
    after: input.after ? decodeCursor(input.after) : null,
  });
  // The audit records which filters were used and how many studies came back, never the values
  // (a patient-name filter is itself patient data).
  await auditRead(ctx, 'study.search', 'Study', null, {
    filters: Object.entries(filter).filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k]) => k).sort(),
    returned: page.rows.length,
    studyInstanceUids: page.rows.map((r) => r.studyInstanceUid),
  });
  const last = page.rows[page.rows.length - 1];
  return { ...page, endCursor: last ? encodeCursor(last) : null };
}

export async function getStudy(ctx: DomainContext, studyInstanceUid: string): Promise<StudyRow> {
  requirePermission(ctx.principal, 'phi:read');
  const page = await searchStudiesSql(ctx.db, { filter: { studyInstanceUid }, sort: 'CREATED_AT', direction: 'ASC', first: 1 });
  const study = page.rows[0];
  if (!study) throw new NotFound(`study ${studyInstanceUid}`);
  await auditRead(ctx, 'study.read', 'Study', studyInstanceUid, {});
  return study;
}

export async function findPatients(ctx: DomainContext, input: { patientName?: string | null; patientId?: string | null; first?: number | null }): Promise<Patient[]> {
  requirePermission(ctx.principal, 'phi:read');
  const first = input.first ?? 50;
  if (first < 1 || first > MAX_PAGE_SIZE) throw new Invalid(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  const like = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
  const nameKey = input.patientName ? like(input.patientName.toUpperCase()) : '%';
  const pid = input.patientId ? like(input.patientId) : '%';
  const patients = await ctx.db.$queryRaw<Patient[]>`
    SELECT * FROM "Patient" WHERE COALESCE("patientNameKey", '') LIKE ${nameKey} AND "patientId" LIKE ${pid}
    ORDER BY "patientNameKey" NULLS LAST, "id" LIMIT ${first}`;
  await auditRead(ctx, 'patient.search', 'Patient', null, { returned: patients.length, patientDbIds: patients.map((p) => p.id) });
  return patients;
}

export async function getSeries(ctx: DomainContext, seriesInstanceUid: string) {
  requirePermission(ctx.principal, 'phi:read');
  const series = await ctx.db.series.findUnique({ where: { seriesInstanceUid } });
  if (!series) throw new NotFound(`series ${seriesInstanceUid}`);
  await auditRead(ctx, 'series.read', 'Series', seriesInstanceUid, {});
  return series;
}

export async function findInstances(ctx: DomainContext, seriesInstanceUid: string) {
  requirePermission(ctx.principal, 'phi:read');
  const series = await ctx.db.series.findUnique({ where: { seriesInstanceUid } });
  if (!series) throw new NotFound(`series ${seriesInstanceUid}`);
  const instances = await ctx.db.instance.findMany({ where: { seriesDbId: series.id }, orderBy: [{ instanceNumber: 'asc' }, { sopInstanceUid: 'asc' }] });
  await auditRead(ctx, 'instance.list', 'Series', seriesInstanceUid, { returned: instances.length });
  return instances;
}
