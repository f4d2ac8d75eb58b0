// What a study cost, stage by stage, from the figures the pipeline records and the configured
// unit prices: compute (CPU seconds, or GPU seconds when a GPU backend ran the stage), storage
// (GB-month of the compressed files) and transfer (bytes sent to viewers and clients, from
// StudyTransfer; bytes received at ingest are reported but not charged: ingress is free at the
// usual providers, and the daily report and budget count the same way). Ingest CPU is `Instance.ingestCpuMs` (see ingest/cpu-meter.ts);
// it is null for instances stored before it was measured, never guessed.
import { poolSql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import type { DomainContext, Services } from '../context';
import { GB, computeCost, stageCompute, transferCost } from './pricing';

export interface StageCost {
  name: string;
  wallMs: number;
  cpuSeconds: number | null;
  gpuSeconds: number;
  bytesIn: number;
  bytesOut: number;
  cost: number;
}

export interface StudyCost {
  currency: string;
  stages: StageCost[];
  storedBytes: number;
  storagePerMonth: number;
  /** Compute and transfer of all stages (storage is per month, reported beside it). */
  total: number;
}

export async function studyCost(ctx: DomainContext, studyDbId: string): Promise<StudyCost> {
  requirePermission(ctx.principal, 'phi:read');
  return studyCostFigures(ctx, studyDbId);
}

/** studyCost without the permission check, for callers that checked their own (the cost report). */
export async function studyCostFigures(services: Services, studyDbId: string): Promise<StudyCost> {
  const prices = services.config.unitPrices;
  const sql = poolSql(services.db);
  const [ingest] = await sql.query<{ received: number; stored: number; wall_ms: number | null; cpu_ms: number | null }>(
    `SELECT COALESCE(sum(i."sizeBytes"), 0)::float8 AS received, COALESCE(sum(i."storedBytes"), 0)::float8 AS stored,
            sum(i."ingestCpuMs")::float8 AS cpu_ms,
            (EXTRACT(EPOCH FROM max(i."createdAt") - min(i."createdAt")) * 1000)::float8 AS wall_ms
       FROM "Instance" i JOIN "Series" s ON s.id = i."seriesDbId" WHERE s."studyDbId" = $1`, [studyDbId]);
  const stageRows = await sql.query<{ name: string; wall_ms: number; cpu_ms: number; bytes_in: number; bytes_out: number; backend: string | null }>(
    `SELECT st.name, st."durationMs"::float8 AS wall_ms, st."cpuMs"::float8 AS cpu_ms, st."bytesIn"::float8 AS bytes_in, st."bytesOut"::float8 AS bytes_out,
            st.details->>'backend' AS backend
       FROM "ProcessingStage" st JOIN "SeriesProcessing" p ON p."seriesDbId" = st."seriesDbId" WHERE p."studyDbId" = $1`, [studyDbId]);
  const [transfer] = await sql.query<{ bytes: number | null }>(
    `SELECT sum(bytes)::float8 AS bytes FROM "StudyTransfer" WHERE "studyDbId" = $1`, [studyDbId]);
  const [review] = await sql.query<{ wait_ms: number | null; review_ms: number | null }>(
    `SELECT (EXTRACT(EPOCH FROM min(d."createdAt") - min(t."createdAt")) * 1000)::float8 AS wait_ms,
            (EXTRACT(EPOCH FROM max(d."createdAt") - min(d."createdAt")) * 1000)::float8 AS review_ms
       FROM "ReviewTask" t LEFT JOIN "ReviewDecision" d ON d."taskId" = t.id WHERE t."studyDbId" = $1`, [studyDbId]);

  const ingestCpuSeconds = ingest.cpu_ms === null ? null : ingest.cpu_ms / 1000;
  const stages: StageCost[] = [{
    name: 'ingest', wallMs: Math.round(ingest.wall_ms ?? 0), cpuSeconds: ingestCpuSeconds, gpuSeconds: 0, bytesIn: ingest.received, bytesOut: ingest.stored,
    cost: computeCost(prices, { cpuSeconds: ingestCpuSeconds ?? 0, gpuSeconds: 0 }),
  }];
  for (const name of ['preprocess', 'inference']) {
    const rows = stageRows.filter((r) => r.name === name);
    if (rows.length === 0) continue;
    let cpuSeconds = 0, gpuSeconds = 0, wallMs = 0, bytesIn = 0, bytesOut = 0;
    for (const r of rows) {
      wallMs += r.wall_ms; bytesIn += r.bytes_in; bytesOut += r.bytes_out;
      const compute = stageCompute({ cpuMs: r.cpu_ms, wallMs: r.wall_ms, backend: r.backend });
      cpuSeconds += compute.cpuSeconds; gpuSeconds += compute.gpuSeconds;
    }
    stages.push({ name, wallMs: Math.round(wallMs), cpuSeconds, gpuSeconds, bytesIn, bytesOut, cost: computeCost(prices, { cpuSeconds, gpuSeconds }) });
  }
  // bytes sent (WADO-RS, rendered images, masks), counted by the api's transfer accounting
  if (transfer?.bytes != null) {
    stages.push({ name: 'transfer', wallMs: 0, cpuSeconds: 0, gpuSeconds: 0, bytesIn: 0, bytesOut: transfer.bytes, cost: transferCost(prices, transfer.bytes) });
  }
  if (review?.wait_ms != null) stages.push({ name: 'review wait', wallMs: Math.round(review.wait_ms), cpuSeconds: 0, gpuSeconds: 0, bytesIn: 0, bytesOut: 0, cost: 0 });
  if (review?.review_ms != null) stages.push({ name: 'review', wallMs: Math.round(review.review_ms), cpuSeconds: 0, gpuSeconds: 0, bytesIn: 0, bytesOut: 0, cost: 0 });
  return {
    currency: prices.currency, stages, storedBytes: ingest.stored, storagePerMonth: (ingest.stored / GB) * prices.gbMonth,
    total: stages.reduce((a, s) => a + s.cost, 0),
  };
}
