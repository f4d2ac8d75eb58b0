// The cache of restored originals gives back the original bytes, cached or not, and its entries
// cannot be changed through what it hands out.
import { compressForStorage, syntheticCtSeries } from '@imaging/dicom';
import type { Services } from '../context';
import { clearRestoredFileCache, readInstanceFileCached } from './restored-file-cache';

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
});
