// Consumer of the `preprocess` queue (payload and enqueue helper: @imaging/jobs). The handler is
// thin: one use case, idempotent, so a retried or re-enqueued job is harmless. A poison input (the
// stored file does not verify or decode) ends FAILED with its code at once; an outage is retried,
// and after the last attempt the pipeline sweep takes over.
import { UnrecoverableError, type Job } from 'bullmq';
import type { PreprocessJob } from '@imaging/jobs';
import { activeModel, markInstancePipelineFailed, preprocessInstance, type Services } from '@imaging/domain';
import { errorCode, isDeterministic } from './failures';

/** How long the active model's input size is reused before it is read again (a promotion shows within this). */
const MODEL_SIZE_TTL_MS = 10_000;

/** The active model's input size, read at most once per MODEL_SIZE_TTL_MS (null: none active). */
export function modelInputSize(services: Services): () => Promise<number | null> {
  let value: Promise<number | null> | null = null;
  let at = 0;
  return () => {
    if (!value || Date.now() - at > MODEL_SIZE_TTL_MS) {
      at = Date.now();
      value = activeModel(services).then((m) => m?.inputSize ?? null, () => null);
    }
    return value;
  };
}

export async function execPreprocessJob(job: Job<PreprocessJob>, services: Services, inputSize?: () => Promise<number | null>): Promise<void> {
  const log = services.log.child({ jobId: job.id, requestId: job.data.requestId });
  try {
    const result = await preprocessInstance(services, job.data.instanceId, { requestId: job.data.requestId, modelInputSize: inputSize ? await inputSize() : null });
    log.debug({ instanceId: job.data.instanceId, ...result }, 'preprocess done');
  } catch (err) {
    if (!isDeterministic(err)) throw err;
    const code = errorCode(err, 'PREPROCESS_FAILED');
    await markInstancePipelineFailed(services, job.data.instanceId, code, (err as Error).message);
    throw new UnrecoverableError(`${code}: ${(err as Error).message}`);
  }
}
