// De-identification of one Part 10 file by PS3.15 Annex E's Basic Application Level
// Confidentiality Profile (the action table in ./profile), optionally with Retain Longitudinal
// Temporal Information with Modified Dates and Clean Descriptors. Everything that varies follows
// from the export's key: UIDs (U) are a keyed hash (same key and UID, same new UID, so references
// across series and files stay consistent), the patient pseudonym and the date shift likewise.
// Private attributes are removed. Pixel Data is carried through untouched.
import { createHmac } from 'node:crypto';
import * as dcmjs from 'dcmjs';
import { DicomError } from '../parse/errors';
import { parseInstance } from '../parse/parse-instance';
import { locateDataset } from '../parse/file-meta';
import { fileMetaBytes } from '../write/part10-writer';
import { BASIC_PROFILE, repeatingGroupAction, type DeidAction } from './profile';

export interface DeidentifyOptions {
  /** Secret of this export (at least 16 bytes): never stored with the output. */
  key: string | Uint8Array;
  /** Retain Longitudinal Temporal Information with Modified Dates Option (PS3.15 §E.3.6): dates shifted by one offset per key. */
  retainLongitudinalModifiedDates?: boolean;
  /** Clean Descriptors Option (§E.3.5): descriptions kept with the patient's identifying values removed. */
  cleanDescriptors?: boolean;
}

export interface DeidentifiedInstance {
  bytes: Uint8Array;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  patientPseudonym: string;
}

interface DicomElement { vr: string; Value?: unknown[]; InlineBinary?: string }
type DicomDataset = Record<string, DicomElement>;

const CODES = {
  basic: ['113100', 'Basic Application Confidentiality Profile'],
  dates: ['113107', 'Retain Longitudinal Temporal Information Modified Dates Option'],
  descriptors: ['113105', 'Clean Descriptors Option'],
} as const;

function hmac(key: string | Uint8Array, ...parts: string[]): Buffer {
  return createHmac('sha256', key).update(parts.join('\u0000')).digest();
}

/** The keyed replacement of a UID (PS3.15 §E.3.1 U): a 2.25 UID (PS3.5 §B.2) from the HMAC as a UUID. */
export function remapUid(key: string | Uint8Array, uid: string): string {
  const hash = hmac(key, 'uid', uid.replace(/\0/g, '').trim());
  hash[6] = (hash[6] & 0x0f) | 0x80; // version 8 (custom) UUID layout
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${hash.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

/** Days every date is moved back by under the modified-dates option: 1 to 3650, fixed per key. */
export function dateShiftDays(key: string | Uint8Array): number {
  return 1 + (hmac(key, 'date-shift').readUInt32BE(0) % 3650);
}

function shiftDate(value: string, days: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(value);
  if (!m) return '';
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - days * 86_400_000;
  if (Number.isNaN(t)) return '';
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '') + value.slice(8);
}

const DUMMY: Record<string, unknown> = { DA: '19000101', TM: '000000', DT: '19000101000000', IS: '0', DS: '0', AS: '000Y', PN: { Alphabetic: 'ANONYMIZED' }, US: 0, SS: 0, UL: 0, SL: 0, FL: 0, FD: 0 };
/** VRs whose value is bytes: a D attribute of these (e.g. Encapsulated Document, Selector OB Value) goes out empty. */
const BINARY_VRS = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'Alphabetic' in v) return String((v as { Alphabetic: unknown }).Alphabetic ?? '');
  return v === undefined || v === null ? '' : String(v);
}

/** The identifying strings Clean Descriptors removes from free text (name parts, ids, dates). */
function identifyingTokens(ds: DicomDataset): string[] {
  const tokens = new Set<string>();
  for (const tag of ['00100010', '00100020', '00101000', '00101001', '00100030', '00080050', '00080080', '00080090', '00081050', '00081070', '00200010', '00101040']) {
    for (const v of ds[tag]?.Value ?? []) {
      const text = textOf(v).trim();
      if (text.length >= 2) tokens.add(text);
      for (const part of text.split(/[\^\s=,]+/)) if (part.length >= 2) tokens.add(part);
    }
  }
  return [...tokens].sort((a, b) => b.length - a.length);
}

function clean(value: unknown, tokens: string[]): unknown {
  let text = textOf(value);
  for (const t of tokens) text = text.split(new RegExp(t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')).join('');
  text = text.replace(/\s{2,}/g, ' ').trim();
  return typeof value === 'object' && value !== null ? { Alphabetic: text } : text;
}

interface Walk { key: string | Uint8Array; options: DeidentifyOptions; tokens: string[]; shift: number; pseudonym: string }

function actionFor(tag: string, w: Walk): DeidAction | 'SHIFT' | null {
  const row = BASIC_PROFILE.get(tag);
  if (row) {
    if (w.options.retainLongitudinalModifiedDates && row.retainDates) return 'SHIFT';
    if (w.options.cleanDescriptors && row.cleanDescriptors) return 'C';
    return row.basic;
  }
  return repeatingGroupAction(tag);
}

function deidentifyDataset(ds: DicomDataset, w: Walk, depth: number): void {
  for (const tag of Object.keys(ds)) {
    const element = ds[tag];
    const group = parseInt(tag.slice(0, 4), 16);
    if (group % 2 === 1) { delete ds[tag]; continue; } // private (§E.3.10: removed without the Retain Safe Private option)
    const action = actionFor(tag, w);
    const items = () => (element.Value ?? []) as DicomDataset[];
    switch (action) {
      case 'X': delete ds[tag]; break;
      case 'Z':
        if (tag === '00100010') element.Value = [{ Alphabetic: w.pseudonym }];
        else if (tag === '00100020') element.Value = [w.pseudonym];
        else element.Value = [];
        break;
      case 'D':
        if (element.vr === 'UI') element.Value = (element.Value ?? []).map((v) => (textOf(v) ? remapUid(w.key, textOf(v)) : v));
        else if (element.vr === 'SQ' || BINARY_VRS.has(element.vr)) element.Value = []; // no dummy bytes of meaning: empty
        else element.Value = [DUMMY[element.vr] ?? 'ANONYMIZED'];
        break;
      case 'U':
        if (element.vr === 'UI') element.Value = (element.Value ?? []).map((v) => (textOf(v) ? remapUid(w.key, textOf(v)) : v));
        else if (element.vr === 'SQ') for (const item of items()) deidentifyDataset(item, w, depth + 1);
        else delete ds[tag];
        break;
      case 'SHIFT':
        if (element.vr === 'DA' || element.vr === 'DT') element.Value = (element.Value ?? []).map((v) => shiftDate(textOf(v), w.shift));
        break; // times are kept: only the day moves
      case 'C':
        if (element.vr === 'SQ') for (const item of items()) deidentifyDataset(item, w, depth + 1);
        else element.Value = (element.Value ?? []).map((v) => clean(v, w.tokens));
        break;
      default:
        if (element.vr === 'SQ') for (const item of items()) deidentifyDataset(item, w, depth + 1);
    }
  }
}

const DEFLATED = '1.2.840.10008.1.2.1.99';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A dataset stored without preamble and File Meta (PS3.10 §7.1) gets them, so it can be read and written as Part 10. */
export function withFileMeta(file: Uint8Array): Uint8Array {
  const magic = file.length > 132 && file[128] === 0x44 && file[129] === 0x49 && file[130] === 0x43 && file[131] === 0x4d;
  if (magic) return file;
  const start = locateDataset(file); // also a bare group 0002 without preamble
  const parsed = parseInstance(file, { requireUids: false });
  return concat(fileMetaBytes({ sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid, transferSyntaxUid: start.transferSyntaxUid }), file.subarray(start.datasetStart));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function text(vr: string, ...values: unknown[]): DicomElement { return { vr, Value: values }; }

/**
 * A de-identified copy of a Part 10 file, in its own transfer syntax. Refuses (DicomError
 * BURNED_IN_ANNOTATION) an image whose Burned In Annotation is YES: the profile does not clean pixels.
 */
export function deidentifyInstance(input: Uint8Array, options: DeidentifyOptions): DeidentifiedInstance {
  if (typeof options.key === 'string' ? options.key.length < 16 : options.key.byteLength < 16) throw new Error('de-identification key must be at least 16 bytes');
  const file = withFileMeta(input);
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  let dicomDict: ReturnType<typeof dcmjs.data.DicomMessage.readFile>;
  try {
    dicomDict = dcmjs.data.DicomMessage.readFile(buffer);
  } catch (e) {
    throw new DicomError('DEIDENTIFY_UNSUPPORTED', `the file cannot be read for de-identification: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ds = dicomDict.dict as DicomDataset;
  if (textOf(ds['00280301']?.Value?.[0]).trim().toUpperCase() === 'YES') {
    throw new DicomError('BURNED_IN_ANNOTATION', 'Burned In Annotation (0028,0301) is YES: the pixels may identify the patient; not exported');
  }
  const patientId = textOf(ds['00100020']?.Value?.[0]).trim();
  const issuer = textOf(ds['00100021']?.Value?.[0]).trim();
  const pseudonym = `ANON${hmac(options.key, 'patient', issuer, patientId).toString('hex').slice(0, 12).toUpperCase()}`;
  const w: Walk = { key: options.key, options, tokens: options.cleanDescriptors ? identifyingTokens(ds) : [], shift: dateShiftDays(options.key), pseudonym };
  deidentifyDataset(ds, w, 0);

  const methods = [CODES.basic, ...(options.retainLongitudinalModifiedDates ? [CODES.dates] : []), ...(options.cleanDescriptors ? [CODES.descriptors] : [])];
  ds['00120062'] = text('CS', 'YES'); // Patient Identity Removed
  ds['00120063'] = text('LO', ...methods.map(([, meaning]) => meaning)); // De-identification Method
  ds['00120064'] = { vr: 'SQ', Value: methods.map(([code, meaning]) => ({ '00080100': text('SH', code), '00080102': text('SH', 'DCM'), '00080104': text('LO', meaning) })) };
  ds['00280303'] = text('CS', options.retainLongitudinalModifiedDates ? 'MODIFIED' : 'REMOVED'); // Longitudinal Temporal Information Modified

  const sopInstanceUid = textOf(ds['00080018']?.Value?.[0]);
  const meta = dicomDict.meta as DicomDataset;
  meta['00020003'] = text('UI', sopInstanceUid); // Media Storage SOP Instance UID follows the dataset's
  delete meta['00020016']; delete meta['00020017']; delete meta['00020018']; // sender / receiver / source AE titles
  for (const tag of Object.keys(meta)) if (parseInt(tag.slice(0, 4), 16) % 2 === 1) delete meta[tag];
  // dcmjs reads a Deflated dataset but writes it uncompressed: say so (the pixels are native either way)
  const deflated = textOf(meta['00020010']?.Value?.[0]).replace(/\0/g, '').trim() === DEFLATED;
  if (deflated) meta['00020010'] = text('UI', EXPLICIT_LE);
  // Pixel Data goes out as the very bytes that came in (element header, fragments and offset table),
  // appended after the rewritten attributes: dcmjs would re-split encapsulated fragments into frames.
  // Attributes after it (trailing padding, signatures) are dropped. A Deflated file's pixels were
  // inflated by dcmjs and go out native as read.
  const pixel = deflated ? null : parseInstance(file, { requireUids: false }).pixelData;
  if (pixel) for (const tag of Object.keys(ds)) if (tag >= '7FE00008') delete ds[tag];
  const rest = new Uint8Array(dicomDict.write({ allowInvalidVRLength: true }));
  const bytes = pixel ? concat(rest, file.subarray(pixel.offset - (pixel.vr ? 12 : 8), pixel.offset + pixel.length)) : rest;
  return {
    bytes,
    sopInstanceUid,
    seriesInstanceUid: textOf(ds['0020000E']?.Value?.[0]),
    studyInstanceUid: textOf(ds['0020000D']?.Value?.[0]),
    patientPseudonym: pseudonym,
  };
}
