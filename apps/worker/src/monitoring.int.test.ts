// The worker's monitoring server over real Postgres, Redis and BullMQ: job metrics, queue depth,
// probes and the audit chain gauge.
import { readSample } from '@imaging/metrics';
import { Worker, type Job } from 'bullmq';
import { createTestServices, freePort, type TestServices } from '@imaging/testing';
import { connectionOptions, openQueue } from '@imaging/jobs';
import { startMonitoring, type WorkerMonitoring } from './monitoring';

const QUEUE = 'monitoring-test';


describe('worker monitoring', () => {
  let services: TestServices;
  let monitoring: WorkerMonitoring;
  let worker: Worker;
  let base: string;
  beforeAll(async () => {
    services = await createTestServices({ workerMetricsPort: await freePort() });
    monitoring = await startMonitoring(services);
    base = `http://127.0.0.1:${monitoring.port}`;
  });
  afterAll(async () => {
    await worker?.close();
    await monitoring.close();
    await services.close();
  });

  it('answers the probes', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok', storage: 'ok' } });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('times the jobs of an instrumented worker and reports queue depth by state', async () => {
    let finished = 0;
    const allDone = new Promise<void>((resolve) => {
      const count = () => { if (++finished === 3) resolve(); };
      worker = new Worker(QUEUE, async (job: Job<{ fail: boolean }>) => {
        if (job.data.fail) throw new Error('planned failure');
      }, { connection: connectionOptions(services.config.redisUrl!), prefix: services.config.queuePrefix, autorun: false });
      worker.on('completed', count);
      worker.on('failed', count);
    });
    monitoring.instrument(worker);
    const queue = openQueue<{ fail: boolean }>(QUEUE, services.queues.settings);
    await queue.add('ok', { fail: false });
    await queue.add('ok', { fail: false });
    await queue.add('bad', { fail: true }, { attempts: 1 });

    let text = await (await fetch(`${base}/metrics`)).text();
    expect(readSample(text, 'queue_jobs', { queue: QUEUE, state: 'waiting', process: 'worker' })).toBe(3);

    void worker.run();
    await allDone;
    text = await (await fetch(`${base}/metrics`)).text();
    expect(readSample(text, 'queue_jobs_processed_total', { queue: QUEUE, outcome: 'completed', process: 'worker' })).toBe(2);
    expect(readSample(text, 'queue_jobs_processed_total', { queue: QUEUE, outcome: 'failed', process: 'worker' })).toBe(1);
    expect(readSample(text, 'queue_job_wait_seconds_count', { queue: QUEUE, process: 'worker' })).toBe(3);
    expect(readSample(text, 'queue_job_processing_seconds_count', { queue: QUEUE, process: 'worker' })).toBe(3);
    expect(readSample(text, 'queue_jobs', { queue: QUEUE, state: 'waiting', process: 'worker' })).toBe(0);
    expect(readSample(text, 'queue_jobs', { queue: QUEUE, state: 'failed', process: 'worker' })).toBe(1);
    expect(readSample(text, 'queue_jobs', { queue: QUEUE, state: 'completed', process: 'worker' })).toBe(2);
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('sets audit_chain_ok from a verification of the chain', async () => {
    await monitoring.checkAuditChain();
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(readSample(text, 'audit_chain_ok', { process: 'worker' })).toBe(1);
    expect(readSample(text, 'audit_chain_checked_timestamp_seconds', { process: 'worker' })).toBeGreaterThan(Date.now() / 1000 - 60);
  });
});
