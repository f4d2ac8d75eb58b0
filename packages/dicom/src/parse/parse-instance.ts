// Parse and validate one DICOM Part 10 file for ingest: structure (structure.ts), file meta,
// transfer syntax, required UIDs and pixel data consistency. Returns the attributes the index
// and the pipeline need; throws DicomError with a precise code otherwise.
import { inflateRawSync } from 'node:zlib';
import { DicomError } from './errors';
import { transferSyntax, type TransferSyntaxInfo } from './transfer-syntax';
import { walk, walkFileMeta, PIXEL_DATA, tagName, type Fragment, type TopLevelElement } from './structure';
import { checkPixelData } from './pixel-checks';

export interface PixelDataLocation {
  /** Bytes the offsets below refer to (the file, or the inflated dataset for deflated syntaxes). */
  source: Uint8Array;
  tag: number;
  /** VR of the Pixel Data element when the syntax is explicit (OB / OW / OF / OD), else null. */
  vr: string | null;
  encapsulated: boolean;
  offset: number;
  length: number;
  fragments: Fragment[];
}

export interface ParsedInstance {
  transferSyntaxUid: string;
  transferSyntax: TransferSyntaxInfo;
  hasFileMeta: boolean;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patient: { patientId: string | null; patientName: string | null; birthDate: string | null; sex: string | null; issuerOfPatientId: string | null };
  study: { studyDate: string | null; studyTime: string | null; accessionNumber: string | null; studyDescription: string | null; referringPhysicianName: string | null; studyId: string | null };
  series: { modality: string | null; seriesNumber: number | null; seriesDescription: string | null; bodyPartExamined: string | null };
  instance: {
    instanceNumber: number | null; rows: number | null; columns: number | null; numberOfFrames: number | null; bitsAllocated: number | null;
    bitsStored: number | null; highBit: number | null; pixelRepresentation: number | null; samplesPerPixel: number | null;
    photometricInterpretation: string | null; planarConfiguration: number | null; pixelSpacing: [number, number] | null;
    sliceThickness: number | null; imagePositionPatient: number[] | null; imageOrientationPatient: number[] | null;
    windowCenter: number | null; windowWidth: number | null; rescaleSlope: number | null; rescaleIntercept: number | null;
  };
  pixelData: PixelDataLocation | null;
  /** Reads any top-level attribute as text (for callers needing more than the above). */
  text(tag: number): string | null;
  /** Reads a top-level US/SS/UL attribute. */
  uint(tag: number): number | null;
  /** Raw value bytes of a top-level attribute. */
  bytesOf(tag: number): Uint8Array | null;
}

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('latin1');
}

function looksLikeDatasetStart(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0] | (bytes[1] << 8);
  return group === 0x0008 || group === 0x0002;
}

function classifyNonDicom(bytes: Uint8Array): DicomError {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return new DicomError('NOT_DICOM', 'this is a gzip file, not DICOM: decompress it first');
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG') return new DicomError('NOT_DICOM', 'this is a PNG image, not DICOM');
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return new DicomError('NOT_DICOM', 'this is a JPEG image, not DICOM');
  if (bytes.length >= 132) {
    const magic = ascii(bytes, 128, 4);
    const close = [...'DICM'].filter((c, i) => magic[i] === c).length >= 2;
    if (close) return new DicomError('BAD_MAGIC', `expected "DICM" at byte 128 (PS3.10 §7.1), found "${magic.replace(/[^\x20-\x7e]/g, '?')}"`);
    return new DicomError('NOT_DICOM', 'no "DICM" prefix at byte 128 and no recognisable DICOM dataset: not a DICOM Part 10 file');
  }
  return new DicomError('NOT_DICOM', `only ${bytes.length} bytes and no DICOM prefix: not a DICOM file`);
}

export interface ParseOptions {
  /** Refuse files lacking Study/Series/SOP Instance UIDs (ingest: yes; decoding a loose file: no). */
  requireUids?: boolean;
}

export function parseInstance(input: Uint8Array, options: ParseOptions = {}): ParsedInstance {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length === 0) throw new DicomError('EMPTY_FILE', 'the file is empty (0 bytes)');
  const hasFileMeta = bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM';
  let tsUid: string;
  let datasetStart: number;
  if (hasFileMeta) {
    const meta = walkFileMeta(bytes);
    if (meta.elements.size === 0) throw new DicomError('TRUNCATED', 'the file ends right after the "DICM" prefix: no file meta information and no dataset');
    if (meta.end >= bytes.length) throw new DicomError('TRUNCATED', 'the file ends inside its file meta information (group 0002): no dataset');
    const ts = meta.elements.get(0x00020010);
    if (!ts) throw new DicomError('FILE_META_INVALID', 'file meta information lacks Transfer Syntax UID (0002,0010)');
    tsUid = ascii(bytes, ts.offset, ts.length).replace(/[\0 ]+$/, '');
    datasetStart = meta.end;
    if (datasetStart >= bytes.length) throw new DicomError('TRUNCATED', 'the file ends after its file meta information: no dataset');
  } else if (looksLikeDatasetStart(bytes) && (bytes[0] | (bytes[1] << 8)) === 0x0002) {
    // No preamble, but group 0002 leads the data: read it as file meta (explicit VR little endian).
    const meta = walkFileMeta(bytes, 0);
    const ts = meta.elements.get(0x00020010);
    if (!ts) throw new DicomError('FILE_META_INVALID', 'file meta information lacks Transfer Syntax UID (0002,0010)');
    tsUid = ascii(bytes, ts.offset, ts.length).replace(/[\0 ]+$/, '');
    datasetStart = meta.end;
  } else if (looksLikeDatasetStart(bytes)) {
    // No preamble/meta (pre-Part-10 style): guess the encoding from the first element (PS3.5 §A.1).
    const vr = ascii(bytes, 4, 2);
    tsUid = /^[A-Z]{2}$/.test(vr) ? EXPLICIT_LE : IMPLICIT_LE;
    datasetStart = 0;
  } else {
    throw classifyNonDicom(bytes);
  }
  const ts = transferSyntax(tsUid);
  if (!ts) throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', `transfer syntax ${tsUid.slice(0, 64)} is not supported`);

  let source = bytes;
  let start = datasetStart;
  if (ts.deflated) {
    try {
      source = new Uint8Array(inflateRawSync(bytes.subarray(datasetStart)));
    } catch {
      throw new DicomError('TRUNCATED', 'the deflated dataset cannot be inflated (corrupt or truncated)');
    }
    start = 0;
  }
  const elements = walk(source, start, { littleEndian: ts.littleEndian, explicitVr: ts.explicitVr });
  return buildParsed(source, elements, tsUid, ts, hasFileMeta, options.requireUids ?? true);
}

function buildParsed(source: Uint8Array, elements: Map<number, TopLevelElement>, tsUid: string, ts: TransferSyntaxInfo, hasFileMeta: boolean, requireUids: boolean): ParsedInstance {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const text = (tag: number): string | null => {
    const e = elements.get(tag);
    if (!e || e.undefinedLength || e.length === 0) return null;
    const v = ascii(source, e.offset, e.length).replace(/[\0 ]+$/, '').replace(/^ +/, '');
    return v === '' ? null : v;
  };
  const uint = (tag: number): number | null => {
    const e = elements.get(tag);
    if (!e || e.length < 2) return null;
    if (e.length >= 4 && (e.vr === 'UL' || e.vr === 'SL')) return view.getUint32(e.offset, ts.littleEndian);
    if (e.vr === null && e.length === 4) return view.getUint32(e.offset, ts.littleEndian);
    return view.getUint16(e.offset, ts.littleEndian);
  };
  const numbers = (tag: number): number[] | null => {
    const v = text(tag);
    if (v === null) return null;
    const parts = v.split('\\').map((p) => Number(p.trim()));
    return parts.every((n) => Number.isFinite(n)) ? parts : null;
  };
  const first = (tag: number): number | null => numbers(tag)?.[0] ?? null;
  const bytesOf = (tag: number): Uint8Array | null => {
    const e = elements.get(tag);
    return e && !e.undefinedLength ? source.subarray(e.offset, e.offset + e.length) : null;
  };

  const uids = {
    sopClassUid: text(0x00080016), sopInstanceUid: text(0x00080018), studyInstanceUid: text(0x0020000d), seriesInstanceUid: text(0x0020000e),
  };
  const missing = [
    ['SOPClassUID (0008,0016)', uids.sopClassUid], ['SOPInstanceUID (0008,0018)', uids.sopInstanceUid],
    ['StudyInstanceUID (0020,000D)', uids.studyInstanceUid], ['SeriesInstanceUID (0020,000E)', uids.seriesInstanceUid],
  ].filter(([, v]) => !v).map(([n]) => n);
  if (missing.length && requireUids) throw new DicomError('MISSING_UID', `required attribute${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}`);
  // PS3.5 §9.1 wants digits and dots; real archives hold other printable UIDs (e.g. hashed by
  // anonymisers), so accept those, but never control characters, multiple values or > 64 chars.
  for (const [name, uid] of Object.entries(uids)) {
    if (uid === null) continue;
    if (!/^[\x21-\x5b\x5d-\x7e]{1,64}$/.test(uid!)) throw new DicomError('INVALID_UID', `${name} is not a usable UID (at most 64 printable characters, one value)`);
  }

  const pixelElement = elements.get(PIXEL_DATA) ?? elements.get(0x7fe00008) ?? elements.get(0x7fe00009) ?? null;
  const instance = {
    instanceNumber: first(0x00200013), rows: uint(0x00280010), columns: uint(0x00280011), numberOfFrames: first(0x00280008),
    bitsAllocated: uint(0x00280100), bitsStored: uint(0x00280101), highBit: uint(0x00280102), pixelRepresentation: uint(0x00280103),
    samplesPerPixel: uint(0x00280002), photometricInterpretation: text(0x00280004), planarConfiguration: uint(0x00280006),
    pixelSpacing: (() => { const n = numbers(0x00280030); return n && n.length >= 2 ? ([n[0], n[1]] as [number, number]) : null; })(),
    sliceThickness: first(0x00180050), imagePositionPatient: numbers(0x00200032), imageOrientationPatient: numbers(0x00200037),
    windowCenter: first(0x00281050), windowWidth: first(0x00281051), rescaleSlope: first(0x00281053), rescaleIntercept: first(0x00281052),
  };
  const pixelData: PixelDataLocation | null = pixelElement
    ? { source, tag: pixelElement.tag, vr: pixelElement.vr, encapsulated: pixelElement.undefinedLength, offset: pixelElement.offset, length: pixelElement.length, fragments: pixelElement.fragments ?? [] }
    : null;
  if (pixelData) checkPixelData(pixelData, instance, ts, tagName(pixelData.tag));

  return {
    transferSyntaxUid: tsUid, transferSyntax: ts, hasFileMeta,
    sopClassUid: uids.sopClassUid ?? '', sopInstanceUid: uids.sopInstanceUid ?? '', studyInstanceUid: uids.studyInstanceUid ?? '', seriesInstanceUid: uids.seriesInstanceUid ?? '',
    patient: { patientId: text(0x00100020), patientName: text(0x00100010), birthDate: text(0x00100030), sex: text(0x00100040), issuerOfPatientId: text(0x00100021) },
    study: {
      studyDate: text(0x00080020), studyTime: text(0x00080030), accessionNumber: text(0x00080050), studyDescription: text(0x00081030),
      referringPhysicianName: text(0x00080090), studyId: text(0x00200010),
    },
    series: { modality: text(0x00080060), seriesNumber: first(0x00200011), seriesDescription: text(0x0008103e), bodyPartExamined: text(0x00180015) },
    instance, pixelData, text, uint, bytesOf,
  };
}
