// The storage step for one stored instance, in one pass: read the blob once, hash it once against
// its ingest SHA-256, parse it once, decode every frame once (the check that it decodes), store it
// compressed (the codec's own decode-and-compare makes it bit-exact), hand the decoded first frame
// to the model input cache (ai/slice-input.ts), mark it done and schedule its series. Idempotent:
// a retry after the compressed blob was written restores that instead. Lost jobs are found again
// by pipeline/sweep-pipeline.ts.
import { createHash } from 'node:crypto';
import { decodeAllFrames, isStorageContainer, parseInstance, restoreFromStorage } from '@imaging/dicom';
import { poolSql } from '@imaging/db';
import { NotFound } from '@imaging/errors';
import { storeCompressed } from './compress-stored-instance';
import { scheduleSeriesProcessing } from '../pipeline/schedule-processing';
import { modelReads, rememberSliceInput, sliceInput } from '../pipeline/slice-input';
import type { Services } from '../context';
import { CpuMeter } from './cpu-meter';
import { importSegmentation, SEGMENTATION_STORAGE_UID } from '../segmentation/import-segmentation';

export interface PreprocessOptions {
  requestId?: string | null;
  /** The active model's input size: the decoded frame becomes its input here (null: not prepared). */
  modelInputSize?: number | null;
}

/** Verifies, compresses and marks the instance done, then (re)schedules its series for the model. */
export async function preprocessInstance(services: Services, instanceId: string, options: PreprocessOptions = {}) {
  const cpu = new CpuMeter();
  const sql = poolSql(services.db);
  const [row] = await sql.query<{ storage_key: string; sha256: string; sop_class: string }>(
    'SELECT "storageKey" AS storage_key, sha256, "sopClassUid" AS sop_class FROM "Instance" WHERE id = $1', [instanceId]);
  if (!row) throw new NotFound(`instance ${instanceId}`);
  const stored = await services.store.get(row.storage_key);
  const compressed = isStorageContainer(stored);
  const bytes = compressed ? await cpu.measureAsync(() => restoreFromStorage(stored)) : stored;
  if (cpu.measure(() => createHash('sha256').update(bytes).digest('hex')) !== row.sha256) {
    throw new Error(`stored blob for instance ${instanceId} does not match its SHA-256`);
  }
  const parsed = cpu.measure(() => parseInstance(bytes));
  const frames = parsed.pixelData ? await cpu.measureAsync(() => decodeAllFrames(parsed)) : [];
  const size = options.modelInputSize;
  if (size && modelReads(parsed, frames.length)) {
    rememberSliceInput(instanceId, row.sha256, size, cpu.measure(() => sliceInput(parsed, frames[0], size)));
  }
  const storage = compressed
    ? { status: 'already' as const, storedBytes: stored.length }
    : await storeCompressed(services, { instanceId, storageKey: row.storage_key, original: bytes, parsed }, cpu);
  // a DICOM Segmentation becomes an annotation version of the series it references (before the
  // instance is marked done, so a crash in between converts it on the retry)
  const segImport = row.sop_class === SEGMENTATION_STORAGE_UID ? await importSegmentation(services, instanceId) : null;
  // ingest CPU = the api's share (set at ingest) + this job's; a retried job adds the CPU it spent again
  const [done] = await sql.query<{ series_id: string }>(
    `UPDATE "Instance" SET "preprocessedAt" = now(), "ingestCpuMs" = COALESCE("ingestCpuMs", 0) + $2 WHERE id = $1 RETURNING "seriesDbId" AS series_id`,
    [instanceId, cpu.ms]);
  if (!done) throw new NotFound(`instance ${instanceId}`);
  await scheduleSeriesProcessing(services, done.series_id, options);
  return { frames: frames.length, storage: storage.status, storedBytes: storage.storedBytes, segImport };
}
