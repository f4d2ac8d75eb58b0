// Palette Color rendering for every corpus file that has it (MANIFEST photometric PALETTE COLOR):
// 8-bit-index files with plain 16-bit LUTs and the 16-bit-index file with segmented 16-bit LUTs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from '../parse/parse-instance';
import { decodeFrame } from '../decode/decode';
import { renderFrame } from './render';
import { expandSegmentedLut, lutDescriptor, paletteLookup } from './palette';
import { corpusDir, readManifest } from '../test-support/corpus';

const dir = corpusDir(process.env.CORPUS_DIR);
const palette = readManifest(dir).filter((r) => r.expect === 'ok' && r.photometric === 'PALETTE COLOR');

describe('Palette Color', () => {
  it('finds the three palette files of the corpus, one of them segmented with 16-bit indices', () => {
    expect(palette.map((r) => path.basename(r.path)).sort()).toEqual(['OBXXXX1A_rle.dcm', 'examples_palette.dcm', 'gdcm-US-ALOKA-16.dcm']);
  });

  it.each(palette.map((r) => [r.path]))('%s renders through its LUT, in colour', async (file) => {
    const parsed = parseInstance(readFileSync(path.join(dir, file)));
    const lookup = paletteLookup(parsed)!;
    expect(lookup).not.toBeNull();
    const frame = await decodeFrame(parsed, 0);
    const rgba = renderFrame(parsed, frame);
    let colour = 0;
    for (let p = 0; p < frame.pixels.length; p += 97) {
      expect(Array.from(rgba.subarray(p * 4, p * 4 + 3))).toEqual(lookup(frame.pixels[p]));
      if (rgba[p * 4] !== rgba[p * 4 + 1] || rgba[p * 4 + 1] !== rgba[p * 4 + 2]) colour++;
    }
    expect(colour).toBeGreaterThan(0);
  });

  it('expands the segmented 16-bit LUTs to the length their descriptors give', () => {
    const parsed = parseInstance(readFileSync(path.join(dir, palette.find((r) => r.path.includes('ALOKA'))!.path)));
    for (const [descriptorTag, dataTag] of [[0x00281101, 0x00281221], [0x00281102, 0x00281222], [0x00281103, 0x00281223]]) {
      const d = lutDescriptor(parsed, descriptorTag)!;
      expect(d).toEqual({ entries: 65536, firstMapped: 0, bits: 16 });
      const bytes = parsed.bytesOf(dataTag)!;
      const words = Array.from(new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
      expect(expandSegmentedLut(words, d.entries).length).toBe(65536);
    }
  });

  it('expands discrete, linear and indirect segments (PS3.3 §C.7.9.2)', () => {
    // discrete 0,10; linear 4 entries up to 50; indirect: copy 1 segment (the discrete one at word 0)
    expect(expandSegmentedLut([0, 2, 0, 10, 1, 4, 50, 2, 1, 0, 0], 100)).toEqual([0, 10, 20, 30, 40, 50, 0, 10]);
    expect(expandSegmentedLut([0, 3, 1, 2, 3], 2)).toEqual([1, 2]);
    expect(() => expandSegmentedLut([1, 2, 5], 10)).toThrow();
  });
});
