// Every file of the shared corpus through parseInstance, against MANIFEST.tsv: accepted files
// carry the manifest's UIDs and geometry; UID-less files and every malformed file are refused
// with the expected code.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseInstance } from './parse-instance';
import { DicomError, type DicomErrorCode } from './errors';

function corpusDir(): string {
  let dir = __dirname;
  for (;;) {
    for (const candidate of [path.join(dir, 'shared', 'dicom-corpus'), path.join(dir, '..', 'shared', 'dicom-corpus')]) {
      if (existsSync(path.join(candidate, 'MANIFEST.tsv'))) return candidate;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('shared/dicom-corpus not found beside the repository');
    dir = up;
  }
}

const dir = corpusDir();
const [header, ...lines] = readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
const columns = header.split('\t');
const rows = lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [columns[i], v])));
const hasUids = (r: Record<string, string>) => Boolean(r.study_uid && r.series_uid && r.sop_instance_uid);

function codeOf(file: string): DicomErrorCode | 'accepted' {
  try {
    parseInstance(readFileSync(path.join(dir, file)));
    return 'accepted';
  } catch (e) {
    if (e instanceof DicomError) return e.code;
    throw e;
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
  'bad/bad_preamble_no_magic.dcm': 'NOT_DICOM',
  'bad/vr_length_past_end_header.dcm': 'LENGTH_PAST_END',
  'bad/pixel_data_length_past_end.dcm': 'LENGTH_PAST_END',
  'bad/file_meta_length_past_end.dcm': 'LENGTH_PAST_END',
  'bad/invalid_vr_QQ.dcm': 'INVALID_VR',
  'bad/pixel_data_too_short_for_geometry.dcm': 'PIXEL_DATA_INVALID',
  'bad/ts_jpeg_but_native_pixel_data.dcm': 'PIXEL_DATA_INVALID',
  'bad/unterminated_sequence.dcm': 'LENGTH_PAST_END',
  'bad/pydicom_MR_truncated.dcm': 'LENGTH_PAST_END',
};

describe('parseInstance on the shared corpus', () => {
  it('refuses each malformed file with its specific code', () => {
    const bad = rows.filter((r) => r.expect === 'reject');
    expect(bad.length).toBe(20);
    expect(Object.fromEntries(bad.map((r) => [r.path, codeOf(r.path)]))).toEqual(EXPECTED_BAD);
  });

  it('refuses the 13 files without Study/Series/SOP Instance UIDs', () => {
    const uidLess = rows.filter((r) => r.expect === 'ok' && !hasUids(r));
    expect(uidLess.length).toBe(13);
    expect(uidLess.map((r) => codeOf(r.path))).toEqual(uidLess.map(() => 'MISSING_UID'));
  });

  it('accepts the other 120 files with the manifest UIDs, transfer syntax and geometry', () => {
    const good = rows.filter((r) => r.expect === 'ok' && hasUids(r));
    expect(good.length).toBe(120);
    const seen = good.map((r) => {
      const p = parseInstance(readFileSync(path.join(dir, r.path)));
      return {
        path: r.path, sop: p.sopInstanceUid, study: p.studyInstanceUid, series: p.seriesInstanceUid,
        ts: r.transfer_syntax_uid ? p.transferSyntaxUid : '', rows: String(p.instance.rows ?? ''), columns: String(p.instance.columns ?? ''),
        frames: p.pixelData ? String(p.instance.numberOfFrames ?? 1) : '',
      };
    });
    expect(seen).toEqual(good.map((r) => ({
      path: r.path, sop: r.sop_instance_uid, study: r.study_uid, series: r.series_uid, ts: r.transfer_syntax_uid,
      rows: r.rows, columns: r.columns, frames: r.frames,
    })));
  });
});
