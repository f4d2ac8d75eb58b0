// Shared BullMQ wiring: one Redis connection config and a prefix per deployment (tests use a
// per-run prefix so they never see another run's jobs).
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  /** Longest an enqueue may wait for Redis before it fails (producers never hang on a dead Redis). */
  enqueueTimeoutMs?: number;
}

/** Connection of a BullMQ Worker: retries forever, so a consumer rides out a Redis restart. */
export function connectionOptions(redisUrl: string): ConnectionOptions {
  const u = new URL(redisUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password || undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}

/** Connection of a producer (Queue): a command fails after a couple of retries instead of waiting
 *  for Redis forever (`maxRetriesPerRequest: null` made uploads hang while Redis was down). */
export function producerConnectionOptions(redisUrl: string): ConnectionOptions {
  return { ...connectionOptions(redisUrl), maxRetriesPerRequest: 2 };
}

export class EnqueueTimeout extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
}

/** Runs a queue command, failing with EnqueueTimeout after `ms` (the command may still land later;
 *  every job id is deterministic, so a late duplicate is harmless). */
export async function withEnqueueTimeout<T>(what: string, ms: number, command: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const pending = command();
  pending.catch(() => undefined);
  try {
    return await Promise.race([
      pending,
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new EnqueueTimeout(`${what}: Redis did not answer within ${ms} ms`)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries with exponential backoff; finished jobs are trimmed so Redis stays small. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function openQueue<T>(name: string, settings: QueueSettings): Queue<T> {
  return new Queue<T>(name, { connection: producerConnectionOptions(settings.redisUrl), prefix: settings.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}
