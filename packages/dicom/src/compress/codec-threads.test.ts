// The JPEG-LS codec threads code losslessly, report a corrupt codestream as damaged pixel data,
// and keep working after one.
import { decodeJpegLsFrame, encodeJpegLsLosslessFrame } from './codec-threads';
import { DicomError } from '../parse/errors';

describe('JPEG-LS codec threads', () => {
  const geometry = { width: 128, height: 96, bitsPerSample: 16, componentCount: 1, interleaveMode: 0 } as const;
  const frame = new Uint8Array(Uint16Array.from({ length: 128 * 96 }, (_, i) => (i * 37) % 4096).buffer);

  it('round-trips frames coded side by side', async () => {
    const coded = await Promise.all([0, 1, 2, 3].map(() => encodeJpegLsLosslessFrame(frame, geometry)));
    const decoded = await Promise.all(coded.map((c) => decodeJpegLsFrame(c)));
    for (const d of decoded) expect(Buffer.from(d).equals(Buffer.from(frame))).toBe(true);
  });

  it('rejects a corrupt codestream and decodes the next frame', async () => {
    const coded = await encodeJpegLsLosslessFrame(frame, geometry);
    await expect(decodeJpegLsFrame(coded.subarray(0, 40))).rejects.toBeInstanceOf(DicomError);
    expect(Buffer.from(await decodeJpegLsFrame(coded)).equals(Buffer.from(frame))).toBe(true);
  });
});
