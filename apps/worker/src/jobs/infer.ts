// Consumer of the `infer` queue (payload: @imaging/jobs). Loads the active model once per
// process (a pool of threads, one model each) and reloads it when another version is promoted.
// Deterministic failures (undecodable pixels) end the series in FAILED at once; others retry
// with backoff and are marked FAILED after the last attempt.
import { UnrecoverableError, type Job } from 'bullmq';
import type { InferJob } from '@imaging/jobs';
import { activeModel, markSeriesFailed, processSeries, type InferenceRuntime, type Services, type StageFigures } from '@imaging/domain';
import { createInferencePool } from '@imaging/ml';
import { isAppError } from '@imaging/errors';
import type { Metrics } from '@imaging/metrics';

export interface RuntimeHolder {
  get(): Promise<InferenceRuntime>;
  close(): Promise<void>;
}

/** The active model's engine, rebuilt when the active version (or variant) changes. */
export function inferenceRuntime(services: Services, metrics?: Metrics): RuntimeHolder {
  let current: { key: string; runtime: Promise<InferenceRuntime> } | null = null;
  return {
    async get() {
      const model = await activeModel(services);
      if (!model) throw new Error('no ACTIVE model version is registered (npm start registers the shipped one)');
      const variant = services.config.modelVariant;
      const modelDir = model.artifacts[variant] ?? model.artifacts.float32;
      const key = `${model.id}/${variant}`;
      if (current?.key !== key) {
        const previous = current;
        const runtime = createInferencePool({ modelDir, backend: services.config.mlBackend, threads: services.config.inferThreads })
          .then((engine) => {
            const used = model.artifacts[variant] ? variant : 'float32';
            services.log.info({ modelVersion: model.version, variant: used, backend: engine.backend, threads: engine.threads }, 'inference engine ready');
            metrics?.setModelVersion({ version: model.version, variant: used, backend: engine.backend });
            const onBatch = metrics
              ? (b: { size: number; ms: number }) => metrics.recordInferenceBatch({ variant: used, backend: engine.backend, batchSize: b.size, durationSeconds: b.ms / 1000 })
              : undefined;
            return { engine, model, variant: used, batchSize: services.config.inferBatchSize, onBatch };
          });
        current = { key, runtime };
        runtime.catch(() => { if (current?.runtime === runtime) current = null; });
        if (previous) void previous.runtime.then((r) => r.engine.close(), () => undefined);
      }
      return current.runtime;
    },
    async close() {
      if (current) await current.runtime.then((r) => r.engine.close(), () => undefined);
      current = null;
    },
  };
}

function isDeterministic(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (err as Error).name === 'DicomError' || (isAppError(err) && code !== 'SERVICE_UNAVAILABLE' && code !== 'INTERNAL_SERVER_ERROR');
}

/** Cost counters of a finished series' stages at the configured unit prices (GPU time for GPU backends). */
function countCost(services: Services, metrics: Metrics, stages: StageFigures[]) {
  const prices = services.config.unitPrices;
  for (const stage of stages) {
    const backend = (stage.details as { backend?: string } | undefined)?.backend;
    if (backend === 'webgpu' || backend === 'tensorflow') metrics.addCost(stage.name, 'gpu_seconds', (stage.durationMs / 1000) * prices.gpuSecond);
    else metrics.addCost(stage.name, 'cpu_seconds', (stage.cpuMs / 1000) * prices.cpuSecond);
  }
}

export async function execInferJob(job: Job<InferJob>, services: Services, runtime: RuntimeHolder, metrics?: Metrics) {
  const log = services.log.child({ jobId: job.id, requestId: job.data.requestId });
  try {
    const outcome = await processSeries(services, await runtime.get(), job.data);
    // superseded jobs are the normal end of a burst of uploads: not worth an info line each
    const level = outcome.status === 'superseded' ? 'debug' : 'info';
    log[level]({ seriesId: job.data.seriesId, ...outcome, stages: undefined }, `infer ${outcome.status}`);
    if (outcome.status === 'done' && metrics) countCost(services, metrics, outcome.stages);
    return outcome.status;
  } catch (err) {
    const message = (err as Error).message;
    const code = String((err as { code?: unknown }).code ?? 'INFERENCE_FAILED');
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isDeterministic(err) || lastAttempt) {
      await markSeriesFailed(services, job.data.seriesId, code, message);
      if (!lastAttempt) throw new UnrecoverableError(message);
    }
    throw err;
  }
}
