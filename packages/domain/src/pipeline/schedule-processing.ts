// After an instance is preprocessed: its series (re)enters the AI queue, decided once per series:
// while other instances of the series are still being preprocessed nothing is decided or enqueued
// (a 200-slice series made 200 budget decisions and 200 infer jobs, 199 of them superseded). Each
// caller has committed its own instance before it counts, so of instances finishing together at
// least the last to count sees none pending. Instances pending past STRAGGLER_MS do not hold the
// series back (processSeries goes on without them). The infer job id carries the number of
// preprocessed instances, so a later arrival makes a new job. The budget policy sets the job's
// priority, and delays routine series to the next UTC midnight once the daily ceiling is reached.
import { poolSql } from '@imaging/db';
import type { Services } from '../context';
import { decideBudget } from '../costs/budget-policy';
import { STRAGGLER_MS } from './process-series';

/** Returns whether the series was scheduled (false: other instances are still pending, or no series). */
export async function scheduleSeriesProcessing(services: Services, seriesId: string, options: { requestId?: string | null } = {}): Promise<boolean> {
  const sql = poolSql(services.db);
  const [row] = await sql.query<{ study_id: string; preprocessed: number; pending: number; urgent: boolean }>(
    `SELECT s."studyDbId" AS study_id,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = s.id AND i."preprocessedAt" IS NOT NULL) AS preprocessed,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = s.id AND i."preprocessedAt" IS NULL AND i."pipelineFailedAt" IS NULL
                AND i."createdAt" > now() - make_interval(secs => $2)) AS pending,
            COALESCE(p.urgent, false) AS urgent
       FROM "Series" s LEFT JOIN "SeriesProcessing" p ON p."seriesDbId" = s.id
      WHERE s.id = $1`, [seriesId, STRAGGLER_MS / 1000]);
  if (!row) return false;
  if (row.pending > 0) {
    // known to the pipeline from its first instance on (an urgent flag set meanwhile is kept), decided later
    await sql.query(
      `INSERT INTO "SeriesProcessing" ("seriesDbId", "studyDbId", state, "queuedAt", "updatedAt") VALUES ($1, $2, 'QUEUED', now(), now())
       ON CONFLICT ("seriesDbId") DO NOTHING`, [seriesId, row.study_id]);
    return false;
  }
  await sql.query(
    `INSERT INTO "SeriesProcessing" ("seriesDbId", "studyDbId", state, "queuedAt", "updatedAt")
     VALUES ($1, $2, 'QUEUED', now(), now())
     ON CONFLICT ("seriesDbId") DO UPDATE SET state = 'QUEUED', "queuedAt" = now(), "updatedAt" = now(), error = NULL, "errorCode" = NULL
       WHERE "SeriesProcessing".state <> 'RUNNING'`, [seriesId, row.study_id]);
  const decision = await decideBudget(services, { seriesId, studyId: row.study_id, urgent: row.urgent }, { requestId: options.requestId });
  const deferMs = decision.deferredUntil ? decision.deferredUntil.getTime() - Date.now() : 0;
  await services.queues.enqueueInfer(
    { seriesId, studyId: row.study_id, preprocessedCount: row.preprocessed, urgent: row.urgent, requestId: options.requestId ?? null },
    { delayMs: Math.max(services.config.inferSettleMs, deferMs), priority: decision.priority },
  );
  return true;
}
