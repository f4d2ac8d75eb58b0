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

export async function addInferJob(queue: Queue<InferJob>, payload: InferJob, options: { delayMs: number; priority?: number; requeue?: number }): Promise<void> {
  const requeue = options.requeue ?? 0;
  await queue.add(INFER, payload, {
    jobId: requeue > 0 ? `${inferJobId(payload.seriesId, payload.preprocessedCount)}-r${requeue}` : inferJobId(payload.seriesId, payload.preprocessedCount),
    delay: options.delayMs,
    priority: options.priority ?? (payload.urgent ? PRIORITY.urgent : PRIORITY.routine),
    attempts: 4,
    backoff: { type: 'exponential', delay: 2000 },
  });
}

export function inferJobId(seriesId: string, preprocessedCount: number): string {
  return `series-${seriesId}-n${preprocessedCount}`;
}

/**
 * A series' urgency changed while its infer job waits: the job takes the matching priority, and
 * an urgent series waiting out a delay (settle time, a budget deferral) is released at once.
 * Returns false when no such job is waiting (already running, finished, superseded).
 */
export async function reprioritiseInferJob(queue: Queue<InferJob>, seriesId: string, preprocessedCount: number, urgent: boolean): Promise<boolean> {
  const job = await queue.getJob(inferJobId(seriesId, preprocessedCount));
  if (!job) return false;
  const state = await job.getState();
  if (!['waiting', 'prioritized', 'delayed'].includes(state)) return false;
  await job.changePriority({ priority: urgent ? PRIORITY.urgent : PRIORITY.routine });
  await job.updateData({ ...job.data, urgent });
  if (urgent && state === 'delayed') await job.promote();
  return true;
}
