// The cache of restored originals gives back the original bytes, cached or not, and its entries
// cannot be changed through what it hands out.
import { compressForStorage, syntheticCtSeries } from '@imaging/dicom';
import type { Services } from '../context';
import { clearRestoredFileCache, readInstanceFileCached, setRestoredFileCacheBytes } from './restored-file-cache';

describe('readInstanceFileCached', () => {
  const [original] = syntheticCtSeries({ seed: 5, slices: 1, size: 64 }).files;
  let blobs: Map<string, Uint8Array>;
  let reads: number;
  // only get() is used
  const services = { store: { get: async (key: string) => { reads++; return Buffer.from(blobs.get(key)!); } } } as unknown as Pick<Services, 'store'>;

  beforeEach(async () => {
    clearRestoredFileCache();
    blobs = new Map([['a.jls', (await compressForStorage(original))!], ['plain', original]]);
    reads = 0;
  });

  it('restores a container once, then answers from the cache with the original bytes', async () => {
    const first = await readInstanceFileCached(services, 'a.jls');
    expect(Buffer.from(first).equals(original)).toBe(true);
    first.fill(0); // a caller changing its copy
    const second = await readInstanceFileCached(services, 'a.jls');
    expect(Buffer.from(second).equals(original)).toBe(true);
    expect(reads).toBe(1);
  });

  it('reads plain files every time (nothing to decode, nothing cached)', async () => {
    await readInstanceFileCached(services, 'plain');
    expect(Buffer.from(await readInstanceFileCached(services, 'plain')).equals(original)).toBe(true);
    expect(reads).toBe(2);
  });

  it('keeps within its configured bound (RESTORED_FILE_CACHE_MB), and 0 turns it off', async () => {
    try {
      setRestoredFileCacheBytes(0);
      await readInstanceFileCached(services, 'a.jls');
      await readInstanceFileCached(services, 'a.jls');
      expect(reads).toBe(2);
      // room for 8 restored files (one entry may take at most an eighth): the 9th evicts the oldest
      setRestoredFileCacheBytes(original.length * 8);
      const keys = Array.from({ length: 9 }, (_, i) => `k${i}.jls`);
      for (const k of keys) blobs.set(k, blobs.get('a.jls')!);
      for (const k of keys) await readInstanceFileCached(services, k);
      expect(reads).toBe(2 + 9);
      await readInstanceFileCached(services, 'k8.jls');
      expect(reads).toBe(2 + 9);
      await readInstanceFileCached(services, 'k0.jls');
      expect(reads).toBe(2 + 10);
    } finally {
      setRestoredFileCacheBytes(128 * 1024 * 1024);
    }
  });
});
