// The worker's side of the `maintenance` queue: every worker process upserts the same job
// schedulers and consumes the queue, so each task runs once per period across all of them, and
// keeps running while any one worker is alive.
import { Worker, type Job } from 'bullmq';
import { releaseIdleTasks, sweepOrphanBlobs, sweepPipeline, writeAuditCheckpoint, type Services } from '@imaging/domain';
import { MAINTENANCE, MAINTENANCE_TASKS, connectionOptions, maintenanceScheduled, openQueue, scheduleMaintenance, type MaintenanceJob, type MaintenancePeriods, type MaintenanceTask } from '@imaging/jobs';

export interface MaintenanceDeps {
  services: Services;
  /** Signs the audit checkpoint file. */
  hmacKey: string;
  /** Verifies the audit chain and sets this process's `audit_chain_ok`. */
  checkAuditChain(): Promise<void>;
}

export function maintenancePeriods(services: Services): MaintenancePeriods {
  return {
    'orphan-sweep': 60 * 60 * 1000,
    // pipeline work whose job was lost (crash between commit and enqueue, Redis restart, a job
    // BullMQ failed after two worker deaths) is enqueued again under a fresh job id
    'pipeline-sweep': services.config.pipelineSweepIntervalMs,
    // claimed review tasks left idle past REVIEW_CLAIM_TIMEOUT_MINUTES go back to the pool
    'release-idle-tasks': 60 * 1000,
    // the audit chain head, signed, in a file outside the database: `admin verify-audit` detects a cut tail
    'audit-checkpoint': 5 * 60 * 1000,
    'audit-chain-check': 60 * 60 * 1000,
  };
}

/** What one run of a task did, kept as the job's return value (and read by the tests). */
export interface MaintenanceRun {
  task: MaintenanceTask;
  pid: number;
  result: unknown;
}

export async function runMaintenanceTask(task: MaintenanceTask, deps: MaintenanceDeps): Promise<unknown> {
  const { services } = deps;
  switch (task) {
    case 'orphan-sweep':
      return sweepOrphanBlobs(services);
    case 'pipeline-sweep':
      return sweepPipeline(services);
    case 'release-idle-tasks': {
      const released = await releaseIdleTasks(services);
      if (released) services.log.info({ released }, 'idle review tasks returned to the pool');
      return { released };
    }
    case 'audit-checkpoint': {
      const checkpoint = await writeAuditCheckpoint(services, { dir: services.config.auditCheckpointDir, hmacKey: deps.hmacKey });
      return checkpoint ? { id: checkpoint.id } : null;
    }
    case 'audit-chain-check':
      await deps.checkAuditChain();
      return null;
  }
}

export interface MaintenanceRunner {
  worker: Worker<MaintenanceJob>;
  close(): Promise<void>;
}

export async function startMaintenance(deps: MaintenanceDeps, periods = maintenancePeriods(deps.services)): Promise<MaintenanceRunner> {
  const { services } = deps;
  const { config, log } = services;
  const queue = openQueue<MaintenanceJob>(MAINTENANCE, services.queues.settings);
  await scheduleMaintenance(queue, periods);
  const worker = new Worker<MaintenanceJob, MaintenanceRun>(MAINTENANCE, async (job: Job<MaintenanceJob>) => {
    const task = job.data.task;
    if (!MAINTENANCE_TASKS.includes(task)) throw new Error(`unknown maintenance task ${String(task)}`);
    return { task, pid: process.pid, result: await runMaintenanceTask(task, deps) };
  }, {
    connection: connectionOptions(config.redisUrl!), prefix: config.queuePrefix,
    // one slot per task: a long orphan sweep does not hold up the release of idle review tasks
    concurrency: MAINTENANCE_TASKS.length,
  });
  worker.on('failed', (job, err) => log.error({ task: job?.data.task, jobId: job?.id, err: err.message }, 'maintenance task failed'));
  // Redis restarted empty (no persistence) loses the schedulers with every other key: any worker
  // that notices puts them back. This timer only checks; it never runs a task itself.
  const checkEveryMs = Math.max(1000, Math.min(60_000, ...Object.values(periods)));
  const guard = setInterval(() => {
    maintenanceScheduled(queue)
      .then(async (ok) => {
        if (ok) return;
        log.warn('maintenance schedulers missing (Redis restarted empty?): scheduling them again');
        await scheduleMaintenance(queue, periods);
      })
      .catch((e) => log.warn({ err: (e as Error).message }, 'maintenance scheduler check failed'));
  }, checkEveryMs);
  guard.unref();
  return {
    worker,
    async close() {
      clearInterval(guard);
      await worker.close();
      await queue.close();
    },
  };
}
