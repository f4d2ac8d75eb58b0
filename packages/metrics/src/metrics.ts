// Prometheus metrics of one process (api or worker). Each call builds its own Registry, so tests
// can make several and nothing leaks into prom-client's global registry.
// Labels are low-cardinality and carry no patient data: routes by pattern, never raw URLs or UIDs.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ProcessName = 'api' | 'worker';

/** Job counts per queue and state, e.g. `{ preprocess: { waiting: 3, active: 1 } }`. */
export type QueueCountsSource = () => Promise<Record<string, Record<string, number>>>;

export type IngestOutcome = 'stored' | 'duplicate' | 'rejected';
export type CostResource = 'cpu_seconds' | 'gpu_seconds' | 'storage' | 'transfer';

export interface ModelVersionLabels {
  version: string;
  variant: string;
  backend: string;
}

export interface InferenceBatch {
  variant: string;
  backend: string;
  batchSize: number;
  durationSeconds: number;
}

/** The per-file result of an ingest request, as `ingestInstances` returns it. */
export interface IngestResultLike {
  status: string;
  sizeBytes: number;
}

export interface Metrics {
  processName: ProcessName;
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  graphqlOperationDuration: Histogram<'operation' | 'type' | 'outcome'>;
  ingestInstances: Counter<'outcome'>;
  ingestBytes: Counter<'kind'>;
  queueJobs: Gauge<'queue' | 'state'>;
  queueJobWait: Histogram<'queue'>;
  queueJobProcessing: Histogram<'queue'>;
  queueJobsProcessed: Counter<'queue' | 'outcome'>;
  inferenceBatchSize: Histogram;
  inferenceImages: Counter<'variant'>;
  inferenceImagesPerSecond: Gauge<'variant' | 'backend'>;
  modelVersionInfo: Gauge<'version' | 'variant' | 'backend'>;
  cost: Counter<'stage' | 'resource'>;
  auditChainOk: Gauge;
  auditChainCheckedTimestamp: Gauge;
  /** Counts each file of an ingest request by outcome, and its bytes. */
  recordIngestResults(results: readonly IngestResultLike[]): void;
  recordInferenceBatch(batch: InferenceBatch): void;
  /** The model now serving; the previous version's series is dropped. */
  setModelVersion(labels: ModelVersionLabels): void;
  addCost(stage: string, resource: CostResource, amount: number): void;
  setAuditChainStatus(ok: boolean): void;
  /** Where the `queue_jobs` gauge reads its counts at each scrape. */
  setQueueCountsSource(source: QueueCountsSource): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64];

export function ingestOutcome(status: string): IngestOutcome {
  if (status === 'stored' || status === 'duplicate') return status;
  return 'rejected';
}

export function createMetrics(processName: ProcessName, options: { queueCounts?: QueueCountsSource } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let queueCounts = options.queueCounts;

  const queueJobs = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state, read from Redis at each scrape',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      if (!queueCounts) return;
      this.reset();
      // A scrape while Redis is down still returns the other metrics; the gauge is just empty.
      const counts = await queueCounts().catch(() => ({}) as Record<string, Record<string, number>>);
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
      }
    },
  });

  // Registered on first use: a gauge without labels would report 0 ("chain broken") before any check.
  const auditChainOk = new Gauge({ name: 'audit_chain_ok', help: '1 when the last audit chain verification passed, else 0', registers: [] });
  const auditChainCheckedTimestamp = new Gauge({
    name: 'audit_chain_checked_timestamp_seconds',
    help: 'Unix time of the last audit chain verification',
    registers: [],
  });

  const metrics: Metrics = {
    processName,
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    graphqlOperationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operation duration by operation name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ingestInstances: new Counter({
      name: 'ingest_instances_total',
      help: 'DICOM instances received for ingest, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    ingestBytes: new Counter({
      name: 'ingest_bytes_total',
      help: 'DICOM bytes received for ingest and bytes newly stored',
      labelNames: ['kind'] as const,
      registers,
    }),
    queueJobs,
    queueJobWait: new Histogram({
      name: 'queue_job_wait_seconds',
      help: 'Time from enqueue to the start of processing',
      labelNames: ['queue'] as const,
      buckets: JOB_BUCKETS,
      registers,
    }),
    queueJobProcessing: new Histogram({
      name: 'queue_job_processing_seconds',
      help: 'Time a job spent processing',
      labelNames: ['queue'] as const,
      buckets: JOB_BUCKETS,
      registers,
    }),
    queueJobsProcessed: new Counter({
      name: 'queue_jobs_processed_total',
      help: 'Jobs finished by this process, by queue and outcome (each failed attempt counts)',
      labelNames: ['queue', 'outcome'] as const,
      registers,
    }),
    inferenceBatchSize: new Histogram({ name: 'inference_batch_size', help: 'Images per inference batch', buckets: BATCH_BUCKETS, registers }),
    inferenceImages: new Counter({
      name: 'inference_images_total',
      help: 'Images run through the model, by model variant',
      labelNames: ['variant'] as const,
      registers,
    }),
    inferenceImagesPerSecond: new Gauge({
      name: 'inference_images_per_second',
      help: 'Throughput of the last inference batch',
      labelNames: ['variant', 'backend'] as const,
      registers,
    }),
    modelVersionInfo: new Gauge({
      name: 'model_version_info',
      help: 'The model version serving inference (value is always 1)',
      labelNames: ['version', 'variant', 'backend'] as const,
      registers,
    }),
    cost: new Counter({
      name: 'cost_total',
      help: 'Estimated cost in currency units, by pipeline stage and resource',
      labelNames: ['stage', 'resource'] as const,
      registers,
    }),
    auditChainOk,
    auditChainCheckedTimestamp,
    recordIngestResults(results) {
      for (const r of results) {
        const outcome = ingestOutcome(r.status);
        metrics.ingestInstances.inc({ outcome });
        metrics.ingestBytes.inc({ kind: 'received' }, r.sizeBytes);
        if (outcome === 'stored') metrics.ingestBytes.inc({ kind: 'stored' }, r.sizeBytes);
      }
    },
    recordInferenceBatch({ variant, backend, batchSize, durationSeconds }) {
      metrics.inferenceBatchSize.observe(batchSize);
      metrics.inferenceImages.inc({ variant }, batchSize);
      if (durationSeconds > 0) metrics.inferenceImagesPerSecond.set({ variant, backend }, batchSize / durationSeconds);
    },
    setModelVersion(labels) {
      metrics.modelVersionInfo.reset();
      metrics.modelVersionInfo.set({ ...labels }, 1);
    },
    addCost(stage, resource, amount) {
      if (amount > 0) metrics.cost.inc({ stage, resource }, amount);
    },
    setAuditChainStatus(ok) {
      if (!registry.getSingleMetric('audit_chain_ok')) {
        registry.registerMetric(auditChainOk);
        registry.registerMetric(auditChainCheckedTimestamp);
      }
      auditChainOk.set(ok ? 1 : 0);
      auditChainCheckedTimestamp.set(Date.now() / 1000);
    },
    setQueueCountsSource(source) {
      queueCounts = source;
    },
  };
  return metrics;
}

/** One sample's value in Prometheus exposition text, matched by name and exact label set (any order). */
export function readSample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? '').split(',').filter(Boolean).sort().join(',') === want) return Number(m[3]);
  }
  return undefined;
}
