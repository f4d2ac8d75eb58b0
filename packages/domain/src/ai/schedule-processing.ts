// After an instance is preprocessed: its series (re)enters the AI queue. The infer job id carries
// the number of preprocessed instances, so a burst of arrivals collapses into the last job. The
// budget policy sets the job's priority, and delays routine series to the next UTC midnight once
// the daily ceiling is reached.
import { poolSql } from '@imaging/db';
import type { Services } from '../context';
import { decideBudget } from './budget-policy';

export async function scheduleSeriesProcessing(services: Services, seriesId: string, options: { requestId?: string | null } = {}): Promise<void> {
  const sql = poolSql(services.db);
  const [row] = await sql.query<{ study_id: string; preprocessed: number; urgent: boolean }>(
    `SELECT s."studyDbId" AS study_id,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = s.id AND i."preprocessedAt" IS NOT NULL) AS preprocessed,
            COALESCE(p.urgent, false) AS urgent
       FROM "Series" s LEFT JOIN "SeriesProcessing" p ON p."seriesDbId" = s.id
      WHERE s.id = $1`, [seriesId]);
  if (!row) return;
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
}
