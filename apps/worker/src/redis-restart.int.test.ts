// Redis killed after a study was accepted and started again empty (no persistence, as the
// machine's own Redis runs): every queued job is gone. The committed rows are the outbox, so the
// worker's pipeline sweep re-creates the lost jobs, and the series ends with each instance
// preprocessed, exactly one AI result and exactly one review task.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ingestInstances, registerShippedModel } from '@imaging/domain';
import { createTestServices, freePort, phantomStudy, systemContext, until, type TestServices } from '@imaging/testing';
import { spawnWorker } from './testing/worker-process';

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return until(() => new Promise<ChildProcess | null>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(child); });
    socket.once('error', () => resolve(null));
  }), 'redis-server to listen');
}

describe('Redis restart', () => {
  let s: TestServices;
  let port: number;
  let redis: ChildProcess;
  let worker: ChildProcess | null = null;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    s = await createTestServices({ redisUrl: `redis://127.0.0.1:${port}`, inferSettleMs: 0 });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await s.close();
    redis.kill('SIGKILL');
  });

  it('loses no accepted instance when Redis comes back empty', async () => {
    await registerShippedModel(s);
    const study = phantomStudy({ seed: 900_077, slices: 8, size: 256, lesionProbability: 1 });
    const ingested = await ingestInstances(systemContext(s), study.files);
    expect(ingested.every((r) => r.status === 'stored')).toBe(true);
    expect(await s.queues.preprocess.count()).toBe(8);

    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    redis = await startRedis(port);
    expect(await s.queues.preprocess.count()).toBe(0); // every job is gone

    worker = spawnWorker(s, { PIPELINE_SWEEP_AFTER_MS: '0', PIPELINE_SWEEP_INTERVAL_MS: '1000', INFER_BATCH_SIZE: '4' });
    const seriesId = ingested[0].seriesId!;
    await until(() => s.db.seriesProcessing.findFirst({ where: { seriesDbId: seriesId, state: 'DONE' } }), 'the series to be read', { timeoutMs: 240_000, intervalMs: 500 });
    expect(await s.db.instance.count({ where: { seriesDbId: seriesId, preprocessedAt: { not: null } } })).toBe(8);
    expect(await s.db.aiResult.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.reviewTask.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.auditEvent.count({ where: { action: 'ai.result', resourceId: seriesId } })).toBe(1);
  }, 300_000);
});
