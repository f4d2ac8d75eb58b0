// The queues the api and the worker share, opened once per process.
import type { Queue } from 'bullmq';
import { openQueue, type QueueSettings } from './connection';
import { PREPROCESS, addPreprocessJob, type PreprocessJob } from './preprocess';

export interface Queues {
  settings: QueueSettings;
  preprocess: Queue<PreprocessJob>;
  enqueuePreprocess(payload: PreprocessJob): Promise<void>;
  /** Jobs waiting or active per queue, for readiness and monitoring. */
  depths(): Promise<Record<string, number>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Queues open on first use, so a process that never enqueues (the admin CLI) never connects. */
export function openQueues(settings: QueueSettings): Queues {
  let preprocess: Queue<PreprocessJob> | null = null;
  const preprocessQueue = () => (preprocess ??= openQueue<PreprocessJob>(PREPROCESS, settings));
  return {
    settings,
    get preprocess() {
      return preprocessQueue();
    },
    enqueuePreprocess: (payload) => addPreprocessJob(preprocessQueue(), payload),
    async depths() {
      const counts = await preprocessQueue().getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return { [PREPROCESS]: Object.values(counts).reduce((a, b) => a + b, 0) };
    },
    async ping() {
      await preprocessQueue().getJobCounts('waiting');
    },
    async close() {
      await preprocess?.close();
    },
  };
}
