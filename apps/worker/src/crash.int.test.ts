// kill -9 of a worker in the middle of a series loses nothing: the job's lock expires, another
// worker process picks it up, and the series ends with exactly one result and one review task.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { processEnv } from '@imaging/config';
import { ingestInstances, preprocessInstance, registerShippedModel } from '@imaging/domain';
import { createTestServices, phantomStudy, systemContext, type TestServices } from '@imaging/testing';

const WORKER = path.join(__dirname, '..', 'dist', 'main.js');

async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('worker crash', () => {
  let s: TestServices;
  const workers: ChildProcess[] = [];
  beforeAll(async () => { s = await createTestServices({ inferSettleMs: 0 }); });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await s.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...processEnv(), DATABASE_URL: s.databaseUrl, REDIS_URL: s.config.redisUrl, QUEUE_PREFIX: s.config.queuePrefix, STORAGE_DIR: s.config.storageDir,
        WORKER_METRICS_PORT: '0', INFER_LOCK_MS: '2000', INFER_SETTLE_MS: '0', LOG_LEVEL: 'warn', INFER_BATCH_SIZE: '2',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  it('finishes the series on another worker after the first is killed mid-batch', async () => {
    await registerShippedModel(s);
    const study = phantomStudy({ seed: 900_031, slices: 24, size: 512, lesionProbability: 1 });
    const ingested = await ingestInstances(systemContext(s), study.files);
    for (const r of ingested) await preprocessInstance(s, r.instanceId!);
    await s.queues.preprocess.obliterate({ force: true }); // done above; only the infer jobs remain
    const seriesId = ingested[0].seriesId!;

    const first = startWorker();
    await until(() => s.db.seriesProcessing.findFirst({ where: { seriesDbId: seriesId, state: 'RUNNING' } }), 120_000, 'the first worker to start the series');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(await s.db.aiResult.count({ where: { seriesDbId: seriesId } })).toBe(0);

    startWorker();
    const done = await until(() => s.db.seriesProcessing.findFirst({ where: { seriesDbId: seriesId, state: 'DONE' } }), 120_000, 'the second worker to finish');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(await s.db.aiResult.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.reviewTask.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.auditEvent.count({ where: { action: 'ai.result', resourceId: seriesId } })).toBe(1);
  }, 300_000);
});
