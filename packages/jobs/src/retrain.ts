// Queue `retrain`: one job per TrainingRun row (the row holds parameters, progress and outcome).
import type { Queue } from 'bullmq';

export const RETRAIN = 'retrain';

export interface RetrainJob {
  runId: string;
  requestId: string | null;
}

export async function addRetrainJob(queue: Queue<RetrainJob>, payload: RetrainJob): Promise<void> {
  // A run is hours of compute on a real set: one attempt; a crash leaves the row FAILED (worker
  // start-up marks RUNNING rows of dead workers) and the admin starts another.
  await queue.add(RETRAIN, payload, { jobId: `run-${payload.runId}`, attempts: 1 });
}
