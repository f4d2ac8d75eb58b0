// Consumer of the `preprocess` queue (payload and enqueue helper: @imaging/jobs). Idempotent:
// a retried job re-reads the same immutable content, repeats the checks, and skips compression
// when the instance is already compressed.
import type { Job } from 'bullmq';
import type { PreprocessJob } from '@imaging/jobs';
import { compressStoredInstance, verifyStoredInstance, type Services } from '@imaging/domain';

export async function execPreprocessJob(job: Job<PreprocessJob>, services: Services): Promise<void> {
  const log = services.log.child({ jobId: job.id, requestId: job.data.requestId });
  const result = await verifyStoredInstance(services, job.data.instanceId);
  const storage = await compressStoredInstance(services, job.data.instanceId);
  log.debug({ instanceId: job.data.instanceId, frames: result.frames, storage: storage.status, storedBytes: storage.storedBytes }, 'preprocess: verified, decoded, stored compressed');
}
