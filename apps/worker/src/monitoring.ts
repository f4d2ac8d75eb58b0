// The worker's monitoring: Prometheus metrics, a small HTTP server (/metrics, /healthz, /readyz)
// on WORKER_METRICS_PORT, queue depth per state at each scrape, and the audit chain check (run by
// the `maintenance` queue, so by one worker process per period: see maintenance.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobState, Queue, Worker } from 'bullmq';
import { checkReadiness, verifyAudit, type Services } from '@imaging/domain';
import { openQueue } from '@imaging/jobs';
import { createMetrics, instrumentWorker, type Metrics } from '@imaging/metrics';

/** Job states reported by `queue_jobs`. */
export const QUEUE_STATES: JobState[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'];

export interface WorkerMonitoring {
  metrics: Metrics;
  /** The port the HTTP server listens on; null when WORKER_METRICS_PORT is 0. */
  port: number | null;
  /** Call once for every BullMQ Worker the process starts: times its jobs and reports its queue. */
  instrument(worker: Worker): void;
  /** Verifies the audit chain now and sets this process's `audit_chain_ok`. */
  checkAuditChain(): Promise<void>;
  close(): Promise<void>;
}

export async function startMonitoring(services: Services): Promise<WorkerMonitoring> {
  const queues = new Map<string, Queue>();
  const metrics = createMetrics('worker', {
    async queueCounts() {
      const entries = await Promise.all([...queues].map(async ([name, queue]) => [name, await queue.getJobCounts(...QUEUE_STATES)] as const));
      return Object.fromEntries(entries);
    },
  });

  const checkAuditChain = async () => {
    try {
      metrics.setAuditChainStatus((await verifyAudit(services)).ok);
    } catch (e) {
      // A failed check is not a broken chain: leave the last result and its timestamp as they are.
      services.log.error({ err: (e as Error).message }, 'audit chain check failed');
    }
  };

  const server = services.config.workerMetricsPort ? await listen(services, metrics, services.config.workerMetricsPort) : null;

  return {
    metrics,
    port: server ? (server.address() as AddressInfo).port : null,
    instrument(worker) {
      instrumentWorker(metrics, worker.name, worker);
      if (!queues.has(worker.name)) queues.set(worker.name, openQueue(worker.name, services.queues.settings));
    },
    checkAuditChain,
    async close() {
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
    },
  };
}

/** A port already in use is logged, not fatal: jobs matter more than their metrics. */
async function listen(services: Services, metrics: Metrics, port: number): Promise<http.Server | null> {
  const server = http.createServer((req, res) => {
    void respond(services, metrics, req.method ?? 'GET', (req.url ?? '/').split('?')[0], res);
  });
  return new Promise((resolve) => {
    server.once('error', (e) => {
      services.log.error({ port, err: e.message }, 'worker metrics server could not listen');
      resolve(null);
    });
    server.listen(port, () => {
      services.log.info({ port: (server.address() as AddressInfo).port }, 'worker metrics listening');
      resolve(server);
    });
  });
}

async function respond(services: Services, metrics: Metrics, method: string, path: string, res: http.ServerResponse): Promise<void> {
  const send = (status: number, contentType: string, body: string) => {
    res.writeHead(status, { 'Content-Type': contentType }).end(body);
  };
  try {
    if (method !== 'GET' && method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/metrics') return send(200, metrics.registry.contentType, await metrics.registry.metrics());
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (path === '/readyz') {
      const readiness = await checkReadiness(services);
      return send(readiness.ok ? 200 : 503, 'application/json', JSON.stringify(readiness));
    }
    send(404, 'text/plain', 'not found\n');
  } catch (e) {
    services.log.error({ path, err: (e as Error).message }, 'worker metrics request failed');
    send(500, 'text/plain', 'internal error\n');
  }
}
