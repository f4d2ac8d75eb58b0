// bench:multihost — throughput with 1 vs 2 API hosts and 1 vs 2 worker hosts, in the multi-host
// setup of the multi-host test (network namespaces on this machine: Postgres, Redis and S3 on a
// services host, API hosts behind a round-robin proxy, worker hosts). Every host shares this
// machine's cores, so the figures show what a second host adds on the same CPUs, not on new ones.
//   ingest: synthetic 512² CT series by 4 concurrent clients, straight to one API host vs through
//           the proxy to both, alternated (1, 2, 1, 2) so drift hits both alike; instances/s.
//   workers: phantom series uploaded through the proxy with 1 worker host up, then the same with a
//           second one started; from the first upload to every series DONE (preprocess + infer +
//           review task); series/min and instances/s.
// Writes bench/results/multihost.json, or <name>.json with a name argument (another Node, say).
import os from 'node:os';
import { syntheticCtSeries } from '@imaging/dicom';
import { createApiKey } from '@imaging/domain';
import { phantomStudy, until } from '@imaging/testing';
import { startCluster, uploadFiles, type Cluster } from '../multihost/cluster';
import { netnsUnavailable } from '../multihost/netns';
import { writeBenchResult } from './report';

const INGEST_SLICES = 100;
const INGEST_ROUNDS = 3;
const CLIENTS = 4;
const WORKER_SERIES = 6;
const WORKER_SLICES = 24;

async function ingestRound(url: string, seed: number, key: string): Promise<number> {
  const { files } = syntheticCtSeries({ seed, slices: INGEST_SLICES, size: 512 });
  const run = await uploadFiles(files, `${url}/api/instances`, CLIENTS, `Bearer ${key}`);
  return INGEST_SLICES / run.seconds;
}

async function workerRound(cluster: Cluster, seeds: number[], key: string): Promise<{ seconds: number; seriesPerMin: number; instancesPerS: number }> {
  const studies = seeds.map((seed) => phantomStudy({ seed, slices: WORKER_SLICES, size: 256, lesionProbability: 0.5 }));
  const started = performance.now();
  await uploadFiles(studies.flatMap((s) => s.files.map((f) => Buffer.from(f))), `${cluster.url}/api/instances`, CLIENTS, `Bearer ${key}`);
  const uids = studies.map((s) => s.seriesInstanceUid);
  await until(async () => (await cluster.services.db.seriesProcessing.count({ where: { series: { seriesInstanceUid: { in: uids } }, state: 'DONE' } })) === uids.length || null,
    'every series to be read', { timeoutMs: 900_000, intervalMs: 250 });
  const seconds = (performance.now() - started) / 1000;
  return { seconds: +seconds.toFixed(2), seriesPerMin: +((uids.length / seconds) * 60).toFixed(2), instancesPerS: +((uids.length * WORKER_SLICES) / seconds).toFixed(1) };
}

async function benchKey(cluster: Cluster): Promise<string> {
  const ctx = { ...cluster.services, principal: { kind: 'system' as const, id: 'system' as const, role: 'ADMIN' as const }, requestId: 'bench' };
  return (await createApiKey(ctx, { name: 'bench', role: 'INTEGRATOR' })).key;
}

const mean = (xs: number[]) => +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1);

async function main() {
  const unavailable = netnsUnavailable();
  if (unavailable) throw new Error(`bench:multihost needs network namespaces: ${unavailable}`);
  // Two clusters: ingest without workers (they would compete for the cores), then the workers
  // on a fresh one (the ingest rounds would leave them a backlog).
  const loadAverageAtStart = os.loadavg().map((x) => +x.toFixed(2));
  const oneApi: number[] = [];
  const twoApis: number[] = [];
  const ingestCluster = await startCluster({ apiHosts: 2, workerHosts: 0, logLevel: 'error' });
  try {
    const key = await benchKey(ingestCluster);
    for (let round = 0; round < INGEST_ROUNDS; round++) {
      oneApi.push(await ingestRound(ingestCluster.apiUrls[0], 7000 + round * 2, key));
      twoApis.push(await ingestRound(ingestCluster.url, 7001 + round * 2, key));
    }
  } finally {
    await ingestCluster.close();
  }
  const cluster = await startCluster({ apiHosts: 1, workerHosts: 2, logLevel: 'error', workerEnv: { INFER_SETTLE_MS: '0' } });
  try {
    const key = await benchKey(cluster);
    await cluster.startWorker('w1');
    const oneWorker = await workerRound(cluster, Array.from({ length: WORKER_SERIES }, (_, i) => 8000 + i), key);
    await cluster.startWorker('w2');
    const twoWorkers = await workerRound(cluster, Array.from({ length: WORKER_SERIES }, (_, i) => 8100 + i), key);

    const result = {
      setup: 'network namespaces on one machine: services host (embedded Postgres, redis-server, s3rver), round-robin TCP proxy, API hosts (1 process each), worker hosts (defaults, INFER_SETTLE_MS=0); every host shares the same cores',
      loadAverageAtStart,
      ingest: {
        slices: INGEST_SLICES, size: 512, clients: CLIENTS, rounds: INGEST_ROUNDS, storage: 's3 (s3rver)',
        oneApiHost: { instancesPerS: mean(oneApi), runs: oneApi.map((x) => +x.toFixed(1)) },
        twoApiHosts: { instancesPerS: mean(twoApis), runs: twoApis.map((x) => +x.toFixed(1)) },
        ratio: +(mean(twoApis) / mean(oneApi)).toFixed(2),
      },
      workers: {
        series: WORKER_SERIES, slicesPerSeries: WORKER_SLICES, size: 256,
        oneWorkerHost: oneWorker, twoWorkerHosts: twoWorkers,
        ratio: +(twoWorkers.seriesPerMin / oneWorker.seriesPerMin).toFixed(2),
      },
    };
    const file = writeBenchResult(process.argv[2] ?? 'multihost', result);
    console.log(`multihost ingest (${INGEST_SLICES} × 512², ${CLIENTS} clients): 1 API host ${result.ingest.oneApiHost.instancesPerS} instances/s, 2 API hosts ${result.ingest.twoApiHosts.instancesPerS} instances/s (×${result.ingest.ratio})`);
    console.log(`multihost workers (${WORKER_SERIES} × ${WORKER_SLICES} slices 256²): 1 worker host ${oneWorker.seriesPerMin} series/min, 2 worker hosts ${twoWorkers.seriesPerMin} series/min (×${result.workers.ratio})`);
    console.log(`  written ${file}`);
  } finally {
    await cluster.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
