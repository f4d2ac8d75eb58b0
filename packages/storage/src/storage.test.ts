import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore, contentKey } from './index';

describe('FileBlobStore', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'blobs-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes once, reads back, lists and deletes', async () => {
    const store = new FileBlobStore(dir);
    const key = contentKey('a'.repeat(64));
    expect(key).toBe(`sha256/aa/aa/${'a'.repeat(64)}`);
    expect(await store.put(key, Buffer.from('hello'))).toEqual({ written: true });
    expect(await store.put(key, Buffer.from('hello'))).toEqual({ written: false });
    expect((await store.get(key)).toString()).toBe('hello');
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed.map((b) => b.key)).toEqual([key]);
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
  });

  it('refuses keys that escape the root', async () => {
    const store = new FileBlobStore(dir);
    await expect(store.put('../x', Buffer.from('x'))).rejects.toThrow('invalid blob key');
    expect(() => contentKey('nothex')).toThrow();
  });
});
