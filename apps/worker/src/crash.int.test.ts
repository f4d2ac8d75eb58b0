// kill -9 of a worker in the middle of a series loses nothing: the job's lock expires, another
// worker process picks it up, and the series ends with exactly one result and one review task.
import type { ChildProcess } from 'node:child_process';
import { ingestInstances, preprocessInstance, registerShippedModel } from '@imaging/domain';
import { createTestServices, phantomStudy, systemContext, until, type TestServices } from '@imaging/testing';
import { spawnWorker } from './testing/worker-process';

describe('worker crash', () => {
  let s: TestServices;
  const workers: ChildProcess[] = [];
  beforeAll(async () => { s = await createTestServices({ inferSettleMs: 0 }); });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await s.close();
  });

  function startWorker(): ChildProcess {
    const child = spawnWorker(s, { INFER_LOCK_MS: '2000', INFER_BATCH_SIZE: '2' });
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
    await until(() => s.db.seriesProcessing.findFirst({ where: { seriesDbId: seriesId, state: 'RUNNING' } }), 'the first worker to start the series', { timeoutMs: 120_000 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(await s.db.aiResult.count({ where: { seriesDbId: seriesId } })).toBe(0);

    startWorker();
    const done = await until(() => s.db.seriesProcessing.findFirst({ where: { seriesDbId: seriesId, state: 'DONE' } }), 'the second worker to finish', { timeoutMs: 120_000 });
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(await s.db.aiResult.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.reviewTask.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.auditEvent.count({ where: { action: 'ai.result', resourceId: seriesId } })).toBe(1);
  }, 300_000);
});
