// Queue `infer`: one job per series whenever its set of preprocessed instances changes; ids only.
import type { Queue } from 'bullmq';

export const INFER = 'infer';

export interface InferJob {
  seriesId: string;
  studyId: string;
  /** Preprocessed instances of the series when the job was enqueued; a job whose count is no
   *  longer current is superseded by the later one (debounce without timers). */
  preprocessedCount: number;
  urgent: boolean;
  requestId: string | null;
}

/** BullMQ priorities: lower runs first; urgent studies always go before routine ones. */
export const PRIORITY = { urgent: 1, routine: 10, deferred: 50 } as const;

export async function addInferJob(queue: Queue<InferJob>, payload: InferJob, options: { delayMs: number; priority?: number }): Promise<void> {
  await queue.add(INFER, payload, {
    jobId: `series-${payload.seriesId}-n${payload.preprocessedCount}`,
    delay: options.delayMs,
    priority: options.priority ?? (payload.urgent ? PRIORITY.urgent : PRIORITY.routine),
    attempts: 4,
    backoff: { type: 'exponential', delay: 2000 },
  });
}
