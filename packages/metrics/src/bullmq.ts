// BullMQ integration: wait and processing time and outcome of every job a Worker finishes.
import type { Job, Worker } from 'bullmq';
import type { Metrics } from './metrics';

function observeTimes(metrics: Metrics, queue: string, job: Job): void {
  if (job.processedOn && job.timestamp) metrics.queueJobWait.observe({ queue }, Math.max(0, job.processedOn - job.timestamp) / 1000);
  if (job.finishedOn && job.processedOn) metrics.queueJobProcessing.observe({ queue }, Math.max(0, job.finishedOn - job.processedOn) / 1000);
}

/** Listens to the worker's `completed` and `failed` events; a retried job counts once per attempt. */
export function instrumentWorker(metrics: Metrics, queueName: string, worker: Worker): void {
  worker.on('completed', (job) => {
    metrics.queueJobsProcessed.inc({ queue: queueName, outcome: 'completed' });
    observeTimes(metrics, queueName, job);
  });
  worker.on('failed', (job) => {
    metrics.queueJobsProcessed.inc({ queue: queueName, outcome: 'failed' });
    if (job) observeTimes(metrics, queueName, job);
  });
}
