// Worker process: wires each queue file to a BullMQ Worker; the job files hold the logic.
import { Worker } from 'bullmq';
import { loadConfig } from '@imaging/config';
import { auditHmacKey, createServices, closeServices, registerShippedModel, setRestoredFileCacheBytes, setSliceInputCacheBytes } from '@imaging/domain';
import { DEIDENTIFIED_EXPORT, INFER, MODEL_UPLOAD, PREPROCESS, RETRAIN, connectionOptions, type DeidentifiedExportJob, type InferJob, type ModelUploadJob, type PreprocessJob, type RetrainJob } from '@imaging/jobs';
import { execPreprocessJob, modelInputSize } from './jobs/preprocess';
import { execInferJob, inferenceRuntime } from './jobs/infer';
import { execRetrainJob, onRetrainJobFailed } from './jobs/retrain';
import { execDeidentifiedExportJob, onDeidentifiedExportJobFailed } from './jobs/export';
import { execModelUploadJob, onModelUploadJobFailed } from './jobs/model-upload';
import { startMaintenance } from './maintenance';
import { startMonitoring } from './monitoring';
import { lowerWorkerPriority } from './priority';

async function main() {
  const config = loadConfig();
  const services = createServices(config, { name: 'worker' });
  // before any codec, parse or inference thread starts, so that they inherit it
  lowerWorkerPriority(config.workerNice, services.log);
  const connection = connectionOptions(config.redisUrl!);
  const monitoring = await startMonitoring(services);
  // the shipped weights are the first ACTIVE version of a fresh installation (idempotent)
  await registerShippedModel(services);
  const runtime = inferenceRuntime(services, monitoring.metrics);
  // the storage job leaves each slice's model input for the infer step in this process
  setSliceInputCacheBytes(config.sliceInputCacheBytes);
  setRestoredFileCacheBytes(config.restoredFileCacheBytes);
  const inputSize = modelInputSize(services);
  // fine-tuning runs in its own thread; one run per worker process
  const retrain = new Worker<RetrainJob>(RETRAIN, (job) => execRetrainJob(job, services), { connection, prefix: config.queuePrefix, concurrency: 1 });
  retrain.on('failed', (job, err) => {
    onRetrainJobFailed(job, err, services).catch((e) => services.log.error({ err: (e as Error).message }, 'marking a lost training run failed'));
  });
  // uploaded model packages: validated and evaluated in a thread, one at a time per worker process
  const modelUpload = new Worker<ModelUploadJob>(MODEL_UPLOAD, (job) => execModelUploadJob(job, services), { connection, prefix: config.queuePrefix, concurrency: 1 });
  modelUpload.on('failed', (job, err) => {
    onModelUploadJobFailed(job, err, services).catch((e) => services.log.error({ err: (e as Error).message }, 'marking a lost model upload failed'));
  });
  // de-identified exports: one at a time per worker process (the archive is built in memory, bounded)
  const deidExport = new Worker<DeidentifiedExportJob>(DEIDENTIFIED_EXPORT, (job) => execDeidentifiedExportJob(job, services), { connection, prefix: config.queuePrefix, concurrency: 1 });
  deidExport.on('failed', (job, err) => {
    onDeidentifiedExportJobFailed(job, err, services).catch((e) => services.log.error({ err: (e as Error).message }, 'marking a lost export failed'));
  });
  const workers = [
    new Worker<PreprocessJob>(PREPROCESS, (job) => execPreprocessJob(job, services, inputSize), {
      connection, prefix: config.queuePrefix, concurrency: config.workerConcurrency,
    }),
    // one series at a time per worker process: the batches of a series already fill the thread pool
    new Worker<InferJob>(INFER, (job) => execInferJob(job, services, runtime, monitoring.metrics), {
      connection, prefix: config.queuePrefix, concurrency: 1, lockDuration: config.inferLockMs, stalledInterval: Math.min(30_000, config.inferLockMs),
    }),
    retrain,
    deidExport,
    modelUpload,
  ];
  for (const w of workers) {
    monitoring.instrument(w);
    w.on('failed', (job, err) => services.log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  }
  // Orphan sweep, pipeline requeue, idle task release, audit checkpoint and chain check: BullMQ
  // job schedulers, each run once per period by one of the worker processes (maintenance.ts).
  const maintenance = await startMaintenance({ services, hmacKey: await auditHmacKey(config), checkAuditChain: monitoring.checkAuditChain });
  monitoring.instrument(maintenance.worker);
  services.log.info({ queues: [...workers.map((w) => w.name), maintenance.worker.name] }, 'worker started');

  const stop = async () => {
    await Promise.all([maintenance.close(), ...workers.map((w) => w.close())]);
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
