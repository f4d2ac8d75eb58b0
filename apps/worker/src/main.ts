// Worker process: wires each queue file to a BullMQ Worker; the job files hold the logic.
import { Worker } from 'bullmq';
import { loadConfig } from '@imaging/config';
import { createServices, closeServices, sweepOrphanBlobs, requeueUnprocessed } from '@imaging/domain';
import { PREPROCESS, connectionOptions, type PreprocessJob } from '@imaging/jobs';
import { execPreprocessJob } from './jobs/preprocess';

async function main() {
  const config = loadConfig();
  const services = createServices(config, { name: 'worker' });
  const connection = connectionOptions(config.redisUrl!);
  const workers = [
    new Worker<PreprocessJob>(PREPROCESS, (job) => execPreprocessJob(job, services), {
      connection, prefix: config.queuePrefix, concurrency: config.workerConcurrency,
    }),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => services.log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  }
  const sweep = setInterval(() => {
    sweepOrphanBlobs(services).catch((e) => services.log.error({ err: (e as Error).message }, 'orphan sweep failed'));
  }, 60 * 60 * 1000);
  // Instances whose preprocess job was never enqueued (crash between commit and enqueue).
  const requeue = setInterval(() => {
    requeueUnprocessed(services).catch((e) => services.log.error({ err: (e as Error).message }, 'requeue sweep failed'));
  }, 5 * 60 * 1000);
  services.log.info({ queues: workers.map((w) => w.name) }, 'worker started');

  const stop = async () => {
    clearInterval(sweep);
    clearInterval(requeue);
    await Promise.all(workers.map((w) => w.close()));
    await closeServices(services);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e) => {
  console.error('worker failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
