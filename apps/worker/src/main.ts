// Worker process: wires each queue file to a BullMQ Worker; the job files hold the logic.
import { Worker } from 'bullmq';
import { loadConfig } from '@imaging/config';
import { auditHmacKey, createServices, closeServices, sweepOrphanBlobs, sweepPipeline, registerShippedModel, releaseIdleTasks, writeAuditCheckpoint } from '@imaging/domain';
import { INFER, PREPROCESS, RETRAIN, connectionOptions, type InferJob, type PreprocessJob, type RetrainJob } from '@imaging/jobs';
import { execPreprocessJob } from './jobs/preprocess';
import { execInferJob, inferenceRuntime } from './jobs/infer';
import { execRetrainJob, onRetrainJobFailed } from './jobs/retrain';
import { startMonitoring } from './monitoring';

async function main() {
  const config = loadConfig();
  const services = createServices(config, { name: 'worker' });
  const connection = connectionOptions(config.redisUrl!);
  const monitoring = await startMonitoring(services);
  // the shipped weights are the first ACTIVE version of a fresh installation (idempotent)
  await registerShippedModel(services);
  const runtime = inferenceRuntime(services, monitoring.metrics);
  // fine-tuning runs in its own thread; one run per worker process
  const retrain = new Worker<RetrainJob>(RETRAIN, (job) => execRetrainJob(job, services), { connection, prefix: config.queuePrefix, concurrency: 1 });
  retrain.on('failed', (job, err) => {
    onRetrainJobFailed(job, err, services).catch((e) => services.log.error({ err: (e as Error).message }, 'marking a lost training run failed'));
  });
  const workers = [
    new Worker<PreprocessJob>(PREPROCESS, (job) => execPreprocessJob(job, services), {
      connection, prefix: config.queuePrefix, concurrency: config.workerConcurrency,
    }),
    // one series at a time per worker process: the batches of a series already fill the thread pool
    new Worker<InferJob>(INFER, (job) => execInferJob(job, services, runtime, monitoring.metrics), {
      connection, prefix: config.queuePrefix, concurrency: 1, lockDuration: config.inferLockMs, stalledInterval: Math.min(30_000, config.inferLockMs),
    }),
    retrain,
  ];
  for (const w of workers) {
    monitoring.instrument(w);
    w.on('failed', (job, err) => services.log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  }
  const sweep = setInterval(() => {
    sweepOrphanBlobs(services).catch((e) => services.log.error({ err: (e as Error).message }, 'orphan sweep failed'));
  }, 60 * 60 * 1000);
  // Pipeline work whose job was lost (crash between commit and enqueue, Redis restart, a job BullMQ
  // failed after two worker deaths) is enqueued again under a fresh job id.
  const requeue = setInterval(() => {
    sweepPipeline(services).catch((e) => services.log.error({ err: (e as Error).message }, 'pipeline sweep failed'));
  }, config.pipelineSweepIntervalMs);
  // Claimed review tasks left idle past REVIEW_CLAIM_TIMEOUT_MINUTES go back to the pool.
  const release = setInterval(() => {
    releaseIdleTasks(services).then(
      (n) => { if (n) services.log.info({ released: n }, 'idle review tasks returned to the pool'); },
      (e) => services.log.error({ err: (e as Error).message }, 'idle task release failed'));
  }, 60 * 1000);
  // The audit chain head, signed, in a file outside the database: `admin verify-audit` detects a cut tail.
  const hmacKey = await auditHmacKey(config);
  const checkpoint = setInterval(() => {
    writeAuditCheckpoint(services, { dir: config.auditCheckpointDir, hmacKey })
      .catch((e) => services.log.error({ err: (e as Error).message }, 'audit checkpoint failed'));
  }, 5 * 60 * 1000);
  services.log.info({ queues: workers.map((w) => w.name) }, 'worker started');

  const stop = async () => {
    clearInterval(sweep);
    clearInterval(requeue);
    clearInterval(release);
    clearInterval(checkpoint);
    await Promise.all(workers.map((w) => w.close()));
    await runtime.close();
    await monitoring.close();
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
