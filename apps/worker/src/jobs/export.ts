// Consumer of the `deidentified-export` queue: one export at a time per worker (an archive streams
// to the blob store; a REMOTE_AE export holds its instances, bounded by EXPORT_MAX_ARCHIVE_MB);
// the use case does the work.
import type { Job } from 'bullmq';
import type { DeidentifiedExportJob } from '@imaging/jobs';
import { executeDeidentifiedExport, failStaleExport, type Services } from '@imaging/domain';

export function execDeidentifiedExportJob(job: Job<DeidentifiedExportJob>, services: Services) {
  return executeDeidentifiedExport(services, job.data.exportId, job.data.requestId);
}

/** A job that ended without finishing its export (stalled: the worker died) marks the export FAILED. */
export async function onDeidentifiedExportJobFailed(job: Job<DeidentifiedExportJob> | undefined, err: Error, services: Services) {
  if (job) await failStaleExport(services, job.data.exportId, err.message);
}
