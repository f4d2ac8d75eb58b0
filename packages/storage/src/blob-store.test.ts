// The BlobStore contract, run against both drivers: the filesystem and S3 (a real S3 protocol
// server, s3rver, on a loopback port).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore, contentKey, createBlobStore, type BlobStore } from './index';
import { S3BlobStore } from './s3-blob-store';
import { startS3Server, type TestS3Server } from './testing/s3-server';

const drivers: [string, () => Promise<{ store: BlobStore; close(): Promise<void> }>][] = [
  ['fs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'blobs-'));
    return { store: new FileBlobStore(dir), close: async () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ['s3', async () => {
    const server: TestS3Server = await startS3Server();
    return { store: server.store({ listPageSize: 2 }), close: () => server.close() };
  }],
];

const key = (n: number) => contentKey(n.toString(16).padStart(2, '0').repeat(32));

describe.each(drivers)('BlobStore (%s driver)', (_name, open) => {
  let store: BlobStore;
  let close: () => Promise<void>;
  beforeEach(async () => ({ store, close } = await open()));
  afterEach(() => close());

  it('writes once, reads back, lists and deletes', async () => {
    const k = contentKey('a'.repeat(64));
    expect(k).toBe(`sha256/aa/aa/${'a'.repeat(64)}`);
    expect(await store.put(k, Buffer.from('hello'))).toEqual({ written: true });
    expect(await store.put(k, Buffer.from('hello'))).toEqual({ written: false });
    expect((await store.get(k)).toString()).toBe('hello');
    expect(await store.exists(k)).toBe(true);
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed.map((b) => [b.key, b.sizeBytes])).toEqual([[k, 5]]);
    expect(Math.abs(listed[0].modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
    await store.delete(k);
    expect(await store.exists(k)).toBe(false);
    await expect(store.delete(k)).resolves.toBeUndefined(); // deleting twice is harmless
  });

  it('stores a subarray of a larger buffer as its own bytes only', async () => {
    const whole = Buffer.from('xxhelloyy');
    await store.put(key(1), whole.subarray(2, 7));
    expect((await store.get(key(1))).toString()).toBe('hello');
  });

  it('lists every key with its size and time, across pages', async () => {
    const before = Date.now() - 2000;
    for (let i = 0; i < 5; i++) await store.put(key(i), Buffer.alloc(i + 1, i));
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed.map((b) => b.key).sort()).toEqual([0, 1, 2, 3, 4].map(key).sort());
    for (const b of listed) {
      expect(b.sizeBytes).toBe(Number.parseInt(b.key.slice(-2), 16) + 1);
      expect(b.modifiedAt.getTime()).toBeGreaterThanOrEqual(before);
    }
  });

  it('streams a blob of many chunks under a new key, durable as put, and refuses an existing key', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000 + i, i));
    async function* source() { yield* chunks; }
    const k = 'exports/stream-1.zip';
    expect(await store.putStream(k, source())).toEqual({ sizeBytes: chunks.reduce((n, c) => n + c.byteLength, 0) });
    expect((await store.get(k)).equals(Buffer.concat(chunks))).toBe(true);
    let read = 0;
    async function* counted() { for (const c of chunks) { read++; yield c; } }
    await expect(store.putStream(k, counted())).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(read).toBe(0); // refused before reading anything
    expect((await store.get(k)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('a stream whose source throws rethrows its error and leaves nothing, not even a temp file', async () => {
    const refusal = new Error('the producer gave up');
    async function* failing() {
      yield Buffer.alloc(4096, 1);
      yield Buffer.alloc(4096, 2);
      throw refusal;
    }
    const k = 'exports/stream-2.zip';
    await expect(store.putStream(k, failing())).rejects.toBe(refusal);
    expect(await store.exists(k)).toBe(false);
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed).toEqual([]);
    if (store instanceof FileBlobStore) expect(readdirSync(path.join(store.root, 'exports'))).toEqual([]);
    // the key is free for a later stream
    async function* ok() { yield Buffer.from('whole'); }
    expect(await store.putStream(k, ok())).toEqual({ sizeBytes: 5 });
  });

  it('reads byte ranges, clamps the last byte and refuses a first byte past the end', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await store.put(key(7), bytes);
    expect((await store.getRange(key(7), 0, 0)).equals(bytes.subarray(0, 1))).toBe(true);
    expect((await store.getRange(key(7), 100, 299)).equals(bytes.subarray(100, 300))).toBe(true);
    expect((await store.getRange(key(7), 990, 5000)).equals(bytes.subarray(990))).toBe(true);
    await expect(store.getRange(key(7), 1000, 1010)).rejects.toMatchObject({ code: 'RANGE_NOT_SATISFIABLE' });
    await expect(store.getRange(key(7), 10, 5)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(store.getRange(key(7), -1, 5)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('answers NOT_FOUND for a missing key, whole or ranged', async () => {
    await expect(store.get(key(9))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.getRange(key(9), 0, 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.exists(key(9))).toBe(false);
  });

  it('refuses keys that escape the root or carry other syntax', async () => {
    for (const bad of ['../x', 'a/../../x', 'a/./b', '/abs', 'a?versionId=1', 'a b', '', 'x'.repeat(513)]) {
      await expect(store.put(bad, Buffer.from('x'))).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: 'invalid blob key' });
      await expect(store.get(bad)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(() => contentKey('nothex')).toThrow();
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed).toEqual([]);
  });

  it('passes its readiness check and leaves no probe behind', async () => {
    await store.check();
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed).toEqual([]);
  });
});

describe('createBlobStore', () => {
  it('chooses the driver from the options', () => {
    expect(createBlobStore({ storageDir: '/tmp/x' })).toBeInstanceOf(FileBlobStore);
    const s3 = createBlobStore({ driver: 's3', storageDir: '/tmp/x', s3: { bucket: 'b', region: 'us-east-1', forcePathStyle: true, endpoint: 'http://127.0.0.1:1' } });
    expect(s3).toBeInstanceOf(S3BlobStore);
    (s3 as S3BlobStore).close();
    expect(() => createBlobStore({ driver: 's3', storageDir: '/tmp/x' })).toThrow('S3_BUCKET');
  });
});
