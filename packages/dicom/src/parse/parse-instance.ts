// Parse and validate one DICOM Part 10 file for ingest: structure (structure.ts), file meta,
// transfer syntax, required UIDs and pixel data consistency. Returns the attributes the index
// and the pipeline need; throws DicomError with a precise code otherwise.
import { inflateRawSync } from 'node:zlib';
import { DicomError, DEFAULT_DICOM_LIMITS, boundedInflate, type DicomLimits } from './errors';
import { transferSyntax, type TransferSyntaxInfo } from './transfer-syntax';
import { walk, PIXEL_DATA, tagName, type Fragment, type TopLevelElement } from './structure';
import { checkPixelData } from './pixel-checks';
import { locateDataset } from './file-meta';
import { normaliseDate, valueReader } from './values';

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

/** What an index needs of a parsed file: plain data (no pixel locations, no accessors), so it can
 * cross a thread boundary. */
export type InstanceHeader = Omit<ParsedInstance, 'pixelData' | 'text' | 'uint' | 'bytesOf'>;

export function instanceHeader(parsed: ParsedInstance): InstanceHeader {
  const { pixelData: _pixels, text: _text, uint: _uint, bytesOf: _bytesOf, ...header } = parsed;
  return header;
}

export interface ParseOptions {
  /** Refuse files lacking Study/Series/SOP Instance UIDs (ingest: yes; decoding a loose file: no). */
  requireUids?: boolean;
  /** Work bounds (defaults: DEFAULT_DICOM_LIMITS). */
  limits?: Partial<DicomLimits>;
}

/**
 * Parses and validates one instance. Throws DicomError (never anything else for bad input):
 * EMPTY_FILE, NOT_DICOM, BAD_MAGIC, BAD_PREAMBLE, TRUNCATED, FILE_META_INVALID, INVALID_VR,
 * LENGTH_PAST_END, UNSUPPORTED_TRANSFER_SYNTAX, MISSING_UID, INVALID_UID, PIXEL_DATA_INVALID.
 */
export function parseInstance(input: Uint8Array, options: ParseOptions = {}): ParsedInstance {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const limits: DicomLimits = { ...DEFAULT_DICOM_LIMITS, ...options.limits };
  const { transferSyntaxUid: tsUid, datasetStart, hasFileMeta } = locateDataset(bytes);
  const ts = transferSyntax(tsUid);
  if (!ts) throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', `transfer syntax ${tsUid} is not supported`);

  let source = bytes;
  let start = datasetStart;
  if (ts.deflated) {
    // PS3.5 §A.5: everything after the file meta is one raw deflate stream (RFC 1951).
    source = boundedInflate(inflateRawSync, bytes.subarray(datasetStart), limits.maxInflatedBytes, 'the deflated dataset');
    start = 0;
  }
  const elements = walk(source, start, { littleEndian: ts.littleEndian, explicitVr: ts.explicitVr });
  return buildParsed(source, elements, tsUid, ts, hasFileMeta, options.requireUids ?? true, limits);
}

const UID_ATTRIBUTES = [
  ['sopClassUid', 0x00080016, 'SOPClassUID (0008,0016)'],
  ['sopInstanceUid', 0x00080018, 'SOPInstanceUID (0008,0018)'],
  ['studyInstanceUid', 0x0020000d, 'StudyInstanceUID (0020,000D)'],
  ['seriesInstanceUid', 0x0020000e, 'SeriesInstanceUID (0020,000E)'],
] as const;

function buildParsed(source: Uint8Array, elements: Map<number, TopLevelElement>, tsUid: string, ts: TransferSyntaxInfo, hasFileMeta: boolean, requireUids: boolean, limits: DicomLimits): ParsedInstance {
  const v = valueReader(source, elements, ts.littleEndian);
  const uids = Object.fromEntries(UID_ATTRIBUTES.map(([key, tag]) => [key, v.ascii(tag)])) as Record<(typeof UID_ATTRIBUTES)[number][0], string | null>;
  const missing = UID_ATTRIBUTES.filter(([key]) => !uids[key]).map(([, , name]) => name);
  if (missing.length && requireUids) {
    throw new DicomError('MISSING_UID', `required attribute${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')} (PS3.3 §C.12.1, §C.7.2.1, §C.7.3.1)`);
  }
  // PS3.5 §9.1 wants digits and dots; real archives hold other printable UIDs (e.g. hashed by
  // anonymisers), so accept those, but never control characters, multiple values or > 64 chars.
  for (const [key, , name] of UID_ATTRIBUTES) {
    const uid = uids[key];
    if (uid !== null && !/^[\x21-\x5b\x5d-\x7e]{1,64}$/.test(uid)) throw new DicomError('INVALID_UID', `${name} is not a usable UID (at most 64 printable characters, one value)`);
  }

  const pixelElement = elements.get(PIXEL_DATA) ?? elements.get(0x7fe00008) ?? elements.get(0x7fe00009) ?? null;
  const spacing = v.numbers(0x00280030);
  const instance = {
    instanceNumber: v.first(0x00200013), rows: v.uint(0x00280010), columns: v.uint(0x00280011), numberOfFrames: v.first(0x00280008),
    bitsAllocated: v.uint(0x00280100), bitsStored: v.uint(0x00280101), highBit: v.uint(0x00280102), pixelRepresentation: v.uint(0x00280103),
    samplesPerPixel: v.uint(0x00280002), photometricInterpretation: v.ascii(0x00280004), planarConfiguration: v.uint(0x00280006),
    pixelSpacing: spacing && spacing.length >= 2 ? ([spacing[0], spacing[1]] as [number, number]) : null,
    sliceThickness: v.first(0x00180050), imagePositionPatient: v.numbers(0x00200032), imageOrientationPatient: v.numbers(0x00200037),
    windowCenter: v.first(0x00281050), windowWidth: v.first(0x00281051), rescaleSlope: v.first(0x00281053), rescaleIntercept: v.first(0x00281052),
  };
  const pixelData: PixelDataLocation | null = pixelElement
    ? { source, tag: pixelElement.tag, vr: pixelElement.vr, encapsulated: pixelElement.undefinedLength, offset: pixelElement.offset, length: pixelElement.length, fragments: pixelElement.fragments ?? [] }
    : null;
  if (pixelData) checkPixelData(pixelData, instance, ts, tagName(pixelData.tag), limits);

  return {
    transferSyntaxUid: tsUid, transferSyntax: ts, hasFileMeta,
    sopClassUid: uids.sopClassUid ?? '', sopInstanceUid: uids.sopInstanceUid ?? '', studyInstanceUid: uids.studyInstanceUid ?? '', seriesInstanceUid: uids.seriesInstanceUid ?? '',
    patient: { patientId: v.text(0x00100020), patientName: v.text(0x00100010), birthDate: normaliseDate(v.ascii(0x00100030)), sex: v.ascii(0x00100040), issuerOfPatientId: v.text(0x00100021) },
    study: {
      studyDate: normaliseDate(v.ascii(0x00080020)), studyTime: v.ascii(0x00080030), accessionNumber: v.text(0x00080050), studyDescription: v.text(0x00081030),
      referringPhysicianName: v.text(0x00080090), studyId: v.text(0x00200010),
    },
    series: { modality: v.ascii(0x00080060), seriesNumber: v.first(0x00200011), seriesDescription: v.text(0x0008103e), bodyPartExamined: v.ascii(0x00180015) },
    instance, pixelData, text: v.text, uint: v.uint, bytesOf: v.bytesOf,
  };
}
