// The preprocess step for one stored instance: verify the file against its ingest SHA-256, decode
// every frame, store it compressed, then mark it done. Idempotent. `requeueUnprocessed` finds
// instances whose job was lost (a crash between commit and enqueue) and enqueues them again.
import { verifyStoredInstance } from './verify-stored-instance';
import { compressStoredInstance } from './compress-stored-instance';
import { scheduleSeriesProcessing } from '../ai/schedule-processing';
import type { Services } from '../context';

/** Verifies, compresses and marks the instance done, then (re)schedules its series for the model. */
export async function preprocessInstance(services: Services, instanceId: string, options: { requestId?: string | null } = {}) {
  const verified = await verifyStoredInstance(services, instanceId);
  const storage = await compressStoredInstance(services, instanceId);
  const { seriesDbId } = await services.db.instance.update({ where: { id: instanceId }, data: { preprocessedAt: new Date() }, select: { seriesDbId: true } });
  await scheduleSeriesProcessing(services, seriesDbId, options);
  return { frames: verified.frames, storage: storage.status, storedBytes: storage.storedBytes };
}

export async function requeueUnprocessed(services: Services, options: { olderThanMs?: number; limit?: number } = {}): Promise<number> {
  const cutoff = new Date(Date.now() - (options.olderThanMs ?? 10 * 60 * 1000));
  const pending = await services.db.instance.findMany({
    where: { preprocessedAt: null, createdAt: { lte: cutoff } },
    select: { id: true, seriesDbId: true, series: { select: { studyDbId: true } } },
    take: options.limit ?? 1000,
    orderBy: { createdAt: 'asc' },
  });
  for (const i of pending) {
    await services.queues.enqueuePreprocess({ instanceId: i.id, seriesId: i.seriesDbId, studyId: i.series.studyDbId, requestId: null });
  }
  if (pending.length) services.log.info({ requeued: pending.length }, 'preprocess jobs re-enqueued for instances without one');
  return pending.length;
}
