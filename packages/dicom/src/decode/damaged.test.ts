// Damaged compressed frames must fail with a DicomError or decode to exactly the expected size:
// never another exception, a hang or a wrong-sized result. The frames are cut and corrupted here
// (seeded, reproducible) and fed to the decoders directly, past parseInstance's own checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from '../parse/parse-instance';
import { frameBytes } from '../parse/frames';
import { DicomError } from '../parse/errors';
import { decodeCompressedFrame } from './compressed';
import { decodeFrames } from './decode';
import { corpusDir } from '../test-support/corpus';

const dir = corpusDir(process.env.CORPUS_DIR);
const read = (file: string) => readFileSync(path.join(dir, file));

const SAMPLES = [
  'files/pydicom/SC_rgb_jpeg_dcmtk.dcm', // JPEG baseline, colour
  'files/pydicom/JPGExtended.dcm', // JPEG extended 12-bit
  'files/pylibjpeg-data/JPEGLosslessSV1/JPEGLosslessP14SV1_3s_2f_u_08_08.dcm', // JPEG lossless, colour
  'files/pydicom/MR_small_jpeg_ls_lossless.dcm', // JPEG-LS
  'files/pydicom/MR_small_RLE.dcm', // RLE
  'files/pydicom-data/liver_deflate.dcm', // deflated frames
  'files/pydicom/MR_small_jp2klossless.dcm', // JPEG 2000
  'files/pydicom-data/HTJ2KLossless_08_RGB.dcm', // HTJ2K
];

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function variants(frame: Uint8Array, seed: number): [string, Uint8Array][] {
  const rnd = random(seed);
  const out: [string, Uint8Array][] = [0.1, 0.5, 0.9].map((f) => [`cut at ${f * 100}%`, frame.slice(0, Math.floor(frame.length * f))]);
  for (let v = 0; v < 6; v++) {
    const copy = frame.slice();
    for (let k = 0; k < 4; k++) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
    out.push([`4 random bytes changed (#${v + 1})`, copy]);
  }
  return out;
}

describe('decoders on damaged frames', () => {
  it.each(SAMPLES)('%s: DicomError or a full-size frame', async (file) => {
    const parsed = parseInstance(read(file), { requireUids: false });
    const i = parsed.instance;
    const g = {
      rows: i.rows!, columns: i.columns!, spp: i.samplesPerPixel ?? 1, bitsAllocated: i.bitsAllocated!, bitsStored: i.bitsStored ?? i.bitsAllocated!,
      signed: i.pixelRepresentation === 1, photometric: i.photometricInterpretation ?? '', planar: i.planarConfiguration ?? 0, float: 0 as const,
    };
    const expectedBytes = g.bitsAllocated === 1 ? Math.ceil((g.rows * g.columns) / 8) : g.rows * g.columns * g.spp * (g.bitsAllocated / 8);
    const outcomes: string[] = [];
    for (const [what, frame] of variants(frameBytes(parsed, 0), file.length)) {
      try {
        const bytes = await decodeCompressedFrame(parsed.transferSyntaxUid, frame, g);
        outcomes.push(bytes.length >= expectedBytes ? 'decoded' : `${what}: ${bytes.length} bytes, ${expectedBytes} expected`);
      } catch (e) {
        outcomes.push(e instanceof DicomError ? 'DicomError' : `${what}: ${String(e)}`);
      }
    }
    expect(outcomes.filter((o) => o !== 'decoded' && o !== 'DicomError')).toEqual([]);
    expect(outcomes).toContain('DicomError'); // a cut at 10 % can never decode
  });

  it.each(['bad/rle_bad_segment_header.dcm', 'bad/pixel_data_too_short_for_geometry.dcm', 'bad/truncated_in_jpeg_fragment.dcm', 'bad/truncated_in_pixel_data.dcm'])(
    '%s fails decoding with a DicomError', async (file) => {
      await expect(decodeFrames(read(file))).rejects.toBeInstanceOf(DicomError);
    },
  );
});
