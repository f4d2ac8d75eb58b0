// Batch loaders for nested GraphQL fields: one query per level per request, whatever the page
// size (no N+1). The api wraps these in DataLoaders on the request context.
import type { Db, Series, Instance, Patient } from '@imaging/db';

export async function patientsByIds(db: Db, ids: readonly string[]): Promise<(Patient | null)[]> {
  const rows = await db.patient.findMany({ where: { id: { in: [...ids] } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

export async function seriesByStudyIds(db: Db, studyIds: readonly string[]): Promise<Series[][]> {
  const rows = await db.series.findMany({ where: { studyDbId: { in: [...studyIds] } }, orderBy: [{ seriesNumber: 'asc' }, { seriesInstanceUid: 'asc' }] });
  return studyIds.map((id) => rows.filter((r) => r.studyDbId === id));
}

export async function instancesBySeriesIds(db: Db, seriesIds: readonly string[]): Promise<Instance[][]> {
  const rows = await db.instance.findMany({ where: { seriesDbId: { in: [...seriesIds] } }, orderBy: [{ instanceNumber: 'asc' }, { sopInstanceUid: 'asc' }] });
  const groups = new Map<string, Instance[]>();
  for (const r of rows) groups.set(r.seriesDbId, [...(groups.get(r.seriesDbId) ?? []), r]);
  return seriesIds.map((id) => groups.get(id) ?? []);
}

export interface StudyCounts { series: number; instances: number; sizeBytes: bigint; storedBytes: bigint; modalities: string[] }

export async function studyCountsByIds(db: Db, studyIds: readonly string[]): Promise<StudyCounts[]> {
  const rows = await db.$queryRaw<{ studyDbId: string; series: bigint; instances: bigint; sizeBytes: bigint | null; storedBytes: bigint | null; modalities: string[] | null }[]>`
    SELECT se."studyDbId", count(DISTINCT se."id") AS series, count(i."id") AS instances,
           sum(i."sizeBytes") AS "sizeBytes", sum(i."storedBytes") AS "storedBytes",
           array_remove(array_agg(DISTINCT se."modality"), NULL) AS modalities
    FROM "Series" se LEFT JOIN "Instance" i ON i."seriesDbId" = se."id"
    WHERE se."studyDbId" = ANY(${[...studyIds]}::uuid[])
    GROUP BY se."studyDbId"`;
  const byId = new Map(rows.map((r) => [r.studyDbId, r]));
  return studyIds.map((id) => {
    const r = byId.get(id);
    return {
      series: Number(r?.series ?? 0), instances: Number(r?.instances ?? 0),
      sizeBytes: r?.sizeBytes ?? 0n, storedBytes: r?.storedBytes ?? 0n, modalities: r?.modalities ?? [],
    };
  });
}
