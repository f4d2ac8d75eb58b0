// Recovery of lost pipeline work. The committed Instance row is the outbox entry of its preprocess
// job (`preprocessedAt IS NULL`), and a SeriesProcessing row in QUEUED/RUNNING is the outbox entry of
// its infer job: whatever happened to Redis or the workers (a crash between commit and enqueue, a
// Redis restart without persistence, a job BullMQ failed after two worker deaths), the sweep finds
// work with no live job and enqueues it again under a fresh job id (BullMQ ignores an add whose id
// it still holds, failed or completed). Work requeued PIPELINE_MAX_REQUEUES times ends FAILED with a
// code, so a poison input is seen by a person instead of circling forever, and the sweep orders by
// age with a limit, so such inputs never starve the rest.
import { poolSql } from '@imaging/db';
import { inferJobId, preprocessJobId } from '@imaging/jobs';
import type { Services } from '../context';
import { STRAGGLER_MS, markSeriesFailed } from './process-series';
import { scheduleSeriesProcessing } from './schedule-processing';

export const REQUEUES_EXHAUSTED = 'PIPELINE_REQUEUES_EXHAUSTED';

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export interface SweepOptions {
  /** Only work older than this is looked at (default config.pipelineSweepAfterMs). */
  olderThanMs?: number;
  limit?: number;
}

export interface SweepReport { instancesRequeued: number; instancesFailed: number; seriesRequeued: number; seriesFailed: number }

async function isLive(queue: { getJob(id: string): Promise<{ getState(): Promise<string> } | undefined> }, ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (job && LIVE_STATES.has(await job.getState())) return true;
  }
  return false;
}

/** Marks an instance's preprocessing failed for good and lets its series go on without it. */
export async function markInstancePipelineFailed(services: Services, instanceId: string, code: string, message: string): Promise<void> {
  const [row] = await poolSql(services.db).query<{ series_id: string }>(
    `UPDATE "Instance" SET "pipelineFailedAt" = now(), "pipelineErrorCode" = $2, "pipelineError" = $3
      WHERE id = $1 AND "preprocessedAt" IS NULL RETURNING "seriesDbId" AS series_id`, [instanceId, code, message.slice(0, 500)]);
  services.log.warn({ instanceId, code }, 'instance preprocessing failed for good');
  if (row) await scheduleSeriesProcessing(services, row.series_id);
}

export async function sweepPipeline(services: Services, options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { instancesRequeued: 0, instancesFailed: 0, seriesRequeued: 0, seriesFailed: 0 };
  const olderThanSeconds = (options.olderThanMs ?? services.config.pipelineSweepAfterMs) / 1000;
  const limit = options.limit ?? 500;
  const maxRequeues = services.config.pipelineMaxRequeues;
  const sql = poolSql(services.db);

  const instances = await sql.query<{ id: string; series_id: string; study_id: string; requeues: number }>(
    `SELECT i.id, i."seriesDbId" AS series_id, s."studyDbId" AS study_id, i."pipelineRequeues" AS requeues
       FROM "Instance" i JOIN "Series" s ON s.id = i."seriesDbId"
      WHERE i."preprocessedAt" IS NULL AND i."pipelineFailedAt" IS NULL AND i."createdAt" < now() - make_interval(secs => $1)
      ORDER BY i."createdAt" LIMIT $2`, [olderThanSeconds, limit]);
  for (const i of instances) {
    if (await isLive(services.queues.preprocess, [preprocessJobId(i.id, i.requeues)])) continue;
    if (i.requeues >= maxRequeues) {
      await markInstancePipelineFailed(services, i.id, REQUEUES_EXHAUSTED, `preprocessing did not finish after ${i.requeues} requeues`);
      report.instancesFailed++;
      continue;
    }
    const requeue = i.requeues + 1;
    await sql.query(`UPDATE "Instance" SET "pipelineRequeues" = $2 WHERE id = $1`, [i.id, requeue]);
    await services.queues.enqueuePreprocess({ instanceId: i.id, seriesId: i.series_id, studyId: i.study_id, requestId: null }, { requeue });
    report.instancesRequeued++;
  }

  // A RUNNING series is only stale once its job's lock could have expired twice.
  const runningSeconds = Math.max(olderThanSeconds, (2 * services.config.inferLockMs) / 1000);
  const series = await sql.query<{ series_id: string; study_id: string; requeues: number; preprocessed: number; urgent: boolean }>(
    `SELECT p."seriesDbId" AS series_id, p."studyDbId" AS study_id, p.requeues, p.urgent,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = p."seriesDbId" AND i."preprocessedAt" IS NOT NULL) AS preprocessed
       FROM "SeriesProcessing" p
      WHERE ((p.state = 'QUEUED' AND p."updatedAt" < now() - make_interval(secs => $1))
         OR (p.state = 'RUNNING' AND p."updatedAt" < now() - make_interval(secs => $2)))
        -- a series still waiting for its instances is scheduled by the last of them (the instance sweep above covers those)
        AND NOT EXISTS (SELECT 1 FROM "Instance" i WHERE i."seriesDbId" = p."seriesDbId" AND i."preprocessedAt" IS NULL
                          AND i."pipelineFailedAt" IS NULL AND i."createdAt" > now() - make_interval(secs => $4))
      ORDER BY p."updatedAt" LIMIT $3`, [olderThanSeconds, runningSeconds, limit, STRAGGLER_MS / 1000]);
  for (const s of series) {
    const base = inferJobId(s.series_id, s.preprocessed);
    if (await isLive(services.queues.infer, s.requeues > 0 ? [base, `${base}-r${s.requeues}`] : [base])) continue;
    if (s.requeues >= maxRequeues) {
      await markSeriesFailed(services, s.series_id, REQUEUES_EXHAUSTED, `inference did not finish after ${s.requeues} requeues`);
      report.seriesFailed++;
      continue;
    }
    const requeue = s.requeues + 1;
    await sql.query(
      `UPDATE "SeriesProcessing" SET state = 'QUEUED', requeues = $2, "queuedAt" = now(), "updatedAt" = now() WHERE "seriesDbId" = $1`,
      [s.series_id, requeue]);
    await services.queues.enqueueInfer(
      { seriesId: s.series_id, studyId: s.study_id, preprocessedCount: s.preprocessed, urgent: s.urgent, requestId: null },
      { delayMs: 0, requeue });
    report.seriesRequeued++;
  }
  const moved = report.instancesRequeued + report.instancesFailed + report.seriesRequeued + report.seriesFailed;
  if (moved) services.log.info({ ...report }, 'pipeline sweep recovered lost work');
  return report;
}
