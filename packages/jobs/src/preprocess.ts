// Queue `preprocess`: one job per stored instance; ids only, never pixel data (DESIGN.md rule 6).
import type { Queue } from 'bullmq';

export const PREPROCESS = 'preprocess';

export interface PreprocessJob {
  instanceId: string;
  seriesId: string;
  studyId: string;
  requestId: string | null;
}

/** The job id is the instance id, so enqueueing twice (a retried upload) is harmless; a sweep's
 *  requeue number makes a fresh id (BullMQ ignores an add whose id it still holds, failed or not). */
export async function addPreprocessJob(queue: Queue<PreprocessJob>, payload: PreprocessJob, options: { requeue?: number } = {}): Promise<void> {
  await queue.add(PREPROCESS, payload, { jobId: preprocessJobId(payload.instanceId, options.requeue ?? 0) });
}

export function preprocessJobId(instanceId: string, requeue: number): string {
  return requeue > 0 ? `instance-${instanceId}-r${requeue}` : `instance-${instanceId}`;
}
