// The preprocess step for one stored instance: verify the file against its ingest SHA-256, decode
// every frame, store it compressed, then mark it done. Idempotent. Lost jobs are found again by
// pipeline/sweep-pipeline.ts.
import { poolSql } from '@imaging/db';
import { NotFound } from '@imaging/errors';
import { verifyStoredInstance } from './verify-stored-instance';
import { compressStoredInstance } from './compress-stored-instance';
import { scheduleSeriesProcessing } from '../ai/schedule-processing';
import type { Services } from '../context';
import { CpuMeter } from './cpu-meter';
import { importSegmentation, SEGMENTATION_STORAGE_UID } from '../segmentation/import-segmentation';

/** Verifies, compresses and marks the instance done, then (re)schedules its series for the model. */
export async function preprocessInstance(services: Services, instanceId: string, options: { requestId?: string | null } = {}) {
  const cpu = new CpuMeter();
  const verified = await verifyStoredInstance(services, instanceId, cpu);
  const storage = await compressStoredInstance(services, instanceId, cpu);
  // ingest CPU = the api's share (set at ingest) + this job's; a retried job adds the CPU it spent again
  // a DICOM Segmentation becomes an annotation version of the series it references (before the
  // instance is marked done, so a crash in between converts it on the retry)
  const [kind] = await poolSql(services.db).query<{ sop_class: string }>(`SELECT "sopClassUid" AS sop_class FROM "Instance" WHERE id = $1`, [instanceId]);
  const segImport = kind?.sop_class === SEGMENTATION_STORAGE_UID ? await importSegmentation(services, instanceId) : null;
  const [row] = await poolSql(services.db).query<{ series_id: string }>(
    `UPDATE "Instance" SET "preprocessedAt" = now(), "ingestCpuMs" = COALESCE("ingestCpuMs", 0) + $2 WHERE id = $1 RETURNING "seriesDbId" AS series_id`,
    [instanceId, cpu.ms]);
  if (!row) throw new NotFound(`instance ${instanceId}`);
  await scheduleSeriesProcessing(services, row.series_id, options);
  return { frames: verified.frames, storage: storage.status, storedBytes: storage.storedBytes, segImport };
}
