// The platform on several hosts (Linux network namespaces joined by a bridge, see multihost/):
// Postgres, Redis and S3 on a services host, two API hosts behind a round-robin proxy, two worker
// hosts. Two studies are ingested through the proxy, so across both API hosts; one worker host is
// killed (-9, every process on it, then its link goes down) while the series are being processed.
// Every instance ends indexed once, compressed and preprocessed, every series inferred once with
// one review task, the blobs are in S3, and the audit chain is intact. Across the API hosts: a
// session opened on one is valid on the other and ends on both at logout, and a worklist
// subscription on the second host sees the tasks that worker hosts create.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey, createUser, isCompressedKey, verifyAudit } from '@imaging/domain';
import { phantomStudy, until } from '@imaging/testing';
import { metricValue, startCluster, uploadFiles, type Cluster } from './multihost/cluster';
import { netnsUnavailable } from './multihost/netns';

const SLICES = 12;
const unavailable = netnsUnavailable();
if (unavailable) console.warn(`multi-host test skipped: ${unavailable}`);
const describeWithNetns = unavailable ? describe.skip : describe;

async function graphql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { res, body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] } };
}

describeWithNetns('the platform on several hosts', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ apiHosts: 2, workerHosts: 2, workerEnv: { INFER_BATCH_SIZE: '4' } });
    await Promise.all([cluster.startWorker('w1'), cluster.startWorker('w2')]);
  }, 300_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('processes every instance exactly once when a worker host dies mid-series', async () => {
    const { services } = cluster;
    const system = { ...services, principal: { kind: 'system' as const, id: 'system' as const, role: 'ADMIN' as const }, requestId: 'multihost' };
    const { key } = await createApiKey(system, { name: 'modality', role: 'INTEGRATOR' });
    const { key: readerKey } = await createApiKey(system, { name: 'worklist-screen', role: 'RADIOLOGIST' });
    const studies = [900_201, 900_202].map((seed) => phantomStudy({ seed, slices: SLICES, size: 256, lesionProbability: 1 }));
    const files = studies.flatMap((s) => s.files.map((f) => Buffer.from(f)));
    const half = files.length / 2;

    // first half of the files (the first study) through the proxy; worker host 1 takes part
    await uploadFiles(files.slice(0, half), `${cluster.url}/api/instances`, 4, `Bearer ${key}`);
    const w1 = cluster.workerMetricsUrls.get('w1')!;
    await until(async () => (await metricValue(w1, 'queue_jobs_processed_total')) >= 1, 'worker host 1 to process a job', { timeoutMs: 120_000, intervalMs: 100 });
    const series = await services.db.series.findMany({ where: { seriesInstanceUid: { in: studies.map((s) => s.seriesInstanceUid) } } });
    expect(await services.db.seriesProcessing.count({ where: { seriesDbId: { in: series.map((s) => s.id) }, state: 'DONE' } })).toBeLessThan(2);

    // a worklist screen subscribed on the second API host, before the second study exists
    const ws = createClient({ url: `${cluster.apiUrls[1].replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${readerKey}` }, retryAttempts: 0 });
    const worklist = new Promise<number[]>((resolve, reject) => {
      const seen: number[] = [];
      const stop = ws.subscribe<{ worklistChanged: { openTasks: number } }>({ query: 'subscription { worklistChanged { openTasks } }' }, {
        next: (v) => {
          if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
          seen.push(v.data!.worklistChanged.openTasks);
          if (seen.at(-1)! >= 2) { stop(); resolve(seen); }
        },
        error: reject,
        complete: () => resolve(seen),
      });
    });

    // worker host 1 dies mid-series; the second study arrives while it is gone
    await cluster.killHost('w1');
    await uploadFiles(files.slice(half), `${cluster.url}/api/instances`, 4, `Bearer ${key}`);

    // both API hosts took part in the ingest, and between them stored each file once
    const stored = await Promise.all(cluster.apiUrls.map((url) => metricValue(url, 'ingest_instances_total', { outcome: 'stored' })));
    for (const n of stored) expect(n).toBeGreaterThan(0);
    expect(stored.reduce((a, b) => a + b, 0)).toBe(files.length);

    const allSeries = await services.db.series.findMany({ where: { seriesInstanceUid: { in: studies.map((s) => s.seriesInstanceUid) } } });
    expect(allSeries).toHaveLength(2);
    const ids = allSeries.map((s) => s.id);
    await until(async () => (await services.db.seriesProcessing.count({ where: { seriesDbId: { in: ids }, state: 'DONE' } })) === 2 || null, 'both series to be read by the surviving worker host', { timeoutMs: 400_000, intervalMs: 500 });

    for (const id of ids) {
      const instances = await services.db.instance.findMany({ where: { seriesDbId: id } });
      expect(instances).toHaveLength(SLICES);
      for (const i of instances) {
        expect(i.preprocessedAt).not.toBeNull();
        expect(i.pipelineFailedAt).toBeNull();
        expect(isCompressedKey(i.storageKey)).toBe(true); // compressed (STORAGE_CODEC, verified bit-exact)
        expect(Number(i.storedBytes)).toBeLessThan(Number(i.sizeBytes));
        expect(await services.store.exists(i.storageKey)).toBe(true); // in S3 on the services host
      }
      expect(await services.db.aiResult.count({ where: { seriesDbId: id } })).toBe(1);
      expect(await services.db.reviewTask.count({ where: { seriesDbId: id } })).toBe(1);
    }
    expect(await services.db.auditEvent.count({ where: { action: 'instance.store' } })).toBe(files.length);
    // the subscription on api2 followed the worklist to both tasks, the second made after it began
    const openTasks = await worklist;
    expect(openTasks[0]).toBeLessThan(2);
    expect(openTasks.at(-1)).toBe(2);
    await ws.dispose();
    expect((await verifyAudit(services)).ok).toBe(true);
    // the surviving worker host did the rest
    expect(await metricValue(cluster.workerMetricsUrls.get('w2')!, 'queue_jobs_processed_total')).toBeGreaterThan(0);
  }, 600_000);

  it('keeps a session valid across API hosts and ends it on both at logout', async () => {
    const [api1, api2] = cluster.apiUrls;
    const user = { email: 'reader@multihost.test', password: 'a long enough passphrase 42' };
    await createUser({ ...cluster.services, principal: { kind: 'system', id: 'system', role: 'ADMIN' }, requestId: 'multihost' }, { ...user, role: 'RADIOLOGIST' });
    const login = await graphql(api1, 'mutation($e:String!,$p:String!){ login(email:$e,password:$p){ user { id } } }', { e: user.email, p: user.password });
    expect(login.body.errors).toBeUndefined();
    const cookie = login.res.headers.get('set-cookie')!.split(';')[0];
    const me = async (url: string) => (await graphql(url, '{ me { id } }', {}, { cookie })).body.data?.me ?? null;
    expect(await me(api2)).toEqual({ id: expect.any(String) });
    expect((await graphql(api2, 'mutation { logout }', {}, { cookie })).body.errors).toBeUndefined();
    expect(await me(api1)).toBeNull();
    expect(await me(api2)).toBeNull();
  });
});
