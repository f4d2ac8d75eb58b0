// The queues the api and the worker share, opened once per process.
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { openQueue, withEnqueueTimeout, type QueueSettings } from './connection';
import { PREPROCESS, addPreprocessJob, type PreprocessJob } from './preprocess';
import { INFER, addInferJob, reprioritiseInferJob, type InferJob } from './infer';
import { RETRAIN, addRetrainJob, type RetrainJob } from './retrain';
import { DEIDENTIFIED_EXPORT, addDeidentifiedExportJob, type DeidentifiedExportJob } from './export';
import { MODEL_UPLOAD, addModelUploadJob, type ModelUploadJob } from './model-upload';

export interface Queues {
  settings: QueueSettings;
  preprocess: Queue<PreprocessJob>;
  /** `requeue` > 0 gives the job a fresh id (a sweep re-adding work whose earlier job BullMQ still holds as failed). */
  enqueuePreprocess(payload: PreprocessJob, options?: { requeue?: number }): Promise<void>;
  infer: Queue<InferJob>;
  enqueueInfer(payload: InferJob, options: { delayMs: number; priority?: number; requeue?: number }): Promise<void>;
  /** See reprioritiseInferJob. */
  reprioritiseInfer(seriesId: string, preprocessedCount: number, urgent: boolean): Promise<boolean>;
  retrain: Queue<RetrainJob>;
  enqueueRetrain(payload: RetrainJob): Promise<void>;
  deidentifiedExport: Queue<DeidentifiedExportJob>;
  enqueueDeidentifiedExport(payload: DeidentifiedExportJob): Promise<void>;
  modelUpload: Queue<ModelUploadJob>;
  enqueueModelUpload(payload: ModelUploadJob): Promise<void>;
  /** Jobs per state per queue (waiting, active, delayed, prioritized, failed, completed). */
  counts(): Promise<Record<string, Record<string, number>>>;
  /** Jobs waiting or active per queue, for readiness and monitoring. */
  depths(): Promise<Record<string, number>>;
  ping(): Promise<void>;
  /** A plain Redis client on the same server (rate limits), opened on first use. */
  redis(): Redis;
  close(): Promise<void>;
}

/** Queues open on first use, so a process that never enqueues (the admin CLI) never connects. */
export function openQueues(settings: QueueSettings): Queues {
  let preprocess: Queue<PreprocessJob> | null = null;
  const preprocessQueue = () => (preprocess ??= openQueue<PreprocessJob>(PREPROCESS, settings));
  let infer: Queue<InferJob> | null = null;
  const inferQueue = () => (infer ??= openQueue<InferJob>(INFER, settings));
  let retrain: Queue<RetrainJob> | null = null;
  const retrainQueue = () => (retrain ??= openQueue<RetrainJob>(RETRAIN, settings));
  let deidExport: Queue<DeidentifiedExportJob> | null = null;
  const exportQueue = () => (deidExport ??= openQueue<DeidentifiedExportJob>(DEIDENTIFIED_EXPORT, settings));
  let modelUpload: Queue<ModelUploadJob> | null = null;
  const modelUploadQueue = () => (modelUpload ??= openQueue<ModelUploadJob>(MODEL_UPLOAD, settings));
  const timeoutMs = settings.enqueueTimeoutMs ?? 5000;
  let redis: Redis | null = null;
  const bounded = <T>(what: string, command: () => Promise<T>) => withEnqueueTimeout(what, timeoutMs, command);
  const counts = async () => {
    const out: Record<string, Record<string, number>> = {};
    for (const q of [preprocessQueue(), inferQueue(), retrainQueue(), modelUploadQueue(), exportQueue()]) {
      out[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
    }
    return out;
  };
  return {
    settings,
    get preprocess() {
      return preprocessQueue();
    },
    enqueuePreprocess: (payload, options) => bounded('enqueue preprocess', () => addPreprocessJob(preprocessQueue(), payload, options)),
    get infer() {
      return inferQueue();
    },
    enqueueInfer: (payload, options) => bounded('enqueue infer', () => addInferJob(inferQueue(), payload, options)),
    reprioritiseInfer: (seriesId, count, urgent) => reprioritiseInferJob(inferQueue(), seriesId, count, urgent),
    get retrain() {
      return retrainQueue();
    },
    enqueueRetrain: (payload) => bounded('enqueue retrain', () => addRetrainJob(retrainQueue(), payload)),
    get deidentifiedExport() {
      return exportQueue();
    },
    enqueueDeidentifiedExport: (payload) => bounded('enqueue export', () => addDeidentifiedExportJob(exportQueue(), payload)),
    get modelUpload() {
      return modelUploadQueue();
    },
    enqueueModelUpload: (payload) => bounded('enqueue model upload', () => addModelUploadJob(modelUploadQueue(), payload)),
    counts,
    async depths() {
      const all = await counts();
      const out: Record<string, number> = {};
      for (const [name, c] of Object.entries(all)) out[name] = (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
      return out;
    },
    async ping() {
      await preprocessQueue().getJobCounts('waiting');
    },
    redis() {
      return (redis ??= new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 }));
    },
    async close() {
      await Promise.all([preprocess?.close(), infer?.close(), retrain?.close(), modelUpload?.close(), deidExport?.close(), redis?.quit().catch(() => undefined)]);
    },
  };
}
