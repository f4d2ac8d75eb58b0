// The platform as `npm start` runs it, for benchmarks: the api, worker and web processes (built
// dist/ and .next/) on a fresh test database, the local Redis and a private blob folder, with the
// launcher's environment (configToEnv). Benchmarks measure what users see with the worker
// compressing and inferring beside the API, not the API alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configToEnv, processEnv, type Config } from '@imaging/config';
import { createApiKey } from '@imaging/domain';
import { poolSql } from '@imaging/db';
import { createTestServices, freePort, systemContext, type TestServices } from '@imaging/testing';
import { repoRoot } from '../paths';

export interface Platform {
  services: TestServices;
  apiUrl: string;
  /** null when the web app is not built. */
  webUrl: string | null;
  /** An INTEGRATOR API key. */
  apiKey: string;
  /** Process ids, for CPU accounting (profile.ts). */
  pids: { api?: number; worker?: number; web?: number };
  stop(): Promise<void>;
}

async function waitFor(url: string, what: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs} ms`);
}

/** `apiNodeArgs`: node flags for the api process only, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] to profile it. */
export async function startPlatform(options: { web?: boolean; env?: Record<string, string>; config?: Partial<Config>; apiNodeArgs?: string[] } = {}): Promise<Platform> {
  const root = repoRoot();
  const services = await createTestServices({ logLevel: 'warn', ...options.config });
  const [apiPort, webPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const auditDir = mkdtempSync(path.join(os.tmpdir(), 'bench-audit-'));
  const env = {
    ...processEnv(), ...configToEnv({ ...services.config, nodeEnv: 'production', apiPort, webPort, workerMetricsPort: metricsPort, logLevel: 'warn', apiUrl: `http://127.0.0.1:${apiPort}` }),
    MODEL_DIR: services.config.modelDir, AUDIT_CHECKPOINT_DIR: auditDir,
    ...options.env,
  };
  const children: ChildProcess[] = [];
  const run = (args: string[], cwd: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...env, ...extra }, stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(child);
    return child;
  };
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= (async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await services.close();
    rmSync(auditDir, { recursive: true, force: true });
  })());
  try {
    const api = run([...(options.apiNodeArgs ?? []), path.join(root, 'apps/api/dist/main.js')], root);
    const worker = run([path.join(root, 'apps/worker/dist/main.js')], root);
    const webDir = path.join(root, 'apps/web');
    const web = options.web !== false && existsSync(path.join(webDir, '.next', 'BUILD_ID'))
      ? run([require.resolve('next/dist/bin/next', { paths: [webDir] }), 'start', '-p', String(webPort), '-H', '127.0.0.1'], webDir, { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' })
      : null;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor(`${apiUrl}/readyz`, 'api', api);
    await waitFor(`http://127.0.0.1:${metricsPort}/readyz`, 'worker', worker);
    if (web) await waitFor(`http://127.0.0.1:${webPort}/login`, 'web', web);
    const { key } = await createApiKey(systemContext(services), { name: 'bench', role: 'INTEGRATOR' });
    return { services, apiUrl, webUrl: web ? `http://127.0.0.1:${webPort}` : null, apiKey: key, pids: { api: api.pid, worker: worker.pid, web: web?.pid }, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface PipelineTimes {
  /** Seconds from `since` until every instance of the series was stored compressed and verified. */
  compressedS: number | null;
  /** Seconds from `since` until the series' AI result covering every instance was written. */
  aiResultS: number | null;
  compressed: number;
  aiSlices: number | null;
}

/** Polls the index until the series is compressed and has its AI result over all `instances`. */
export async function waitForPipeline(services: TestServices, seriesInstanceUid: string, instances: number, since: number, timeoutMs = 600_000): Promise<PipelineTimes> {
  const sql = poolSql(services.db);
  const out: PipelineTimes = { compressedS: null, aiResultS: null, compressed: 0, aiSlices: null };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (out.compressedS === null || out.aiResultS === null)) {
    const [row] = await sql.query<{ compressed: number; ai_slices: number | null }>(
      `SELECT (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = s.id AND i."preprocessedAt" IS NOT NULL AND (i."storageKey" LIKE '%.jls' OR i."storageKey" LIKE '%.htj2k')) AS compressed,
              (SELECT max(a.slices) FROM "AiResult" a WHERE a."seriesDbId" = s.id) AS ai_slices
         FROM "Series" s WHERE s."seriesInstanceUid" = $1`, [seriesInstanceUid]);
    const now = (performance.now() - since) / 1000;
    if (row) {
      out.compressed = row.compressed;
      out.aiSlices = row.ai_slices;
      if (out.compressedS === null && row.compressed >= instances) out.compressedS = now;
      if (out.aiResultS === null && (row.ai_slices ?? 0) >= instances) out.aiResultS = now;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return out;
}
