// Transcoding every corpus image to Explicit VR Little Endian and (where JPEG-LS can code it) to
// JPEG-LS lossless: the result must parse as a valid Part 10 file naming the new syntax in its
// file meta, and its decoded pixels must hash to the manifest's pixel_md5.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from '../parse/parse-instance';
import { decodeFrames } from '../decode/decode';
import { numberOfFrames } from '../parse/frames';
import { DicomError } from '../parse/errors';
import { EXPLICIT_VR_LITTLE_ENDIAN } from '../write/part10-writer';
import { JPEG_LS_LOSSLESS, transcodeFrames, transcodeInstance } from './transcode';
import { corpusDir, readManifest } from '../test-support/corpus';
import * as dcmjs from 'dcmjs';

const dir = corpusDir(process.env.CORPUS_DIR);
const rows = readManifest(dir).filter((r) => r.expect === 'ok');
const images = rows.filter((r) => r.pixel_md5);
const jpegLsCodable = images.filter((r) => ['8', '16'].includes(r.bits_allocated));

async function pixelMd5(bytes: Uint8Array): Promise<string> {
  const md5 = createHash('md5');
  for (const f of await decodeFrames(bytes)) md5.update(new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength));
  return md5.digest('hex');
}

const read = (file: string) => readFileSync(path.join(dir, file));

describe('transcodeInstance', () => {
  it('covers the syntaxes of the corpus', () => {
    expect(new Set(images.map((r) => r.transfer_syntax_uid)).size).toBeGreaterThanOrEqual(15);
    expect(jpegLsCodable.length).toBeGreaterThan(100);
  });

  it.each(images.map((r) => [r.path, r]))('%s → Explicit VR Little Endian keeps the pixels', async (_file, r) => {
    const out = await transcodeInstance(read(r.path), EXPLICIT_VR_LITTLE_ENDIAN);
    const parsed = parseInstance(out.bytes, { requireUids: false });
    expect([parsed.transferSyntaxUid, parsed.hasFileMeta, parsed.pixelData?.encapsulated]).toEqual([EXPLICIT_VR_LITTLE_ENDIAN, true, false]);
    expect(parsed.sopInstanceUid).toBe(r.sop_instance_uid);
    expect({ file: r.path, md5: await pixelMd5(out.bytes) }).toEqual({ file: r.path, md5: r.pixel_md5 });
  });

  it.each(jpegLsCodable.map((r) => [r.path, r]))('%s → JPEG-LS lossless keeps the pixels', async (_file, r) => {
    const out = await transcodeInstance(read(r.path), JPEG_LS_LOSSLESS);
    const parsed = parseInstance(out.bytes, { requireUids: false });
    expect([parsed.transferSyntaxUid, parsed.pixelData?.encapsulated]).toEqual([JPEG_LS_LOSSLESS, true]);
    // offset table + one fragment per frame (a file stored as JPEG-LS comes back as it is)
    if (r.transfer_syntax_uid !== JPEG_LS_LOSSLESS) expect(parsed.pixelData!.fragments.length).toBe(numberOfFrames(parsed) + 1);
    expect({ file: r.path, md5: await pixelMd5(out.bytes) }).toEqual({ file: r.path, md5: r.pixel_md5 });
  });

  it('keeps the other attributes, values unchanged, and rewrites the pixel description', async () => {
    // implicit VR source: every attribute gets its dictionary VR
    const ct = parseInstance((await transcodeInstance(read('files/dcmqi/segmentations/ct-3slice/01.dcm'), JPEG_LS_LOSSLESS)).bytes);
    const original = parseInstance(read('files/dcmqi/segmentations/ct-3slice/01.dcm'));
    expect(ct.patient).toEqual(original.patient);
    expect(ct.study).toEqual(original.study);
    expect({ ...ct.instance, highBit: null }).toEqual({ ...original.instance, highBit: null });
    // and an independent reader (dcmjs) sees the new syntax in the file meta and the same attributes
    const bytes = (await transcodeInstance(read('files/pydicom-data/gdcm-US-ALOKA-16.dcm'), JPEG_LS_LOSSLESS)).bytes;
    const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const meta = message.meta as Record<string, { Value: unknown[] }>;
    const dict = message.dict as Record<string, { vr: string; Value: unknown[] }>;
    expect(meta['00020010'].Value).toEqual([JPEG_LS_LOSSLESS]);
    expect([dict['00280004'].Value, dict['00281221'].vr, dict['00281101'].vr]).toEqual([['PALETTE COLOR'], 'OW', 'US']);
    // planar RGB comes out interleaved
    const planar = parseInstance((await transcodeInstance(read('files/pydicom-data/color-pl.dcm'), JPEG_LS_LOSSLESS)).bytes, { requireUids: false });
    expect(planar.instance.planarConfiguration).toBe(0);
  });

  it('writes instances without pixel data as Explicit VR Little Endian whatever image syntax was asked', async () => {
    const sr = rows.find((r) => !r.pixel_md5 && r.transfer_syntax_uid !== EXPLICIT_VR_LITTLE_ENDIAN)!;
    const out = await transcodeInstance(read(sr.path), JPEG_LS_LOSSLESS);
    expect(out.transferSyntaxUid).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
    expect(parseInstance(out.bytes, { requireUids: false }).sopInstanceUid).toBe(sr.sop_instance_uid);
  });

  it('returns a file already in the asked syntax as it is, and refuses what it cannot write', async () => {
    const bytes = read('files/pydicom/CT_small.dcm');
    expect((await transcodeInstance(bytes, EXPLICIT_VR_LITTLE_ENDIAN)).bytes).toBe(bytes);
    await expect(transcodeInstance(bytes, '1.2.840.10008.1.2.4.90')).rejects.toBeInstanceOf(DicomError);
    const float = images.find((r) => r.bits_allocated === '32')!;
    await expect(transcodeInstance(read(float.path), JPEG_LS_LOSSLESS)).rejects.toMatchObject({ code: 'UNSUPPORTED_TRANSFER_SYNTAX' });
  });
});

describe('transcodeFrames', () => {
  it('gives JPEG-LS frames that decode to the original frame, and stored frames for *', async () => {
    const file = images.find((r) => r.path.endsWith('emri_small_jpeg_2k_lossless.dcm')) ?? images.find((r) => Number(r.frames) > 1 && r.transfer_syntax_uid === '1.2.840.10008.1.2.4.90')!;
    const parsed = parseInstance(read(file.path), { requireUids: false });
    const [jls] = await transcodeFrames(parsed, [1], JPEG_LS_LOSSLESS);
    expect([jls[0], jls[1]]).toEqual([0xff, 0xd8]);
    const [native] = await transcodeFrames(parsed, [1], EXPLICIT_VR_LITTLE_ENDIAN);
    expect(native.length).toBe(Number(file.rows) * Number(file.columns) * Number(file.bits_allocated) / 8);
    const [stored] = await transcodeFrames(parsed, [1], '*');
    expect(stored.length).toBeLessThan(native.length);
  });
});
