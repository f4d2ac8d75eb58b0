// Consumer of the `retrain` queue: one fine-tuning run at a time per worker; the training itself
// runs in a thread (executeRetrain), so this process keeps serving its other queues.
import type { Job } from 'bullmq';
import type { RetrainJob } from '@imaging/jobs';
import { executeRetrain, failStaleTrainingRun, type Services } from '@imaging/domain';

export async function execRetrainJob(job: Job<RetrainJob>, services: Services) {
  return executeRetrain(services, job.data.runId);
}

/** A retrain job that ended without its run being finished (stalled: the worker died) marks the run FAILED. */
export async function onRetrainJobFailed(job: Job<RetrainJob> | undefined, err: Error, services: Services) {
  if (job) await failStaleTrainingRun(services, job.data.runId, err.message);
}
