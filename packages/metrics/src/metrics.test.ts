import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { createMetrics, graphqlMetricsPlugin, httpMetricsMiddleware, metricsHandler, routeLabel, type Metrics } from './index';

const STUDY_UID = '1.2.840.113619.2.55.3.604688119.969.1268071029.320';

/** The value of one sample in the exposition text, matched by name and exact label set (any order). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if ((m[2] ?? '').split(',').filter(Boolean).sort().join(',') === want) return Number(m[3]);
  }
  return undefined;
}

function get(url: string, method = 'GET'): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(metrics: Metrics): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.get('/metrics', metricsHandler(metrics));
  app.use(httpMetricsMiddleware(metrics));
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  const dicomWeb = express.Router();
  dicomWeb.get('/studies/:study', (req, res) => { res.json({ study: req.params.study }); });
  dicomWeb.post('/studies/:study', (_req, res) => { res.status(409).end(); });
  app.use('/dicom-web', dicomWeb);
  const root = express.Router();
  root.get('/api/studies/:study/series/:series', (_req, res) => { res.status(204).end(); });
  app.use(root);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('httpMetricsMiddleware', () => {
  let metrics: Metrics;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    metrics = createMetrics('api');
    server = await serve(metrics);
  });
  afterAll(() => server.close());

  it('labels requests by route pattern, never by the UIDs in the URL', async () => {
    expect((await get(`${server.url}/dicom-web/studies/${STUDY_UID}`)).status).toBe(200);
    expect((await get(`${server.url}/dicom-web/studies/${STUDY_UID}`, 'POST')).status).toBe(409);
    expect((await get(`${server.url}/api/studies/${STUDY_UID}/series/1.2.3`)).status).toBe(204);
    expect((await get(`${server.url}/no/such/${STUDY_UID}`)).status).toBe(404);
    await get(`${server.url}/healthz`);

    const scrape = await get(`${server.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.contentType).toContain('text/plain');
    const text = scrape.body;
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/dicom-web/studies/:study', status: '200', process: 'api' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/dicom-web/studies/:study', status: '409', process: 'api' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/studies/:study/series/:series', status: '204', process: 'api' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404', process: 'api' })).toBe(1);
    expect(text).not.toContain(STUDY_UID);
    expect(text).not.toContain('route="/healthz"');
    expect(text).not.toContain('route="/metrics"');
    // Default process metrics come from this registry too.
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('routeLabel', () => {
  it('joins the mount path and the route path, and falls back to the mount path or unmatched', () => {
    expect(routeLabel({ baseUrl: '/dicom-web', route: { path: '/studies/:study' } })).toBe('/dicom-web/studies/:study');
    expect(routeLabel({ baseUrl: '/graphql', route: undefined })).toBe('/graphql');
    expect(routeLabel({ baseUrl: '', route: undefined })).toBe('unmatched');
  });
});

describe('createMetrics', () => {
  it('keeps registries apart, so several can exist in one process', async () => {
    const a = createMetrics('api');
    const b = createMetrics('worker');
    a.ingestInstances.inc({ outcome: 'stored' });
    expect(await a.registry.metrics()).toContain('ingest_instances_total{outcome="stored",process="api"} 1');
    expect(await b.registry.metrics()).not.toContain('ingest_instances_total{');
  });

  it('counts ingest results by outcome and bytes received and stored', async () => {
    const m = createMetrics('api');
    m.recordIngestResults([
      { status: 'stored', sizeBytes: 1000 },
      { status: 'duplicate', sizeBytes: 500 },
      { status: 'conflict', sizeBytes: 200 },
      { status: 'failed', sizeBytes: 10 },
    ]);
    const text = await m.registry.metrics();
    expect(text).toContain('ingest_instances_total{outcome="stored",process="api"} 1');
    expect(text).toContain('ingest_instances_total{outcome="duplicate",process="api"} 1');
    expect(text).toContain('ingest_instances_total{outcome="rejected",process="api"} 2');
    expect(text).toContain('ingest_bytes_total{kind="received",process="api"} 1710');
    expect(text).toContain('ingest_bytes_total{kind="stored",process="api"} 1000');
  });

  it('fills queue_jobs from the counts source at each scrape, and survives a failing source', async () => {
    let counts: Record<string, Record<string, number>> = { preprocess: { waiting: 3, active: 1 }, infer: { failed: 2 } };
    const m = createMetrics('worker', { queueCounts: async () => counts });
    let text = await m.registry.metrics();
    expect(text).toContain('queue_jobs{queue="preprocess",state="waiting",process="worker"} 3');
    expect(text).toContain('queue_jobs{queue="preprocess",state="active",process="worker"} 1');
    expect(text).toContain('queue_jobs{queue="infer",state="failed",process="worker"} 2');
    counts = { preprocess: { waiting: 0 } };
    text = await m.registry.metrics();
    expect(text).toContain('queue_jobs{queue="preprocess",state="waiting",process="worker"} 0');
    expect(text).not.toContain('queue="infer"');
    m.setQueueCountsSource(async () => { throw new Error('redis down'); });
    text = await m.registry.metrics();
    expect(text).not.toContain('queue_jobs{');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('reports inference, model version, cost and audit chain status', async () => {
    const m = createMetrics('worker');
    expect(await m.registry.metrics()).not.toContain('audit_chain_ok');
    m.recordInferenceBatch({ variant: 'float16', backend: 'wasm', batchSize: 8, durationSeconds: 2 });
    m.setModelVersion({ version: 'v1', variant: 'float16', backend: 'wasm' });
    m.setModelVersion({ version: 'v2', variant: 'float16', backend: 'wasm' });
    m.addCost('infer', 'cpu_seconds', 0.25);
    m.setAuditChainStatus(false);
    const text = await m.registry.metrics();
    expect(text).toContain('inference_batch_size_count{process="worker"} 1');
    expect(text).toContain('inference_batch_size_sum{process="worker"} 8');
    expect(text).toContain('inference_images_total{variant="float16",process="worker"} 8');
    expect(text).toContain('inference_images_per_second{variant="float16",backend="wasm",process="worker"} 4');
    expect(text).toContain('model_version_info{version="v2",variant="float16",backend="wasm",process="worker"} 1');
    expect(text).not.toContain('version="v1"');
    expect(text).toContain('cost_total{stage="infer",resource="cpu_seconds",process="worker"} 0.25');
    expect(text).toContain('audit_chain_ok{process="worker"} 0');
    expect(text).toMatch(/audit_chain_checked_timestamp_seconds\{process="worker"\} \d+/);
    m.setAuditChainStatus(true);
    expect(await m.registry.metrics()).toContain('audit_chain_ok{process="worker"} 1');
  });
});

describe('graphqlMetricsPlugin', () => {
  it('observes each operation by root field (a schema name, never the client-chosen operation name), type and outcome', async () => {
    const m = createMetrics('api');
    const apollo = new ApolloServer({
      typeDefs: 'type Query { hello: String, broken: String } type Mutation { touch: Boolean }',
      resolvers: {
        Query: { hello: () => 'world', broken: () => { throw new Error('boom'); } },
        Mutation: { touch: () => true },
      },
      plugins: [graphqlMetricsPlugin(m)],
    });
    await apollo.start();
    try {
      await apollo.executeOperation({ query: 'query Greeting { hello }' });
      await apollo.executeOperation({ query: '{ hello }' });
      await apollo.executeOperation({ query: 'query Broken { broken }' });
      await apollo.executeOperation({ query: 'mutation Touch { touch }' });
      await apollo.executeOperation({ query: 'query Bad { nope }' });
      await apollo.executeOperation({ query: 'query {' });
      // an attacker naming every request differently adds no series
      for (let i = 0; i < 50; i++) await apollo.executeOperation({ query: `query Spray${i} { hello }` });
    } finally {
      await apollo.stop();
    }
    const text = await m.registry.metrics();
    expect(sample(text, 'graphql_operation_duration_seconds_count', { operation: 'hello', type: 'query', outcome: 'ok', process: 'api' })).toBe(52);
    expect(sample(text, 'graphql_operation_duration_seconds_count', { operation: 'broken', type: 'query', outcome: 'error', process: 'api' })).toBe(1);
    expect(sample(text, 'graphql_operation_duration_seconds_count', { operation: 'touch', type: 'mutation', outcome: 'ok', process: 'api' })).toBe(1);
    expect(sample(text, 'graphql_operation_duration_seconds_count', { operation: 'invalid', type: 'unknown', outcome: 'error', process: 'api' })).toBe(2);
    expect(text).not.toContain('Spray');
    expect(text).not.toContain('Greeting');
  });
});
