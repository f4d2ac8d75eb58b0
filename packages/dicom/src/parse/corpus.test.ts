// Every file of the shared corpus through parseInstance, against MANIFEST.tsv: accepted files
// carry the manifest's UIDs, transfer syntax and geometry (and agree with dicom-parser); UID-less
// files and every malformed file are refused with a DicomError of the expected code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as dicomParser from 'dicom-parser';
import { parseInstance, type ParsedInstance } from './parse-instance';
import { DicomError, type DicomErrorCode } from './errors';
import { corpusDir, hasUids, readManifest } from '../test-support/corpus';

const dir = corpusDir(process.env.CORPUS_DIR);
const rows = readManifest(dir);
const read = (file: string) => readFileSync(path.join(dir, file));

function outcome(file: string): { code: DicomErrorCode | 'accepted' | 'not a DicomError'; message: string } {
  try {
    parseInstance(read(file));
    return { code: 'accepted', message: '' };
  } catch (e) {
    if (e instanceof DicomError) return { code: e.code, message: e.message };
    return { code: 'not a DicomError', message: String(e) };
  }
}

const EXPECTED_BAD: Record<string, DicomErrorCode> = {
  'bad/truncated_in_pixel_data.dcm': 'LENGTH_PAST_END',
  'bad/truncated_in_header.dcm': 'LENGTH_PAST_END',
  'bad/truncated_in_file_meta.dcm': 'TRUNCATED',
  'bad/truncated_after_magic.dcm': 'TRUNCATED',
  'bad/empty_file.dcm': 'EMPTY_FILE',
  'bad/truncated_in_jpeg_fragment.dcm': 'PIXEL_DATA_INVALID',
  'bad/rle_bad_segment_header.dcm': 'PIXEL_DATA_INVALID',
  'bad/not_dicom_text.dcm': 'NOT_DICOM',
  'bad/not_dicom_gzip.dcm': 'NOT_DICOM',
  'bad/not_dicom_png.dcm': 'NOT_DICOM',
  'bad/bad_magic_DICN.dcm': 'BAD_MAGIC',
  'bad/bad_preamble_no_magic.dcm': 'BAD_PREAMBLE',
  'bad/vr_length_past_end_header.dcm': 'LENGTH_PAST_END',
  'bad/pixel_data_length_past_end.dcm': 'LENGTH_PAST_END',
  'bad/file_meta_length_past_end.dcm': 'LENGTH_PAST_END',
  'bad/invalid_vr_QQ.dcm': 'INVALID_VR',
  'bad/pixel_data_too_short_for_geometry.dcm': 'PIXEL_DATA_INVALID',
  'bad/ts_jpeg_but_native_pixel_data.dcm': 'PIXEL_DATA_INVALID',
  'bad/unterminated_sequence.dcm': 'LENGTH_PAST_END',
  'bad/pydicom_MR_truncated.dcm': 'LENGTH_PAST_END',
};

const good = rows.filter((r) => r.expect === 'ok' && hasUids(r));
const parsedGood = new Map<string, ParsedInstance>(good.map((r) => [r.path, parseInstance(read(r.path))]));

describe('parseInstance on the malformed corpus files (bad/)', () => {
  const bad = rows.filter((r) => r.expect === 'reject');

  it('lists the 20 malformed files this test expects', () => {
    expect(bad.map((r) => r.path).sort()).toEqual(Object.keys(EXPECTED_BAD).sort());
  });

  it.each(Object.entries(EXPECTED_BAD))('%s is refused with %s', (file, code) => {
    expect(outcome(file).code).toBe(code);
  });

  it('never quotes patient names or IDs in error messages', () => {
    const phi = [...parsedGood.values()].flatMap((p) => [p.patient.patientName, p.patient.patientId]).filter((v): v is string => !!v && v.length > 3);
    for (const file of Object.keys(EXPECTED_BAD)) {
      const { message } = outcome(file);
      expect(message.length).toBeGreaterThan(10);
      expect(phi.filter((v) => message.includes(v))).toEqual([]);
    }
  });
});

describe('parseInstance on the corpus files without Study/Series/SOP Instance UIDs', () => {
  const uidLess = rows.filter((r) => r.expect === 'ok' && !hasUids(r));

  it('finds the 13 UID-less files of the README', () => expect(uidLess.length).toBe(13));

  it.each(uidLess.map((r) => [r.path, r]))('%s is refused with MISSING_UID naming what lacks', (file, r) => {
    const { code, message } = outcome(file);
    expect(code).toBe('MISSING_UID');
    if (!r.study_uid) expect(message).toContain('StudyInstanceUID');
    if (!r.series_uid) expect(message).toContain('SeriesInstanceUID');
    if (!r.sop_instance_uid) expect(message).toContain('SOPInstanceUID');
  });

  it('still parses them when UIDs are not required (decoding loose files)', () => {
    for (const r of uidLess) expect(parseInstance(read(r.path), { requireUids: false }).transferSyntaxUid).toBe(r.transfer_syntax_uid || '1.2.840.10008.1.2');
  });
});

describe('parseInstance on the 120 well-formed corpus files', () => {
  it('finds them', () => expect(good.length).toBe(120));

  it('returns the manifest UIDs, transfer syntax and image geometry', () => {
    const seen = good.map((r) => {
      const p = parsedGood.get(r.path)!;
      const i = p.instance;
      return {
        path: r.path, sop: p.sopInstanceUid, study: p.studyInstanceUid, series: p.seriesInstanceUid, sopClass: p.sopClassUid,
        ts: r.transfer_syntax_uid ? p.transferSyntaxUid : '', modality: p.series.modality ?? '',
        rows: String(i.rows ?? ''), columns: String(i.columns ?? ''), frames: p.pixelData ? String(i.numberOfFrames ?? 1) : '',
        bitsAllocated: String(i.bitsAllocated ?? ''), photometric: i.photometricInterpretation ?? '',
      };
    });
    expect(seen).toEqual(good.map((r) => ({
      path: r.path, sop: r.sop_instance_uid, study: r.study_uid, series: r.series_uid, sopClass: r.sop_class_uid, ts: r.transfer_syntax_uid,
      modality: r.modality, rows: r.rows, columns: r.columns, frames: r.frames, bitsAllocated: r.bits_allocated, photometric: r.photometric,
    })));
  });

  it('reads header values as dicom-parser does (independent parser)', () => {
    const tags: [string, (p: ParsedInstance) => string | number | null][] = [
      ['x00100020', (p) => p.patient.patientId], ['x00080050', (p) => p.study.accessionNumber],
      ['x00080060', (p) => p.series.modality], ['x00200013', (p) => p.instance.instanceNumber],
      ['x00280010', (p) => p.instance.rows], ['x00280100', (p) => p.instance.bitsAllocated],
    ];
    let compared = 0;
    for (const r of good.filter((g) => g.transfer_syntax_uid && !g.transfer_syntax_uid.endsWith('.99'))) {
      const ds = dicomParser.parseDicom(read(r.path));
      const p = parsedGood.get(r.path)!;
      for (const [tag, ours] of tags) {
        const binary = tag === 'x00280010' || tag === 'x00280100';
        const theirs = (binary ? ds.uint16(tag) : tag === 'x00200013' ? ds.intString(tag) : ds.string(tag)) ?? null;
        expect({ file: r.path, tag, value: ours(p) }).toEqual({ file: r.path, tag, value: theirs === '' ? null : theirs });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(600);
  });

  it('gives StudyDate as YYYYMMDD or null and pixel spacing as [row, column]', () => {
    for (const p of parsedGood.values()) {
      if (p.study.studyDate !== null) expect(p.study.studyDate).toMatch(/^\d{8}$/);
      if (p.instance.pixelSpacing) expect(p.instance.pixelSpacing).toHaveLength(2);
    }
    const ct = parsedGood.get('files/pydicom/CT_small.dcm')!;
    expect(ct.study.studyDate).toBe('20040119');
    expect(ct.instance.pixelSpacing).toEqual([0.661468, 0.661468]);
    expect(ct.instance.rescaleIntercept).toBe(-1024);
  });
});
