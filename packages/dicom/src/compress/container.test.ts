// Storage compression restores every corpus file byte for byte, and compresses real CT.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compressForStorage, restoreFromStorage, isStorageContainer } from './container';
import { syntheticCtSeries } from '../write/synthetic-ct';
import { corpusDir, readManifest } from '../test-support/corpus';

const dir = corpusDir();
const rows = readManifest(dir);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('lossless storage compression', () => {
  it('restores every corpus file bit-exact, compressing the native ones', async () => {
    let compressed = 0;
    for (const r of rows.filter((x) => x.expect === 'ok')) {
      const original = readFileSync(path.join(dir, r.path));
      const stored = (await compressForStorage(original)) ?? original;
      if (isStorageContainer(stored)) compressed++;
      expect([r.path, sha256(await restoreFromStorage(stored))]).toEqual([r.path, r.file_sha256]);
    }
    expect(compressed).toBe(29); // the native little-endian 8/16-bit files; the rest are stored as they came
  });

  it('compresses the real 3-slice CT and the synthetic CT', async () => {
    let before = 0;
    let after = 0;
    for (const n of ['01', '02', '03']) {
      const original = readFileSync(path.join(dir, `files/dcmqi/segmentations/ct-3slice/${n}.dcm`));
      before += original.length;
      after += (await compressForStorage(original))!.length;
    }
    expect(before / after).toBeGreaterThan(2);
    const [synthetic] = syntheticCtSeries({ seed: 3, slices: 1, size: 256 }).files;
    const stored = (await compressForStorage(synthetic))!;
    expect(synthetic.length / stored.length).toBeGreaterThan(2);
    expect(Buffer.from(await restoreFromStorage(stored)).equals(synthetic)).toBe(true);
  });
});
