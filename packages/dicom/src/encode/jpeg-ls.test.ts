// JPEG-LS lossless encoding round trip: corpus frames of several kinds (8/16-bit, signed, BitsStored
// below BitsAllocated, colour, multi-frame) encoded and decoded back must equal the originals.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from '../parse/parse-instance';
import { DicomError } from '../parse/errors';
import { decodeFrames } from '../decode/decode';
import { decodeCompressedFrame } from '../decode/compressed';
import { toSamples } from '../decode/samples';
import { encodeJpegLsLossless } from './jpeg-ls';
import { corpusDir } from '../test-support/corpus';

const dir = corpusDir(process.env.CORPUS_DIR);

const FILES = [
  'files/pydicom/CT_small.dcm', // 16-bit signed
  'files/pydicom/MR_small.dcm', // 16-bit signed, 64²
  'files/dcmqi/segmentations/ct-3slice/01.dcm', // real CT 512², BitsStored 12
  'files/pydicom-data/US1_UNCR.dcm', // 8-bit RGB ultrasound
  'files/pydicom-data/color-pl.dcm', // 8-bit RGB, planar configuration 1
  'files/pydicom-data/emri_small.dcm', // 10 frames
  'files/pydicom-data/vlut_04.dcm', // 8-bit greyscale
];

describe('encodeJpegLsLossless', () => {
  it.each(FILES)('%s round-trips exactly and compresses', async (file) => {
    const bytes = readFileSync(path.join(dir, file));
    const parsed = parseInstance(bytes, { requireUids: false });
    const frames = await decodeFrames(bytes, parsed);
    let codedBytes = 0;
    for (const frame of frames) {
      const coded = await encodeJpegLsLossless(frame.pixels, frame);
      expect([coded[0], coded[1], coded[coded.length - 2], coded[coded.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      codedBytes += coded.length;
      const g = {
        rows: frame.rows, columns: frame.columns, spp: frame.samplesPerPixel, bitsAllocated: frame.bitsAllocated, bitsStored: frame.bitsStored,
        signed: frame.pixelRepresentation === 1, photometric: frame.photometricInterpretation, planar: 0, float: 0 as const,
      };
      const back = toSamples(await decodeCompressedFrame('1.2.840.10008.1.2.4.80', coded, g), g, frame.pixels.length);
      expect(back).toEqual(frame.pixels);
    }
    const raw = frames.reduce((a, f) => a + f.pixels.byteLength, 0);
    expect(codedBytes).toBeLessThan(raw);
  });

  it('refuses float samples and mismatched sizes with a DicomError', async () => {
    const info = { rows: 2, columns: 2, samplesPerPixel: 1, bitsAllocated: 32, bitsStored: 32, pixelRepresentation: 0 };
    await expect(encodeJpegLsLossless(new Float32Array(4), info)).rejects.toBeInstanceOf(DicomError);
    await expect(encodeJpegLsLossless(new Uint8Array(3), { ...info, bitsAllocated: 8, bitsStored: 8 })).rejects.toBeInstanceOf(DicomError);
  });
});
