// Metadata that stops parsing before Pixel Data is the same as a full parse, for every corpus
// file with native or encapsulated Pixel Data (7FE0,0010), except what follows Pixel Data: in
// the corpus only Data Set Trailing Padding (FFFC,FFFC), which carries no information.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDir, readManifest } from '../test-support/corpus';
import { parseInstance } from '../parse/parse-instance';
import { instanceToDicomJson } from './dicom-json';

describe('instanceToDicomJson', () => {
  it('gives the same metadata when it stops at Pixel Data', () => {
    const dir = corpusDir();
    let compared = 0;
    for (const row of readManifest(dir).filter((r) => r.expect === 'ok' && r.pixel_md5)) {
      const bytes = new Uint8Array(readFileSync(path.join(dir, row.path)));
      const pixel = parseInstance(bytes, { requireUids: false }).pixelData;
      if (!pixel || pixel.tag !== 0x7fe00010) continue;
      const uri = (tag: string) => (tag === '7FE00010' ? 'frames/1' : null);
      let full;
      try {
        full = instanceToDicomJson(bytes, uri);
      } catch {
        continue; // dcmjs reads Part 10 files only (no bare datasets); the same holds for both paths
      }
      const fast = instanceToDicomJson(bytes, uri, { pixelDataVr: pixel.vr ?? 'OW' });
      const after = Object.keys(full).filter((tag) => tag > '7FE00010');
      expect(after.filter((tag) => tag !== 'FFFCFFFC')).toEqual([]);
      for (const tag of after) delete full[tag];
      expect([row.path, fast]).toEqual([row.path, full]);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});
