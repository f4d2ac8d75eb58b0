// Real services for integration tests: a fresh database, a per-run BullMQ prefix on the local
// Redis, and temporary blob and model directories. `close()` removes them all.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '@imaging/config';
import { createServices, closeServices, type Services, type DomainContext } from '@imaging/domain';
import type { QueryCounter } from '@imaging/db';
import { createLogger } from '@imaging/logger';
import { createTestDatabase } from './database';
import { MAINTENANCE, openQueue } from '@imaging/jobs';

export interface TestServices extends Services {
  queryCounter: QueryCounter;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function createTestServices(overrides: Partial<Config> = {}): Promise<TestServices> {
  const database = await createTestDatabase();
  const storageDir = mkdtempSync(path.join(os.tmpdir(), 'imaging-blobs-'));
  const modelDir = mkdtempSync(path.join(os.tmpdir(), 'imaging-models-'));
  // a private checkpoint folder: worker processes a test starts write the audit checkpoint at once,
  // and a checkpoint of another test's database would read as a cut chain to `admin verify-audit`
  const auditCheckpointDir = mkdtempSync(path.join(os.tmpdir(), 'imaging-audit-'));
  const base = loadConfig();
  const config: Config = {
    ...base, nodeEnv: 'test', databaseUrl: database.url, redisUrl: base.testRedisUrl, storageDir, modelDir, auditCheckpointDir,
    queuePrefix: `test-${randomBytes(4).toString('hex')}`, logLevel: 'silent', ...overrides,
  };
  const queryCounter: QueryCounter = { count: 0 };
  const services = createServices(config, { name: 'test', log: createLogger({ level: base.testLogLevel }), queryCounter });
  return {
    ...services,
    queryCounter,
    databaseUrl: database.url,
    async close() {
      await services.queues.preprocess.obliterate({ force: true }).catch(() => undefined);
      await services.queues.infer.obliterate({ force: true }).catch(() => undefined);
      await services.queues.retrain.obliterate({ force: true }).catch(() => undefined);
      // worker processes a test started left their maintenance schedulers behind
      const maintenance = openQueue(MAINTENANCE, services.queues.settings);
      await maintenance.obliterate({ force: true }).catch(() => undefined);
      await maintenance.close().catch(() => undefined);
      await closeServices(services);
      await database.drop();
      rmSync(storageDir, { recursive: true, force: true });
      rmSync(modelDir, { recursive: true, force: true });
      rmSync(auditCheckpointDir, { recursive: true, force: true });
    },
  };
}

export function systemContext(services: Services): DomainContext {
  return { ...services, principal: { kind: 'system', id: 'system', role: 'ADMIN' }, requestId: `test-${randomBytes(3).toString('hex')}` };
}

/** Counts everything ingest may write, to prove a refused file left nothing behind. */
export async function countState(services: Services): Promise<{ patients: number; studies: number; series: number; instances: number; blobs: number; jobs: number }> {
  let blobs = 0;
  for await (const _ of services.store.list()) blobs++;
  const counts = await services.queues.preprocess.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  return {
    patients: await services.db.patient.count(),
    studies: await services.db.study.count(),
    series: await services.db.series.count(),
    instances: await services.db.instance.count(),
    blobs,
    jobs: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}
