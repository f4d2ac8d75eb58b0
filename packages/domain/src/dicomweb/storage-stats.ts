// Storage totals for administrators: bytes as received (Instance.sizeBytes) against bytes kept
// (Instance.storedBytes, after the lossless storage compression of the preprocess job), over the
// archive and broken down by transfer syntax and by modality. Read from the index only.
import { poolSql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { transferSyntax } from '@imaging/dicom';
import type { DomainContext } from '../context';

export interface StorageFigures { count: number; originalBytes: number; storedBytes: number; ratio: number }
export interface StorageStats extends Omit<StorageFigures, 'count'> {
  instances: number;
  studies: number;
  byTransferSyntax: (StorageFigures & { transferSyntaxUid: string; name: string | null })[];
  byModality: (StorageFigures & { modality: string | null })[];
}

interface Row { key: string | null; count: number; original: string; stored: string }

function figures(r: Row): StorageFigures {
  const originalBytes = Number(r.original);
  const storedBytes = Number(r.stored);
  return { count: r.count, originalBytes, storedBytes, ratio: storedBytes > 0 ? originalBytes / storedBytes : 1 };
}

const FROM = 'FROM "Instance" i JOIN "Series" se ON se."id" = i."seriesDbId"';
const SUMS = 'count(*)::int AS count, coalesce(sum(i."sizeBytes"), 0)::text AS original, coalesce(sum(i."storedBytes"), 0)::text AS stored';

export async function getStorageStats(ctx: DomainContext): Promise<StorageStats> {
  requirePermission(ctx.principal, 'model:manage');
  const sql = poolSql(ctx.db);
  const [[total], [studies], bySyntax, byModality] = await Promise.all([
    sql.query<Row>(`SELECT NULL AS key, ${SUMS} ${FROM}`),
    sql.query<{ count: number }>(`SELECT count(DISTINCT se."studyDbId")::int AS count ${FROM}`),
    sql.query<Row>(`SELECT i."transferSyntaxUid" AS key, ${SUMS} ${FROM} GROUP BY 1 ORDER BY sum(i."sizeBytes") DESC, 1`),
    sql.query<Row>(`SELECT se."modality" AS key, ${SUMS} ${FROM} GROUP BY 1 ORDER BY sum(i."sizeBytes") DESC, 1`),
  ]);
  const { count, ...all } = figures(total);
  return {
    instances: count, studies: studies.count, ...all,
    byTransferSyntax: bySyntax.map((r) => ({ transferSyntaxUid: r.key ?? '', name: transferSyntax(r.key ?? '')?.name ?? null, ...figures(r) })),
    byModality: byModality.map((r) => ({ modality: r.key, ...figures(r) })),
  };
}
