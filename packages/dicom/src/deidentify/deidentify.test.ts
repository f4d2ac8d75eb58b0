// The Basic Profile over the whole shared corpus: no attribute the table removes (X) survives at
// any depth, Z attributes are empty (the patient pseudonym aside), U attributes are the keyed
// mapping (consistent across files: references still point at the remapped instances), nothing
// private remains, the profile is declared; the pixels decode to the same bytes (native Pixel Data
// byte for byte), and dcmdump and dciodvfy read the output without new errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dcmjs from 'dcmjs';
import { corpusDir, readManifest } from '../test-support/corpus';
import { decodeFrames } from '../decode/decode';
import { parseInstance } from '../parse/parse-instance';
import { DicomError } from '../parse/errors';
import { BASIC_PROFILE } from './profile';
import { dateShiftDays, deidentifyInstance, remapUid, withFileMeta } from './deidentify';

const dir = corpusDir(process.env.CORPUS_DIR);
const rows = readManifest(dir).filter((r) => r.expect === 'ok');
const KEY = 'research-export-0001-key';
type Ds = Record<string, { vr: string; Value?: unknown[] }>;

function datasetOf(bytes: Uint8Array): Ds {
  return dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict as Ds;
}
function* elements(ds: Ds): Generator<[string, { vr: string; Value?: unknown[] }]> {
  for (const [tag, el] of Object.entries(ds)) {
    yield [tag, el];
    if (el.vr === 'SQ') for (const item of (el.Value ?? []) as Ds[]) yield* elements(item);
  }
}
const str = (v: unknown) => (v && typeof v === 'object' && 'Alphabetic' in v ? String((v as { Alphabetic: unknown }).Alphabetic) : String(v ?? ''));
async function pixelMd5(bytes: Uint8Array): Promise<string> {
  const md5 = createHash('md5');
  for (const f of await decodeFrames(bytes)) md5.update(new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength));
  return md5.digest('hex');
}
function dciodvfyErrors(bytes: Uint8Array, tmp: string): string[] {
  const file = path.join(tmp, `f-${Math.random().toString(36).slice(2)}.dcm`);
  writeFileSync(file, bytes);
  const out = spawnSync('dciodvfy', ['-new', file], { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
}

describe('PS3.15 Annex E Basic Profile de-identification', () => {
  let tmp: string;
  beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'deid-')); });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('removes, empties and remaps as the table says on every corpus file, pixels unchanged', async () => {
    let done = 0;
    const refused: string[] = [];
    const problems: string[] = [];
    for (const row of rows) {
      const original = new Uint8Array(readFileSync(path.join(dir, row.path)));
      let out;
      try {
        out = deidentifyInstance(original, { key: KEY });
      } catch (e) {
        // typed refusals: burned-in annotation, ISO 2022 code extensions dcmjs cannot write
        if (e instanceof DicomError && (e.code === 'BURNED_IN_ANNOTATION' || e.code === 'DEIDENTIFY_UNSUPPORTED')) { refused.push(`${row.path}: ${e.message}`); continue; }
        problems.push(`${row.path}: ${(e as Error).message}`);
        continue;
      }
      const before = datasetOf(withFileMeta(original));
      const after = datasetOf(out.bytes);
      for (const [tag, el] of elements(after)) {
        const rule = BASIC_PROFILE.get(tag);
        if (parseInt(tag.slice(0, 4), 16) % 2 === 1) problems.push(`${row.path}: private ${tag} survived`);
        if (rule?.basic === 'X') problems.push(`${row.path}: ${rule.keyword} survived`);
        if (rule?.basic === 'Z' && tag !== '00100010' && tag !== '00100020' && (el.Value ?? []).some((v) => str(v) !== '' && el.vr !== 'SQ')) problems.push(`${row.path}: ${rule.keyword} not empty`);
      }
      const replaced = new Set<string>();
      for (const [tag, el] of elements(before)) if (BASIC_PROFILE.get(tag)?.basic === 'U' && el.vr === 'UI') for (const v of el.Value ?? []) if (str(v)) replaced.add(str(v));
      for (const [tag, el] of elements(after)) {
        if (el.vr === 'UI') for (const v of el.Value ?? []) if (replaced.has(str(v))) problems.push(`${row.path}: ${tag} holds an original UID`);
      }
      const name = str(before['00100010']?.Value?.[0]).trim();
      if (name.length >= 3 && Buffer.from(out.bytes).includes(Buffer.from(name))) problems.push(`${row.path}: patient name survives in the bytes`);
      expect(str(after['00120062'].Value![0])).toBe('YES');
      expect(after['00120063'].Value).toEqual(['Basic Application Confidentiality Profile']);
      for (const tag of ['00080018', '0020000D', '0020000E']) {
        const was = str(before[tag]?.Value?.[0]);
        if (was && str(after[tag]?.Value?.[0]) !== remapUid(KEY, was)) problems.push(`${row.path}: ${tag} is not the keyed mapping`);
      }
      try {
        const parsedAfter = parseInstance(out.bytes, { requireUids: false }); // our strict parser, File Meta included
        const parsedBefore = parseInstance(original, { requireUids: false });
        const [a, b] = [parsedBefore.pixelData, parsedAfter.pixelData];
        if (a && b && a.source === original && !Buffer.from(b.source.subarray(b.offset, b.offset + b.length)).equals(Buffer.from(a.source.subarray(a.offset, a.offset + a.length)))) {
          problems.push(`${row.path}: Pixel Data bytes changed`);
        }
      } catch (e) {
        problems.push(`${row.path}: output does not parse: ${(e as Error).message}`);
      }
      const md5 = row.pixel_md5 ? await pixelMd5(original).catch(() => null) : null;
      if (md5 && (await pixelMd5(out.bytes).catch((e: Error) => e.message)) !== md5) problems.push(`${row.path}: decoded pixels differ`);
      done++;
    }
    expect(problems).toEqual([]);
    expect(refused).toEqual([expect.stringMatching(/^files\/pydicom\/J2K_pixelrep_mismatch.dcm: .*multiple character sets/)]);
    expect(done + refused.length).toBe(rows.length);
    expect(done).toBeGreaterThan(100);
  }, 300_000);

  it('keeps UIDs consistent across the files of a series and inside references', () => {
    const series = rows.filter((r) => r.path.startsWith('files/dcmqi/segmentations/ct-3slice/'));
    const outs = series.map((r) => deidentifyInstance(new Uint8Array(readFileSync(path.join(dir, r.path))), { key: KEY }));
    const images = outs.filter((_, i) => series[i].sop_class_uid === '1.2.840.10008.5.1.4.1.1.2');
    expect(new Set(images.map((o) => o.seriesInstanceUid)).size).toBe(1);
    expect(new Set(outs.map((o) => o.studyInstanceUid)).size).toBe(1);
    expect(new Set(outs.map((o) => o.patientPseudonym)).size).toBe(1);
    const seg = outs.find((_, i) => series[i].sop_class_uid === '1.2.840.10008.5.1.4.1.1.66.4');
    if (seg) {
      const refs = [...elements(datasetOf(seg.bytes))].filter(([tag]) => tag === '00081155').map(([, el]) => str(el.Value?.[0]));
      expect(refs.length).toBeGreaterThan(0);
      const imageUids = new Set(images.map((o) => o.sopInstanceUid));
      expect(refs.every((r) => imageUids.has(r))).toBe(true);
    }
    // another export key: other UIDs
    const other = deidentifyInstance(new Uint8Array(readFileSync(path.join(dir, series[0].path))), { key: 'another-export-key-0002' });
    expect(other.sopInstanceUid).not.toBe(outs[0].sopInstanceUid);
  });

  it('shifts dates by one offset per key and cleans descriptors with the options', () => {
    const row = rows.find((r) => r.path === 'files/pydicom/CT_small.dcm')!;
    const original = new Uint8Array(readFileSync(path.join(dir, row.path)));
    const before = datasetOf(original);
    const out = deidentifyInstance(original, { key: KEY, retainLongitudinalModifiedDates: true, cleanDescriptors: true });
    const after = datasetOf(out.bytes);
    const studyDate = str(before['00080020'].Value![0]);
    const shifted = new Date(Date.UTC(+studyDate.slice(0, 4), +studyDate.slice(4, 6) - 1, +studyDate.slice(6, 8)) - dateShiftDays(KEY) * 86_400_000);
    expect(str(after['00080020'].Value![0])).toBe(shifted.toISOString().slice(0, 10).replace(/-/g, ''));
    expect(str(after['00280303'].Value![0])).toBe('MODIFIED');
    expect(after['00120063'].Value).toEqual(['Basic Application Confidentiality Profile', 'Retain Longitudinal Temporal Information Modified Dates Option', 'Clean Descriptors Option']);
    const name = str(before['00100010'].Value![0]);
    const withName = new Uint8Array(readFileSync(path.join(dir, row.path)));
    const ds = dcmjs.data.DicomMessage.readFile(withName.buffer.slice(withName.byteOffset, withName.byteOffset + withName.byteLength) as ArrayBuffer);
    (ds.dict as Ds)['00081030'] = { vr: 'LO', Value: [`CT chest ${name.split('^')[0]} follow-up`] };
    const cleaned = datasetOf(deidentifyInstance(new Uint8Array(ds.write()), { key: KEY, cleanDescriptors: true }).bytes);
    expect(str(cleaned['00081030'].Value![0])).toBe('CT chest follow-up');
  });

  it('refuses an image with burned-in annotation', () => {
    const row = rows.find((r) => r.path === 'files/pydicom/CT_small.dcm')!;
    const bytes = new Uint8Array(readFileSync(path.join(dir, row.path)));
    const ds = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    (ds.dict as Ds)['00280301'] = { vr: 'CS', Value: ['YES'] };
    expect(() => deidentifyInstance(new Uint8Array(ds.write()), { key: KEY })).toThrow(expect.objectContaining({ code: 'BURNED_IN_ANNOTATION' }));
  });

  it('is read by dcmdump and dciodvfy without new errors', () => {
    for (const p of ['files/pydicom/CT_small.dcm', 'files/pydicom/MR_small.dcm', 'files/dcmqi/segmentations/ct-3slice/01.dcm']) {
      const row = rows.find((r) => r.path === p);
      if (!row) continue;
      const original = new Uint8Array(readFileSync(path.join(dir, p)));
      const out = deidentifyInstance(original, { key: KEY });
      const file = path.join(tmp, 'out.dcm');
      writeFileSync(file, out.bytes);
      expect(execFileSync('dcmdump', ['-q', file], { encoding: 'utf8' })).toMatch(/\(0012,0062\) CS \[YES\]/);
      const introduced = dciodvfyErrors(out.bytes, tmp).filter((e) => !dciodvfyErrors(original, tmp).includes(e));
      expect(introduced).toEqual([]);
    }
  });
});
