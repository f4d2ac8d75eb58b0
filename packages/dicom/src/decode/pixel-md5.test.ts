// Every corpus file with pixel data decoded and hashed as the corpus README defines pixel_md5
// (frames in order, samples interleaved, masked/sign-extended little-endian values), compared
// with MANIFEST.tsv. Lossy files are compared exactly too: the JPEG decoder reproduces libjpeg's
// integer IDCT and up-sampling, and lossy J2K/HTJ2K go through OpenJPEG, the reference decoder.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from '../parse/parse-instance';
import { decodeFrames } from './decode';
import { corpusDir, readManifest } from '../test-support/corpus';

const dir = corpusDir(process.env.CORPUS_DIR);
const withPixels = readManifest(dir).filter((r) => r.expect === 'ok' && r.pixel_md5);

/**
 * Files allowed to differ from the manifest, with the reason. Empty: all 126 match exactly.
 * Add an entry only with a reason a reviewer can check (e.g. a decoder disagreement noted in
 * the manifest), never to make a regression pass.
 */
const EXCEPTIONS: Record<string, string> = {};

async function pixelMd5(file: string): Promise<{ md5: string; frames: number; valuesPerFrame: number[] }> {
  const bytes = readFileSync(path.join(dir, file));
  const frames = await decodeFrames(bytes, parseInstance(bytes, { requireUids: false }));
  const md5 = createHash('md5');
  for (const f of frames) md5.update(new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength));
  return { md5: md5.digest('hex'), frames: frames.length, valuesPerFrame: frames.map((f) => f.pixels.length) };
}

describe('pixel decoding of the corpus against MANIFEST.tsv pixel_md5', () => {
  it('has the 126 files with pixel data the README lists', () => expect(withPixels.length).toBe(126));

  it.each(withPixels.filter((r) => !EXCEPTIONS[r.path]).map((r) => [r.path, r]))('%s', async (_file, r) => {
    const got = await pixelMd5(r.path);
    const values = Number(r.rows) * Number(r.columns) * Number(r.samples_per_pixel || 1);
    expect(got.frames).toBe(Number(r.frames));
    expect(got.valuesPerFrame).toEqual(Array(got.frames).fill(values));
    expect({ file: r.path, md5: got.md5 }).toEqual({ file: r.path, md5: r.pixel_md5 });
  });
});
