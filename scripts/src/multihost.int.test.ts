// The platform on several hosts (Linux network namespaces joined by a bridge, see multihost/):
// Postgres, Redis and S3 on a services host, two API hosts behind a round-robin proxy, two worker
// hosts. Two studies are ingested through the proxy, so across both API hosts; one worker host is
// killed (-9, every process on it, then its link goes down) while the series are being processed.
// Every instance ends indexed once, compressed and preprocessed, every series inferred once with
// one review task, the blobs are in S3, and the audit chain is intact.
import { createApiKey, verifyAudit } from '@imaging/domain';
import { phantomStudy, until } from '@imaging/testing';
import { metricValue, startCluster, uploadFiles, type Cluster } from './multihost/cluster';
import { netnsUnavailable } from './multihost/netns';

const SLICES = 12;
const unavailable = netnsUnavailable();
if (unavailable) console.warn(`multi-host test skipped: ${unavailable}`);
const describeWithNetns = unavailable ? describe.skip : describe;

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
    const { key } = await createApiKey({ ...services, principal: { kind: 'system', id: 'system', role: 'ADMIN' }, requestId: 'multihost' }, { name: 'modality', role: 'INTEGRATOR' });
    const studies = [900_201, 900_202].map((seed) => phantomStudy({ seed, slices: SLICES, size: 256, lesionProbability: 1 }));
    const files = studies.flatMap((s) => s.files.map((f) => Buffer.from(f)));
    const half = files.length / 2;

    // first half of the files (the first study) through the proxy; worker host 1 takes part
    await uploadFiles(files.slice(0, half), `${cluster.url}/api/instances`, 4, `Bearer ${key}`);
    const w1 = cluster.workerMetricsUrls.get('w1')!;
    await until(async () => (await metricValue(w1, 'queue_jobs_processed_total')) >= 1, 'worker host 1 to process a job', { timeoutMs: 120_000, intervalMs: 100 });
    const series = await services.db.series.findMany({ where: { seriesInstanceUid: { in: studies.map((s) => s.seriesInstanceUid) } } });
    expect(await services.db.seriesProcessing.count({ where: { seriesDbId: { in: series.map((s) => s.id) }, state: 'DONE' } })).toBeLessThan(2);

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
        expect(i.storageKey.endsWith('.jls')).toBe(true); // compressed (JPEG-LS, verified bit-exact)
        expect(Number(i.storedBytes)).toBeLessThan(Number(i.sizeBytes));
        expect(await services.store.exists(i.storageKey)).toBe(true); // in S3 on the services host
      }
      expect(await services.db.aiResult.count({ where: { seriesDbId: id } })).toBe(1);
      expect(await services.db.reviewTask.count({ where: { seriesDbId: id } })).toBe(1);
    }
    expect(await services.db.auditEvent.count({ where: { action: 'instance.store' } })).toBe(files.length);
    expect((await verifyAudit(services)).ok).toBe(true);
    // the surviving worker host did the rest
    expect(await metricValue(cluster.workerMetricsUrls.get('w2')!, 'queue_jobs_processed_total')).toBeGreaterThan(0);
  }, 600_000);
});
