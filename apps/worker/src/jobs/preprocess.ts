// Consumer of the `preprocess` queue (payload and enqueue helper: @imaging/jobs). The handler is
// thin: one use case, idempotent, so a retried or re-enqueued job is harmless. A poison input (the
// stored file does not verify or decode) ends FAILED with its code at once; an outage is retried,
// and after the last attempt the pipeline sweep takes over.
import { UnrecoverableError, type Job } from 'bullmq';
import type { PreprocessJob } from '@imaging/jobs';
import { markInstancePipelineFailed, preprocessInstance, type Services } from '@imaging/domain';
import { errorCode, isDeterministic } from './failures';

export async function execPreprocessJob(job: Job<PreprocessJob>, services: Services): Promise<void> {
  const log = services.log.child({ jobId: job.id, requestId: job.data.requestId });
  try {
    const result = await preprocessInstance(services, job.data.instanceId, { requestId: job.data.requestId });
    log.debug({ instanceId: job.data.instanceId, ...result }, 'preprocess done');
  } catch (err) {
    if (!isDeterministic(err)) throw err;
    const code = errorCode(err, 'PREPROCESS_FAILED');
    await markInstancePipelineFailed(services, job.data.instanceId, code, (err as Error).message);
    throw new UnrecoverableError(`${code}: ${(err as Error).message}`);
  }
}
