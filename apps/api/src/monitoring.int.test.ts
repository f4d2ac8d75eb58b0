// GET /metrics over a real server: request, GraphQL and ingest metrics, labelled without UIDs.
import { readSample } from '@imaging/metrics';
import { readManifest, readCorpusFile } from '@imaging/testing';
import { startHarness, apiKeyCaller, postDicom, gql, anonymous, type Harness, type Caller } from './testing/harness';

const manifest = readManifest();
const good = manifest.filter((r) => r.expect === 'ok' && r.study_uid && r.sop_instance_uid);
const bad = manifest.filter((r) => r.expect === 'reject');


describe('GET /metrics', () => {
  let h: Harness;
  let integrator: Caller;
  beforeAll(async () => {
    h = await startHarness();
    integrator = await apiKeyCaller(h, 'INTEGRATOR');
  });
  afterAll(() => h.close());

  it('counts ingest outcomes and labels requests by route pattern, without authentication', async () => {
    const [first, second] = good;
    expect((await postDicom(h, integrator, [readCorpusFile(first)])).status).toBe(200);
    expect((await postDicom(h, integrator, [readCorpusFile(first)])).status).toBe(200);
    expect((await postDicom(h, integrator, [readCorpusFile(bad[0])])).status).toBeGreaterThanOrEqual(400);
    const boundary = 'metricsboundary';
    const stowBody = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), readCorpusFile(second), Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const stow = await fetch(`${h.url}/dicom-web/studies/${second.study_uid}`, {
      method: 'POST', headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, ...integrator.headers }, body: stowBody,
    });
    expect(stow.status).toBe(200);
    expect((await gql(h, anonymous, 'query Probe { __typename }')).status).toBe(200);

    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(readSample(text, 'ingest_instances_total', { outcome: 'stored', process: 'api' })).toBe(2);
    expect(readSample(text, 'ingest_instances_total', { outcome: 'duplicate', process: 'api' })).toBe(1);
    expect(readSample(text, 'ingest_instances_total', { outcome: 'rejected', process: 'api' })).toBe(1);
    expect(readSample(text, 'ingest_bytes_total', { kind: 'stored', process: 'api' })).toBe(readCorpusFile(first).length + readCorpusFile(second).length);
    expect(readSample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/instances', status: '200', process: 'api' })).toBe(2);
    expect(readSample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/dicom-web/studies/:study', status: '200', process: 'api' })).toBe(1);
    expect(readSample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/graphql', status: '200', process: 'api' })).toBe(1);
    expect(readSample(text, 'graphql_operation_duration_seconds_count', { operation: '__typename', type: 'query', outcome: 'ok', process: 'api' })).toBe(1);
    expect(text).not.toContain(String(second.study_uid));
    expect(text).not.toContain(String(first.sop_instance_uid));
  });
});
