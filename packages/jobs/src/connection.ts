// Shared BullMQ wiring: one Redis connection config and a prefix per deployment (tests use a
// per-run prefix so they never see another run's jobs).
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
}

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

/** Retries with exponential backoff; finished jobs are trimmed so Redis stays small. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function openQueue<T>(name: string, settings: QueueSettings): Queue<T> {
  return new Queue<T>(name, { connection: connectionOptions(settings.redisUrl), prefix: settings.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}
