// Queue `preprocess`: one job per stored instance; ids only, never pixel data (DESIGN.md rule 6).
import type { Queue } from 'bullmq';

export const PREPROCESS = 'preprocess';

export interface PreprocessJob {
  instanceId: string;
  seriesId: string;
  studyId: string;
  requestId: string | null;
}

/** The job id is the instance id, so enqueueing twice (a retried upload) is harmless. */
export async function addPreprocessJob(queue: Queue<PreprocessJob>, payload: PreprocessJob): Promise<void> {
  await queue.add(PREPROCESS, payload, { jobId: `instance-${payload.instanceId}` });
}
