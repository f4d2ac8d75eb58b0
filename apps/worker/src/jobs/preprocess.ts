// Consumer of the `preprocess` queue (payload and enqueue helper: @imaging/jobs). The handler is
// thin: one use case, idempotent, so a retried or re-enqueued job is harmless.
import type { Job } from 'bullmq';
import type { PreprocessJob } from '@imaging/jobs';
import { preprocessInstance, type Services } from '@imaging/domain';

export async function execPreprocessJob(job: Job<PreprocessJob>, services: Services): Promise<void> {
  const result = await preprocessInstance(services, job.data.instanceId, { requestId: job.data.requestId });
  services.log.child({ jobId: job.id, requestId: job.data.requestId }).debug({ instanceId: job.data.instanceId, ...result }, 'preprocess done');
}
