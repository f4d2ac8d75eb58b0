// Consumer of the `preprocess` queue (payload and enqueue helper: @imaging/jobs). Idempotent:
// a retried job re-reads the same immutable blob and repeats the same checks.
import type { Job } from 'bullmq';
import type { PreprocessJob } from '@imaging/jobs';
import { verifyStoredInstance, type Services } from '@imaging/domain';

export async function execPreprocessJob(job: Job<PreprocessJob>, services: Services): Promise<void> {
  const log = services.log.child({ jobId: job.id, requestId: job.data.requestId });
  const result = await verifyStoredInstance(services, job.data.instanceId);
  log.debug({ instanceId: job.data.instanceId, status: result.status }, 'preprocess: stored instance verified');
}
