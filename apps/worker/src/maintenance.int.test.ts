// Maintenance across worker processes: two real worker processes (dist/main.js) on one Redis run
// each maintenance task once per period between them, not once per process, and the tasks keep
// running after the worker that ran them last is killed -9.
import type { ChildProcess } from 'node:child_process';
import type { Job, Queue } from 'bullmq';
import { MAINTENANCE, MAINTENANCE_TASKS, openQueue, type MaintenanceJob } from '@imaging/jobs';
import { createTestServices, until, type TestServices } from '@imaging/testing';
import { spawnWorker } from './testing/worker-process';
import type { MaintenanceRun } from './maintenance';

const PERIOD_MS = 1000;

describe('maintenance job schedulers', () => {
  let s: TestServices;
  let queue: Queue<MaintenanceJob>;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    s = await createTestServices({ inferSettleMs: 0 });
    queue = openQueue<MaintenanceJob>(MAINTENANCE, s.queues.settings);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await queue.close();
    await s.close();
  });

  const completed = async (task: string) =>
    ((await queue.getJobs(['completed'], 0, -1)) as Job<MaintenanceJob, MaintenanceRun>[]).filter((j) => j.name === task);
  /** The scheduler's slot: `repeat:<task>:<millis>`. */
  const slot = (job: Job) => Number(job.id!.split(':').pop());

  it('runs each task once per period across two workers, and on the survivor after one is killed', async () => {
    const env = { PIPELINE_SWEEP_INTERVAL_MS: String(PERIOD_MS), PIPELINE_SWEEP_AFTER_MS: '60000' };
    workers.push(spawnWorker(s, env), spawnWorker(s, env));
    const pids = new Set(workers.map((w) => w.pid));
    // both processes consume the queue
    await until(async () => ((await queue.getWorkers()).length >= 2 ? true : null), 'both workers on the maintenance queue', { timeoutMs: 120_000 });
    const t0 = Date.now();
    await until(async () => ((await completed('pipeline-sweep')).filter((j) => j.processedOn! >= t0).length >= 6 ? true : null), 'six pipeline sweeps', { timeoutMs: 60_000 });
    const t1 = Date.now();

    const sweeps = await completed('pipeline-sweep');
    for (const j of sweeps) {
      expect(pids.has(j.returnvalue.pid)).toBe(true);
      expect(j.returnvalue.result).toEqual(expect.objectContaining({ instancesRequeued: 0, seriesRequeued: 0 }));
      // no run before its period began
      expect(j.processedOn!).toBeGreaterThanOrEqual(slot(j));
    }
    // one run per period between both processes (per-process timers made two)
    const slots = sweeps.map(slot).sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(slots.length);
    for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(PERIOD_MS);
    const inWindow = sweeps.filter((j) => j.processedOn! >= t0 && j.processedOn! <= t1).length;
    expect(inWindow).toBeLessThanOrEqual(Math.floor((t1 - t0) / PERIOD_MS) + 1);
    // the long-period tasks ran once at start-up, not once per process starting
    for (const task of MAINTENANCE_TASKS.filter((t) => t !== 'pipeline-sweep')) {
      expect({ task, runs: (await completed(task)).length }).toEqual({ task, runs: 1 });
    }
    expect(await queue.getFailedCount()).toBe(0);

    // kill -9 the process that ran the latest sweep: the other one goes on sweeping
    const latest = sweeps.reduce((a, b) => (slot(a) > slot(b) ? a : b));
    const victim = workers.find((w) => w.pid === latest.returnvalue.pid)!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    const killedAt = Date.now();
    const after = await until(async () => {
      const runs = (await completed('pipeline-sweep')).filter((j) => j.processedOn! > killedAt);
      return runs.length >= 3 ? runs : null;
    }, 'three sweeps after the kill', { timeoutMs: 60_000 });
    for (const j of after) expect(j.returnvalue.pid).toBe(survivor.pid);
    const allSlots = (await completed('pipeline-sweep')).map(slot);
    expect(new Set(allSlots).size).toBe(allSlots.length);
    // the long-period tasks still ran once in all
    for (const task of MAINTENANCE_TASKS.filter((t) => t !== 'pipeline-sweep')) expect((await completed(task)).length).toBe(1);
  }, 240_000);
});
