// The built worker process (dist/main.js) started on a test's services, for tests of the real
// process: crash recovery, retraining.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { processEnv } from '@imaging/config';
import type { TestServices } from '@imaging/testing';

const WORKER = path.join(__dirname, '..', '..', 'dist', 'main.js');

export function spawnWorker(s: TestServices, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [WORKER], {
    env: {
      ...processEnv(), DATABASE_URL: s.databaseUrl, REDIS_URL: s.config.redisUrl!, QUEUE_PREFIX: s.config.queuePrefix, STORAGE_DIR: s.config.storageDir,
      MODEL_DIR: s.config.modelDir, AUDIT_CHECKPOINT_DIR: s.config.auditCheckpointDir, WORKER_METRICS_PORT: '0', INFER_SETTLE_MS: '0', LOG_LEVEL: 'warn', ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
