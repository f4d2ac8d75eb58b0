// The cost report of the admin page: per UTC day what came in and what it cost (compute, bytes
// sent, storage), the recent studies stage by stage, the speed / cost trade-off of each model
// variant as it actually ran, and the queues with their waiting times.
import { poolSql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Invalid } from '@imaging/errors';
import type { DomainContext, Services } from '../context';
import { computeCost, stageCompute, stageComputeSql, storageCost, transferCost } from './pricing';
import { studyCostFigures } from './study-cost';
import { utcDay } from './budget-policy';
import { variantFrontier, type FrontierPoint } from './variant-frontier';

export const MAX_REPORT_DAYS = 366;
const RECENT_STUDIES = 10;

export interface DailyCost {
  day: string;
  studies: number;
  series: number;
  slices: number;
  cpuSeconds: number;
  gpuSeconds: number;
  computeCost: number;
  transferCost: number;
  storageCost: number;
  total: number;
}

export interface RecentStudyCost {
  studyInstanceUid: string;
  description: string | null;
  createdAt: Date;
  stages: { name: string; wallMs: number; cost: number }[];
  total: number;
}

export interface VariantTradeOff {
  variant: string;
  backend: string;
  series: number;
  slices: number;
  slicesPerSecond: number | null;
  costPerThousandSlices: number | null;
  /** Mask Dice against the float32 weights (ModelArtifact.metrics of the active version); 1 for float32. */
  agreementWithFloat32: number | null;
}

export interface QueueFigures {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingMs: number | null;
  /** infer only: mean SeriesProcessing queuedAt → startedAt of series started in the last day. */
  meanWaitMs: number | null;
}

export interface CostReport {
  currency: string;
  days: DailyCost[];
  recentStudies: RecentStudyCost[];
  variants: VariantTradeOff[];
  /** The active version's variants: cost per reference study against held-out Dice, as benchmarked. */
  frontier: FrontierPoint[];
  queues: QueueFigures[];
}

export async function costReport(ctx: DomainContext, days = 14, now = new Date()): Promise<CostReport> {
  requirePermission(ctx.principal, 'model:manage');
  if (!Number.isInteger(days) || days <= 0 || days > MAX_REPORT_DAYS) throw new Invalid(`days must be a whole number from 1 to ${MAX_REPORT_DAYS}`, { days });
  const last = utcDay(now);
  const first = utcDay(new Date(Date.parse(`${last}T00:00:00Z`) - (days - 1) * 86_400_000));
  const [daily, recentStudies, variants, frontier, queues] = await Promise.all([
    dailyCosts(ctx, first, last), recentStudyCosts(ctx), variantTradeOffs(ctx, first), variantFrontier(ctx), queueFigures(ctx, now),
  ]);
  return { currency: ctx.config.unitPrices.currency, days: daily, recentStudies, variants, frontier, queues };
}

async function dailyCosts(services: Services, first: string, last: string): Promise<DailyCost[]> {
  const prices = services.config.unitPrices;
  const stage = stageComputeSql('st');
  const rows = await poolSql(services.db).query<{
    day: string; studies: number; series: number; slices: number; cpu_s: number; ingest_cpu_s: number; gpu_s: number; bytes_sent: number; stored_bytes: number;
  }>(
    `WITH days AS (SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') d),
     arrivals AS (
       SELECT i."createdAt"::date AS day, count(DISTINCT se."studyDbId")::int AS studies, count(DISTINCT i."seriesDbId")::int AS series,
              count(*)::int AS slices, COALESCE(sum(i."ingestCpuMs"), 0)::float8 / 1000 AS ingest_cpu_s
         FROM "Instance" i JOIN "Series" se ON se.id = i."seriesDbId"
        WHERE i."createdAt" >= $1::date AND i."createdAt" < $2::date + 1 GROUP BY 1),
     compute AS (
       SELECT st."startedAt"::date AS day, sum(${stage.cpuSeconds})::float8 AS cpu_s, sum(${stage.gpuSeconds})::float8 AS gpu_s
         FROM "ProcessingStage" st WHERE st."startedAt" >= $1::date AND st."startedAt" < $2::date + 1 GROUP BY 1),
     sent AS (SELECT t.day, sum(t.bytes)::float8 AS bytes FROM "StudyTransfer" t WHERE t.day BETWEEN $1::date AND $2::date GROUP BY 1)
     SELECT to_char(d.day, 'YYYY-MM-DD') AS day, COALESCE(a.studies, 0) AS studies, COALESCE(a.series, 0) AS series, COALESCE(a.slices, 0) AS slices,
            COALESCE(c.cpu_s, 0) AS cpu_s, COALESCE(a.ingest_cpu_s, 0) AS ingest_cpu_s, COALESCE(c.gpu_s, 0) AS gpu_s, COALESCE(s.bytes, 0) AS bytes_sent,
            (SELECT COALESCE(sum(i."storedBytes"), 0) FROM "Instance" i WHERE i."createdAt" < d.day + 1)::float8 AS stored_bytes
       FROM days d LEFT JOIN arrivals a ON a.day = d.day LEFT JOIN compute c ON c.day = d.day LEFT JOIN sent s ON s.day = d.day
      ORDER BY d.day`, [first, last]);
  return rows.map((r) => {
    const cpuSeconds = r.cpu_s + r.ingest_cpu_s;
    const computeCostValue = computeCost(prices, { cpuSeconds, gpuSeconds: r.gpu_s });
    const transferCostValue = transferCost(prices, r.bytes_sent);
    // what was stored at the end of the day, for one day of the month's price
    const storageCostValue = storageCost(prices, r.stored_bytes, 1);
    return {
      day: r.day, studies: r.studies, series: r.series, slices: r.slices, cpuSeconds, gpuSeconds: r.gpu_s,
      computeCost: computeCostValue, transferCost: transferCostValue, storageCost: storageCostValue,
      total: computeCostValue + transferCostValue + storageCostValue,
    };
  });
}

async function recentStudyCosts(services: Services): Promise<RecentStudyCost[]> {
  const studies = await poolSql(services.db).query<{ id: string; uid: string; description: string | null; created_at: Date }>(
    `SELECT id, "studyInstanceUid" AS uid, description, "createdAt" AS created_at FROM "Study" ORDER BY "createdAt" DESC, id LIMIT $1`, [RECENT_STUDIES]);
  return Promise.all(studies.map(async (s) => {
    const cost = await studyCostFigures(services, s.id);
    return {
      studyInstanceUid: s.uid, description: s.description, createdAt: s.created_at,
      stages: cost.stages.map((st) => ({ name: st.name, wallMs: st.wallMs, cost: st.cost })), total: cost.total,
    };
  }));
}

async function variantTradeOffs(services: Services, first: string): Promise<VariantTradeOff[]> {
  const sql = poolSql(services.db);
  const prices = services.config.unitPrices;
  const stages = await sql.query<{ variant: string; backend: string; runs: number; slices: number; wall_ms: number; cpu_ms: number }>(
    `SELECT st.details->>'variant' AS variant, st.details->>'backend' AS backend, count(*)::int AS runs, sum(st.items)::int AS slices,
            sum(st."durationMs")::float8 AS wall_ms, sum(st."cpuMs")::float8 AS cpu_ms
       FROM "ProcessingStage" st
      WHERE st.name = 'inference' AND st."startedAt" >= $1::date AND st.details->>'variant' IS NOT NULL
      GROUP BY 1, 2`, [first]);
  const results = await sql.query<{ variant: string; backend: string; series: number }>(
    `SELECT variant, backend, count(DISTINCT "seriesDbId")::int AS series FROM "AiResult" WHERE "createdAt" >= $1::date GROUP BY 1, 2`, [first]);
  const agreement = await sql.query<{ variant: string; mask_dice: number | null }>(
    `SELECT a.variant, (a.metrics->'agreementWithFloat32'->>'maskDice')::float8 AS mask_dice
       FROM "ModelArtifact" a JOIN "ModelVersion" v ON v.id = a."modelVersionId" WHERE v.status = 'ACTIVE'`);
  const seriesBy = new Map(results.map((r) => [`${r.variant}/${r.backend}`, r.series]));
  const agreementBy = new Map(agreement.map((a) => [a.variant, a.variant === 'float32' ? 1 : a.mask_dice]));
  return stages
    .map((s) => {
      const cost = computeCost(prices, stageCompute({ cpuMs: s.cpu_ms, wallMs: s.wall_ms, backend: s.backend }));
      return {
        variant: s.variant, backend: s.backend, series: seriesBy.get(`${s.variant}/${s.backend}`) ?? s.runs, slices: s.slices,
        slicesPerSecond: s.wall_ms > 0 ? s.slices / (s.wall_ms / 1000) : null,
        costPerThousandSlices: s.slices > 0 ? (cost / s.slices) * 1000 : null,
        agreementWithFloat32: agreementBy.get(s.variant) ?? null,
      };
    })
    .sort((a, b) => a.variant.localeCompare(b.variant) || a.backend.localeCompare(b.backend));
}

async function queueFigures(services: Services, now: Date): Promise<QueueFigures[]> {
  const counts = await services.queues.counts();
  const [infer] = await poolSql(services.db).query<{ mean_ms: number | null }>(
    `SELECT (avg(EXTRACT(EPOCH FROM "startedAt" - "queuedAt")) * 1000)::float8 AS mean_ms
       FROM "SeriesProcessing" WHERE "startedAt" IS NOT NULL AND "startedAt" >= "queuedAt" AND "startedAt" > $1::timestamp - interval '1 day'`, [now]);
  const queues = { preprocess: services.queues.preprocess, infer: services.queues.infer, retrain: services.queues.retrain };
  return Promise.all(Object.entries(counts).map(async ([name, c]) => {
    const queue = queues[name as keyof typeof queues];
    // the oldest job still waiting to start (delayed jobs wait on purpose and are counted apart)
    const waitingJobs = queue ? await queue.getJobs(['waiting', 'prioritized'], 0, 199, true) : [];
    const oldest = waitingJobs.reduce<number | null>((min, j) => (min === null || j.timestamp < min ? j.timestamp : min), null);
    return {
      name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0,
      oldestWaitingMs: oldest === null ? null : Math.max(0, now.getTime() - oldest),
      meanWaitMs: name === 'infer' ? infer?.mean_ms ?? null : null,
    };
  }));
}
