// Validation rules that the corpus does not exercise on its own: damaged Basic Offset Tables,
// odd NumberOfFrames, character sets and date forms, files without file meta.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from './parse-instance';
import { DicomError } from './errors';
import { normaliseDate } from './values';
import { writePart10, type Element } from '../write/part10-writer';
import { corpusDir } from '../test-support/corpus';

const dir = corpusDir(process.env.CORPUS_DIR);
const read = (file: string) => new Uint8Array(readFileSync(path.join(dir, file)));

function codeOf(bytes: Uint8Array): string {
  try {
    parseInstance(bytes);
    return 'accepted';
  } catch (e) {
    return e instanceof DicomError ? e.code : `not a DicomError: ${String(e)}`;
  }
}

const UIDS: Element[] = [
  { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: 0x00080018, vr: 'UI', value: '1.2.3.4.5' },
  { tag: 0x0020000d, vr: 'UI', value: '1.2.3.4' },
  { tag: 0x0020000e, vr: 'UI', value: '1.2.3.4.1' },
];
const synthetic = (extra: Element[]) => new Uint8Array(writePart10([...UIDS, ...extra], { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '1.2.3.4.5' }));

describe('Basic Offset Table checks (PS3.5 §A.4)', () => {
  const file = 'files/pydicom-data/emri_small_RLE.dcm';

  it('accepts the intact 10-frame RLE file', () => expect(codeOf(read(file))).toBe('accepted'));

  it('refuses an offset that does not point at a fragment', () => {
    const bytes = read(file);
    const bot = parseInstance(bytes).pixelData!.fragments[0];
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(bot.offset + 8, 12345, true);
    expect(codeOf(bytes)).toBe('PIXEL_DATA_INVALID');
  });

  it('refuses a table that lists a different number of frames than NumberOfFrames', () => {
    const bytes = read(file);
    const text = Buffer.from(bytes).toString('latin1');
    // NumberOfFrames (0028,0008) IS "10" → "9 " (same length), the table still has 10 entries.
    const at = text.indexOf('\x28\x00\x08\x00IS\x02\x0010');
    expect(at).toBeGreaterThan(0);
    bytes.set(Buffer.from('9 ', 'latin1'), at + 8);
    expect(codeOf(bytes)).toBe('PIXEL_DATA_INVALID');
  });
});

describe('image geometry checks (PS3.3 §C.7.6.3)', () => {
  const base: Element[] = [
    { tag: 0x00280002, vr: 'US', value: 1 }, { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: 2 }, { tag: 0x00280011, vr: 'US', value: 2 },
    { tag: 0x00280100, vr: 'US', value: 8 }, { tag: 0x00280101, vr: 'US', value: 8 }, { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
  ];
  const image = (overrides: Element[]) => synthetic([...base.filter((e) => !overrides.some((o) => o.tag === e.tag)), ...overrides]);

  it('accepts a minimal well-formed image', () => expect(codeOf(image([]))).toBe('accepted'));
  it('refuses BitsStored above BitsAllocated', () => expect(codeOf(image([{ tag: 0x00280101, vr: 'US', value: 12 }]))).toBe('PIXEL_DATA_INVALID'));
  it('refuses BitsAllocated 12', () => expect(codeOf(image([{ tag: 0x00280100, vr: 'US', value: 12 }]))).toBe('PIXEL_DATA_INVALID'));
  it('refuses NumberOfFrames 0', () => expect(codeOf(image([{ tag: 0x00280008, vr: 'IS', value: '0' }]))).toBe('PIXEL_DATA_INVALID'));
  it('refuses Rows 0', () => expect(codeOf(image([{ tag: 0x00280010, vr: 'US', value: 0 }]))).toBe('PIXEL_DATA_INVALID'));
});

describe('values', () => {
  it('normalises dates to YYYYMMDD and drops impossible ones', () => {
    expect(normaliseDate('20040119')).toBe('20040119');
    expect(normaliseDate('2004.01.19')).toBe('20040119');
    expect(normaliseDate('20040230')).toBeNull();
    expect(normaliseDate('2004')).toBeNull();
    expect(normaliseDate(null)).toBeNull();
  });

  it('decodes names in the declared Specific Character Set (PS3.5 §6.1)', () => {
    const utf8 = parseInstance(synthetic([
      { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 192' },
      { tag: 0x00100010, vr: 'PN', value: new Uint8Array(Buffer.from('Müller^Zoë', 'utf8')) },
    ]));
    expect(utf8.patient.patientName).toBe('Müller^Zoë');
    const latin2 = parseInstance(synthetic([
      { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 101' },
      { tag: 0x00100010, vr: 'PN', value: new Uint8Array([0xa3, 0xf3, 0x64, 0xbc]) },
    ]));
    expect(latin2.patient.patientName).toBe('Łódź');
    const defaultSet = parseInstance(synthetic([{ tag: 0x00100010, vr: 'PN', value: new Uint8Array([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]) }]));
    expect(defaultSet.patient.patientName).toBe('Müller');
  });
});

describe('files without file meta information', () => {
  it('reads a bare Implicit VR Little Endian dataset (the corpus rtstruct.dcm)', () => {
    const parsed = parseInstance(read('files/pydicom/rtstruct.dcm'));
    expect(parsed.hasFileMeta).toBe(false);
    expect(parsed.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(parsed.sopInstanceUid).not.toBe('');
  });

  it('refuses bytes that start like a dataset but do not parse as one', () => {
    const bytes = new Uint8Array(64).fill(0x41);
    bytes.set([0x08, 0x00, 0x05, 0x00, 0xff, 0xff, 0x00, 0x00]);
    expect(codeOf(bytes)).toBe('LENGTH_PAST_END');
  });
});
