// Streaming uploads against a real server: bodies are never buffered whole, every limit answers
// with its typed error before or while the body is read, and a refused or broken-off upload leaves
// nothing behind (no rows, no blobs, no staged files).
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syntheticCtSeries } from '@imaging/dicom';
import { countState, createTestServices, systemContext, until } from '@imaging/testing';
import { ingestInstances, sweepPipeline } from '@imaging/domain';
import { openQueues } from '@imaging/jobs';
import { apiKeyCaller, startHarness, type Caller, type Harness } from '../testing/harness';

function multipart(files: Buffer[], boundary = 'test-boundary-42'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

async function post(h: Harness, caller: Caller, body: Buffer, headers: Record<string, string>) {
  const res = await fetch(`${h.url}/api/instances`, { method: 'POST', headers: { ...caller.headers, ...headers }, body });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() as { results?: { status: string; error: { code: string } | null }[]; error?: { code: string } } };
}

describe('streaming uploads', () => {
  let h: Harness;
  let caller: Caller;
  let tmpDir: string;
  const { files } = syntheticCtSeries({ seed: 4242, slices: 3, size: 64 });

  beforeAll(async () => {
    tmpDir = mkdtempSync(path.join(os.tmpdir(), 'imaging-upload-test-'));
    // a tiny memory budget, so parts are staged on disk; one upload per caller; small in-flight cap
    h = await startHarness({ uploadTmpDir: tmpDir, uploadMemoryBytes: 4096, maxUploadsPerCaller: 1, maxUploadBytes: 1024 * 1024, maxInflightUploadBytes: 1024 * 1024 });
    caller = await apiKeyCaller(h, 'INTEGRATOR');
  });
  afterAll(async () => {
    await h.close();
    rmSync(tmpDir, { recursive: true, force: true });
  });

  const staged = () => readdirSync(tmpDir);

  it('stores a multipart upload whose parts were staged on disk, and removes the staged files', async () => {
    const { body, contentType } = multipart(files);
    const res = await post(h, caller, body, { 'content-type': contentType });
    expect(res.status).toBe(200);
    expect(res.body.results!.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
    expect(staged()).toEqual([]);
  });

  it('inflates a gzip body with a running limit: a valid one is stored, a bomb is refused with 413', async () => {
    const one = syntheticCtSeries({ seed: 4243, slices: 1, size: 64 }).files;
    const { body, contentType } = multipart(one);
    const ok = await post(h, caller, gzipSync(body), { 'content-type': contentType, 'content-encoding': 'gzip' });
    expect(ok.status).toBe(200);
    const before = await countState(h.services);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KiB
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const refused = await post(h, caller, bomb, { 'content-type': 'application/dicom', 'content-encoding': 'gzip' });
    expect(refused.status).toBe(413);
    expect(refused.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await countState(h.services)).toEqual(before);
    expect(staged()).toEqual([]);
  });

  it('refuses an unknown Content-Encoding (415) and a declared length over the limit (413) before reading', async () => {
    const br = await post(h, caller, files[0], { 'content-type': 'application/dicom', 'content-encoding': 'br' });
    expect([br.status, br.body.error?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${h.url}/api/instances`, {
        method: 'POST', headers: { ...caller.headers, 'content-type': 'application/dicom', 'content-length': String(50 * 1024 * 1024) },
      }, (r) => {
        let text = '';
        r.on('data', (c) => { text += c; });
        r.on('end', () => resolve({ status: r.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024)); // the rest never comes: the answer must not wait for it
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a truncated multipart body (400) and keeps none of its parts', async () => {
    const before = await countState(h.services);
    const { body, contentType } = multipart(syntheticCtSeries({ seed: 4244, slices: 2, size: 64 }).files);
    const res = await post(h, caller, body.subarray(0, body.length - 30), { 'content-type': contentType });
    expect([res.status, res.body.error?.code]).toEqual([400, 'BAD_USER_INPUT']);
    expect(await countState(h.services)).toEqual(before);
    expect(staged()).toEqual([]);
  });

  it('answers 429 to a second upload of one caller while the first is open, and 503 past the in-flight cap', async () => {
    await post(h, caller, files[0], { 'content-type': 'application/dicom' }); // stored or duplicate: later posts of it change nothing
    // first upload: headers and a little body, then it stalls. A probe of the same caller may be
    // admitted before it (then the stalled one is the one refused, and is opened again).
    const openStalled = () => {
      const stalled = { req: http.request(`${h.url}/api/instances`, {
        method: 'POST', headers: { ...caller.headers, 'content-type': 'application/dicom', 'content-length': String(512 * 1024) },
      }), refused: false };
      stalled.req.on('response', () => { stalled.refused = true; });
      stalled.req.on('error', () => undefined);
      stalled.req.write(Buffer.alloc(1024));
      return stalled;
    };
    let stalled = openStalled();
    const second = await until(async () => {
      if (stalled.refused) {
        stalled.req.destroy();
        stalled = openStalled();
        return null;
      }
      const r = await post(h, caller, files[0], { 'content-type': 'application/dicom' });
      return r.status === 429 ? r : null;
    }, 'the second upload of the caller to be refused');
    expect(second.body.error?.code).toBe('RATE_LIMITED');
    expect(Number(second.retryAfter)).toBeGreaterThan(0);
    // another caller asking for more than the in-flight bytes left
    const other = await apiKeyCaller(h, 'INTEGRATOR');
    const big = await new Promise<{ status: number; retryAfter: string | undefined; code: string }>((resolve, reject) => {
      const req = http.request(`${h.url}/api/instances`, {
        method: 'POST', headers: { ...other.headers, 'content-type': 'application/dicom', 'content-length': String(768 * 1024) },
      }, (r) => {
        let text = '';
        r.on('data', (c) => { text += c; });
        r.on('end', () => resolve({ status: r.statusCode!, retryAfter: r.headers['retry-after'] as string | undefined, code: JSON.parse(text).error.code }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(16));
    });
    expect([big.status, big.code, Number(big.retryAfter) > 0]).toEqual([503, 'SERVICE_UNAVAILABLE', true]);
    // the stalled client goes away: its admission is released and nothing of it is kept
    const before = await countState(h.services);
    stalled.req.destroy();
    await until(async () => (await post(h, caller, files[0], { 'content-type': 'application/dicom' })).status === 200, 'the caller to be admitted again');
    expect(await countState(h.services)).toEqual(before);
    expect(staged()).toEqual([]);
  });

  it('keeps the other parts when one part is over the per-instance limit (207)', async () => {
    const small = await startHarness({ maxInstanceBytes: 20_000, uploadTmpDir: tmpDir });
    try {
      const key = await apiKeyCaller(small, 'INTEGRATOR');
      const tiny = syntheticCtSeries({ seed: 4245, slices: 1, size: 32 }).files[0];
      const large = syntheticCtSeries({ seed: 4246, slices: 1, size: 256 }).files[0];
      const { body, contentType } = multipart([tiny, large]);
      const res = await post(small, key, body, { 'content-type': contentType });
      expect(res.status).toBe(207);
      expect(res.body.results!.map((r) => r.error?.code ?? r.status)).toEqual(['stored', 'PAYLOAD_TOO_LARGE']);
      expect((await countState(small.services)).instances).toBe(1);
    } finally {
      await small.close();
    }
  });
});

describe('ingest while Redis is down', () => {
  it('accepts within the enqueue timeout, and the pipeline sweep enqueues the instance once Redis answers', async () => {
    const s = await createTestServices();
    const deadQueues = openQueues({ redisUrl: 'redis://127.0.0.1:1', prefix: s.config.queuePrefix, enqueueTimeoutMs: 300 });
    try {
      const file = syntheticCtSeries({ seed: 4247, slices: 1, size: 32 }).files;
      const started = Date.now();
      const [result] = await ingestInstances({ ...systemContext(s), queues: deadQueues }, file);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.status).toBe('stored');
      expect(await s.queues.preprocess.getJob(`instance-${result.instanceId}`)).toBeUndefined();
      expect((await sweepPipeline(s, { olderThanMs: 0 })).instancesRequeued).toBe(1);
      expect((await s.queues.preprocess.getJob(`instance-${result.instanceId}-r1`))?.data.instanceId).toBe(result.instanceId);
      expect((await sweepPipeline(s, { olderThanMs: 0 })).instancesRequeued).toBe(0); // its job is live now
    } finally {
      await Promise.race([deadQueues.close(), new Promise((r) => setTimeout(r, 1000))]);
      await s.close();
    }
  }, 60_000);
});
