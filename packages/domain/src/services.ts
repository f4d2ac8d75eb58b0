// Building and closing the shared services of a process (api, worker, CLI, tests).
import type { Config } from '@imaging/config';
import { createLogger, type Logger } from '@imaging/logger';
import { createDb, closeDb, type QueryCounter } from '@imaging/db';
import { createBlobStore } from '@imaging/storage';
import { openQueues } from '@imaging/jobs';
import type { Services } from './context';

export function createServices(config: Config, options: { name: string; log?: Logger; queryCounter?: QueryCounter }): Services {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set (npm start sets it for the embedded database)');
  if (!config.redisUrl) throw new Error('REDIS_URL is not set (npm start starts a private redis-server)');
  return {
    config,
    log: options.log ?? createLogger({ level: config.logLevel, name: options.name }),
    db: createDb(config.databaseUrl, { queryCounter: options.queryCounter }),
    store: createBlobStore({ driver: config.storageDriver, storageDir: config.storageDir, s3: config.s3 }),
    queues: openQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, enqueueTimeoutMs: config.queueEnqueueTimeoutMs }),
  };
}

export async function closeServices(services: Services): Promise<void> {
  await Promise.allSettled([services.queues.close(), closeDb(services.db)]);
}

/** Readiness: Postgres, Redis and storage each answer. */
export async function checkReadiness(services: Services): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {};
  const run = async (name: string, probe: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([probe(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), 3000); })]);
      checks[name] = 'ok';
    } catch (e) {
      checks[name] = `failed: ${(e as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  };
  await Promise.all([
    run('postgres', () => services.db.$queryRaw`SELECT 1`),
    run('redis', () => services.queues.ping()),
    run('storage', () => services.store.check()),
  ]);
  return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
}
