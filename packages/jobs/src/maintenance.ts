// Queue `maintenance`: periodic housekeeping as BullMQ job schedulers, so N worker processes run
// each task once per period between them instead of once per process (per-process timers ran the
// orphan sweep, the pipeline requeue and the audit checkpoint N times over).
//
// A scheduler with `every` makes one job per period with the id `repeat:<task>:<slot>`; the slot
// is the scheduler's own clock, so every process that upserts the same scheduler refers to the
// same job, and a job is taken by one worker. A worker killed mid-task loses its lock; the job
// stalls and another worker runs it again (tasks are idempotent sweeps).
import type { Queue } from 'bullmq';

export const MAINTENANCE = 'maintenance';

export const MAINTENANCE_TASKS = ['orphan-sweep', 'pipeline-sweep', 'release-idle-tasks', 'audit-checkpoint', 'audit-chain-check'] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

export interface MaintenanceJob {
  task: MaintenanceTask;
}

/** Period of each task in milliseconds. */
export type MaintenancePeriods = Record<MaintenanceTask, number>;

const MAINTENANCE_JOB_OPTIONS = {
  // a sweep that failed runs again at its next period; retrying it sooner only piles up work
  attempts: 1,
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
};

/** Creates or updates one scheduler per task (idempotent: an unchanged period keeps the pending
 *  slot, so a process starting does not make a task run early). */
export async function scheduleMaintenance(queue: Queue<MaintenanceJob>, periods: MaintenancePeriods): Promise<void> {
  for (const task of MAINTENANCE_TASKS) {
    const every = periods[task];
    if (!Number.isInteger(every) || every <= 0) throw new RangeError(`maintenance period of ${task} must be a positive integer of ms, got ${every}`);
    await queue.upsertJobScheduler(task, { every }, { name: task, data: { task }, opts: MAINTENANCE_JOB_OPTIONS });
  }
}

/** True when every task has its scheduler (false after Redis came back empty). */
export async function maintenanceScheduled(queue: Queue<MaintenanceJob>): Promise<boolean> {
  return (await queue.getJobSchedulersCount()) >= MAINTENANCE_TASKS.length
    && (await Promise.all(MAINTENANCE_TASKS.map((t) => queue.getJobScheduler(t)))).every(Boolean);
}
