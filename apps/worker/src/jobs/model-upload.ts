// Consumer of the `model-upload` queue: unpack, validate and evaluate an uploaded model package
// (in a thread, executeModelUpload) and register it as a CANDIDATE, or refuse it with its reason.
import type { Job } from 'bullmq';
import type { ModelUploadJob } from '@imaging/jobs';
import { executeModelUpload, failStaleModelUpload, type Services } from '@imaging/domain';

export async function execModelUploadJob(job: Job<ModelUploadJob>, services: Services) {
  return executeModelUpload(services, job.data.uploadId);
}

/** A job that ended without its upload being finished (stalled: the worker died) marks it FAILED. */
export async function onModelUploadJobFailed(job: Job<ModelUploadJob> | undefined, err: Error, services: Services) {
  if (job) await failStaleModelUpload(services, job.data.uploadId, err.message);
}
