// Consumer of the `infer` queue (payload: @imaging/jobs). Runs each series with the variant and
// batch size of its budget decision (domain/ai/budget-policy.ts); engines (a pool of threads, one
// model each) are loaded once per variant per process and reloaded when another version is promoted.
// Deterministic failures (undecodable pixels) end the series in FAILED at once; others retry
// with backoff and are marked FAILED after the last attempt.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { InferJob } from '@imaging/jobs';
import {
  activeModel, budgetForRun, computeCost, markSeriesFailed, processSeries, stageCompute, type InferenceRuntime, type Services, type StageFigures,
} from '@imaging/domain';
import { createInferencePool } from '@imaging/ml';
import { errorCode, isDeterministic } from './failures';
import type { Metrics } from '@imaging/metrics';

export interface RuntimeHolder {
  /** The active model on `variant` (the configured one by default; float32 where the version has no such weights). */
  get(plan?: { variant: string; batchSize: number }): Promise<InferenceRuntime>;
  close(): Promise<void>;
}

/** The active model's engines, one per weight variant the budget policy asks for, built on first
 *  use; all of them are closed and rebuilt when another version becomes active. */
export function inferenceRuntime(services: Services, metrics?: Metrics): RuntimeHolder {
  let modelId: string | null = null;
  let engines = new Map<string, Promise<InferenceRuntime>>();
  const closeAll = async (all: Map<string, Promise<InferenceRuntime>>) => {
    await Promise.all([...all.values()].map((r) => r.then((runtime) => runtime.engine.close(), () => undefined)));
  };
  return {
    async get(plan) {
      const model = await activeModel(services);
      if (!model) throw new Error('no ACTIVE model version is registered (npm start registers the shipped one)');
      if (model.id !== modelId) {
        const previous = engines;
        engines = new Map();
        modelId = model.id;
        void closeAll(previous);
      }
      const wanted = plan?.variant ?? services.config.modelVariant;
      const variant = model.artifacts[wanted] ? wanted : 'float32';
      let runtime = engines.get(variant);
      if (!runtime) {
        const pending = createInferencePool({ modelDir: model.artifacts[variant], backend: services.config.mlBackend, threads: services.config.inferThreads })
          .then((engine): InferenceRuntime => {
            services.log.info({ modelVersion: model.version, variant, backend: engine.backend, threads: engine.threads }, 'inference engine ready');
            const onBatch = metrics
              ? (b: { size: number; ms: number }) => metrics.recordInferenceBatch({ variant, backend: engine.backend, batchSize: b.size, durationSeconds: b.ms / 1000 })
              : undefined;
            return { engine, model, variant, batchSize: services.config.inferBatchSize, onBatch };
          });
        const current = engines;
        pending.catch(() => { if (current.get(variant) === pending) current.delete(variant); });
        engines.set(variant, pending);
        runtime = pending;
      }
      const ready = await runtime;
      metrics?.setModelVersion({ version: model.version, variant, backend: ready.engine.backend });
      return { ...ready, batchSize: plan?.batchSize ?? ready.batchSize };
    },
    async close() {
      const all = engines;
      engines = new Map();
      modelId = null;
      await closeAll(all);
    },
  };
}

/** Cost counters of a finished series' stages at the configured unit prices (GPU time for GPU backends). */
function countCost(services: Services, metrics: Metrics, stages: StageFigures[]) {
  const prices = services.config.unitPrices;
  for (const stage of stages) {
    const backend = (stage.details as { backend?: string } | undefined)?.backend;
    const compute = stageCompute({ cpuMs: stage.cpuMs, wallMs: stage.durationMs, backend });
    if (compute.gpuSeconds > 0) metrics.addCost(stage.name, 'gpu_seconds', computeCost(prices, compute));
    else metrics.addCost(stage.name, 'cpu_seconds', computeCost(prices, compute));
  }
}

export async function execInferJob(job: Job<InferJob>, services: Services, runtime: RuntimeHolder, metrics?: Metrics) {
  const log = services.log.child({ jobId: job.id, requestId: job.data.requestId });
  try {
    const plan = await budgetForRun(services, job.data, { requestId: job.data.requestId });
    if (plan.tier === 'deferred' && plan.deferredUntil && job.token) {
      // decided again at run time (a new day, or a job from before the policy) and over the ceiling
      await job.moveToDelayed(plan.deferredUntil.getTime(), job.token);
      log.info({ seriesId: job.data.seriesId, until: plan.deferredUntil }, 'infer deferred by the budget policy');
      throw new DelayedError();
    }
    const outcome = await processSeries(services, await runtime.get(plan), job.data);
    // superseded jobs are the normal end of a burst of uploads: not worth an info line each
    const level = outcome.status === 'superseded' ? 'debug' : 'info';
    log[level]({ seriesId: job.data.seriesId, ...outcome, stages: undefined }, `infer ${outcome.status}`);
    if (outcome.status === 'done' && metrics) countCost(services, metrics, outcome.stages);
    return outcome.status;
  } catch (err) {
    if (err instanceof DelayedError) throw err;
    const message = (err as Error).message;
    const code = errorCode(err, 'INFERENCE_FAILED');
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isDeterministic(err) || lastAttempt) {
      await markSeriesFailed(services, job.data.seriesId, code, message);
      if (!lastAttempt) throw new UnrecoverableError(message);
    }
    throw err;
  }
}
