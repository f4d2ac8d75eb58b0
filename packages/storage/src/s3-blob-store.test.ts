// The S3 driver against a real S3 protocol server (s3rver): multipart uploads, idempotent and
// racing puts, paging, and a store that cuts the connection mid-upload or never answers.
import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { contentKey } from './index';
import { listKeys as keys, recordCommands, startCuttingProxy, startS3Server, startSilentServer, type TestS3Server } from './testing/s3-server';

const MiB = 1024 * 1024;
const keyOf = (bytes: Uint8Array) => contentKey(createHash('sha256').update(bytes).digest('hex'));

describe('S3BlobStore', () => {
  let server: TestS3Server;
  beforeEach(async () => { server = await startS3Server(); });
  afterEach(() => server.close());

  it('uploads a blob larger than a part in several parts, and reads it back whole and in ranges', async () => {
    const store = server.store({ partSizeBytes: 5 * MiB, partConcurrency: 2 });
    const sent = recordCommands(store);
    const bytes = randomBytes(12 * MiB + 123);
    const key = keyOf(bytes);
    expect(await store.put(key, bytes)).toEqual({ written: true });
    expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect((await store.get(key)).equals(bytes)).toBe(true);
    const across = await store.getRange(key, 5 * MiB - 10, 5 * MiB + 9); // across the first part boundary
    expect(across.equals(bytes.subarray(5 * MiB - 10, 5 * MiB + 10))).toBe(true);
  });

  it('sends a blob up to one part as a single PutObject', async () => {
    const store = server.store({ partSizeBytes: 5 * MiB });
    const sent = recordCommands(store);
    const bytes = randomBytes(5 * MiB);
    await store.put(keyOf(bytes), bytes);
    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
  });

  it('writes the same content once: a second put, or racing puts, leave one object', async () => {
    const store = server.store();
    const sent = recordCommands(store);
    const bytes = randomBytes(4096);
    const key = keyOf(bytes);
    expect(await store.put(key, bytes)).toEqual({ written: true });
    expect(await store.put(key, bytes)).toEqual({ written: false });
    expect(sent.filter((c) => c === 'PutObjectCommand')).toHaveLength(1);
    const other = randomBytes(4096);
    const results = await Promise.all([1, 2, 3].map(() => store.put(keyOf(other), other)));
    expect(results.filter((r) => r.written).length).toBeGreaterThanOrEqual(1);
    expect((await keys(store)).sort()).toEqual([key, keyOf(other)].sort());
    expect((await store.get(keyOf(other))).equals(other)).toBe(true);
  });

  it('replaces an object of the wrong size under a content key (a torn write a store exposed)', async () => {
    const store = server.store();
    const bytes = randomBytes(10_000);
    const key = keyOf(bytes);
    await store.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: bytes.subarray(0, 4000) }));
    expect(await store.put(key, bytes)).toEqual({ written: true });
    expect((await store.get(key)).equals(bytes)).toBe(true);
  });

  it('pages through a listing of more keys than a page holds', async () => {
    const store = server.store({ listPageSize: 3 });
    const written = [];
    for (let i = 0; i < 10; i++) {
      const bytes = Buffer.from(`blob ${i}`);
      written.push(keyOf(bytes));
      await store.put(keyOf(bytes), bytes);
    }
    const sent = recordCommands(store);
    expect((await keys(store)).sort()).toEqual(written.sort());
    expect(sent.filter((c) => c === 'ListObjectsCommand')).toHaveLength(4);
  });

  it('a connection cut mid-PutObject gives SERVICE_UNAVAILABLE and leaves no object', async () => {
    const proxy = await startCuttingProxy(server.endpoint, 256 * 1024);
    try {
      const store = server.store({ endpoint: proxy.endpoint });
      const bytes = randomBytes(2 * MiB);
      const key = keyOf(bytes);
      await expect(store.put(key, bytes)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining(`put of ${key} failed`) });
      expect(proxy.cuts).toBeGreaterThanOrEqual(1);
      const direct = server.store();
      expect(await direct.exists(key)).toBe(false);
      expect(await keys(direct)).toEqual([]);
      // once the store answers again the same put succeeds
      expect(await direct.put(key, bytes)).toEqual({ written: true });
      expect((await direct.get(key)).equals(bytes)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a connection cut mid-part aborts the multipart upload and leaves no object', async () => {
    // parts are 5 MiB; a connection may carry 1 MiB, so every part upload is cut and every small request passes
    const proxy = await startCuttingProxy(server.endpoint, MiB);
    try {
      const store = server.store({ endpoint: proxy.endpoint, partSizeBytes: 5 * MiB, partConcurrency: 1 });
      const sent = recordCommands(store);
      const bytes = randomBytes(11 * MiB);
      const key = keyOf(bytes);
      await expect(store.put(key, bytes)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(sent).toContain('CreateMultipartUploadCommand');
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect(sent).not.toContain('CompleteMultipartUploadCommand');
      const direct = server.store();
      expect(await direct.exists(key)).toBe(false);
      expect(await keys(direct)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('streams a blob larger than a part as a multipart upload, read back whole', async () => {
    const store = server.store({ partSizeBytes: 5 * MiB, partConcurrency: 2 });
    const sent = recordCommands(store);
    const bytes = randomBytes(12 * MiB + 321);
    async function* chunks() { for (let at = 0; at < bytes.byteLength; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024); }
    expect(await store.putStream('exports/big.zip', chunks())).toEqual({ sizeBytes: bytes.byteLength });
    expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect((await store.get('exports/big.zip')).equals(bytes)).toBe(true);
  });

  it('a streamed source that throws after a part went up aborts the multipart upload and leaves no object', async () => {
    const store = server.store({ partSizeBytes: 5 * MiB, partConcurrency: 1 });
    const sent = recordCommands(store);
    const refusal = new Error('archive bound passed');
    async function* chunks() {
      for (let i = 0; i < 12; i++) yield randomBytes(MiB);
      throw refusal;
    }
    await expect(store.putStream('exports/failed.zip', chunks())).rejects.toBe(refusal);
    expect(sent).toContain('UploadPartCommand');
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect(sent).not.toContain('CompleteMultipartUploadCommand');
    expect(await keys(store)).toEqual([]);
  });

  it('a connection cut mid-stream gives SERVICE_UNAVAILABLE and leaves no object', async () => {
    const proxy = await startCuttingProxy(server.endpoint, MiB);
    try {
      const store = server.store({ endpoint: proxy.endpoint, partSizeBytes: 5 * MiB, partConcurrency: 1 });
      async function* chunks() { for (let i = 0; i < 3; i++) yield randomBytes(MiB); }
      await expect(store.putStream('exports/cut.zip', chunks())).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('putStream of exports/cut.zip failed') });
      expect(proxy.cuts).toBeGreaterThanOrEqual(1);
      expect(await keys(server.store())).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a store that never answers fails within its timeouts, typed, and readiness fails with it', async () => {
    const silent = await startSilentServer();
    try {
      const store = server.store({ endpoint: silent.endpoint, socketTimeoutMs: 300 });
      const started = Date.now();
      await expect(store.exists(contentKey('b'.repeat(64)))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      await expect(store.check()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await silent.close();
    }
  });

  it('a missing bucket is an outage, not a missing blob', async () => {
    const store = server.store({ bucket: 'no-such-bucket' });
    await expect(store.get(contentKey('c'.repeat(64)))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('NoSuchBucket') });
    await expect(store.check()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
