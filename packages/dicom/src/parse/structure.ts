// A strict structural walk of a dataset (PS3.5 §7): every element header must be readable, every
// VR known, every defined length inside the file, every undefined-length sequence and encapsulated
// pixel data properly delimited. dicom-parser is lenient about some of these; we refuse them.
import { DicomError } from './errors';

const VALID_VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'PN', 'SH', 'SL', 'SQ',
  'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
export const PIXEL_DATA = 0x7fe00010;

export interface Fragment { offset: number; length: number }
export interface TopLevelElement { tag: number; vr: string | null; offset: number; length: number; undefinedLength: boolean; fragments?: Fragment[] }

export function tagName(tag: number): string {
  return `(${(tag >>> 16).toString(16).padStart(4, '0').toUpperCase()},${(tag & 0xffff).toString(16).padStart(4, '0').toUpperCase()})`;
}

class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly littleEndian: boolean, readonly explicitVr: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(pos: number, n: number, what: string) {
    if (pos + n > this.bytes.length) throw new DicomError('TRUNCATED', `file ends inside ${what} at byte ${pos}`);
  }
  u16(pos: number) { return this.view.getUint16(pos, this.littleEndian); }
  u32(pos: number) { return this.view.getUint32(pos, this.littleEndian); }
  tag(pos: number) { return ((this.u16(pos) << 16) | this.u16(pos + 2)) >>> 0; }
}

interface Header { tag: number; vr: string | null; length: number; valueOffset: number }

function readHeader(r: Reader, pos: number, implicitInside: boolean): Header {
  r.need(pos, 8, 'an element header');
  const tag = r.tag(pos);
  if (tag >>> 16 === 0xfffe) return { tag, vr: null, length: r.u32(pos + 4), valueOffset: pos + 8 };
  if (!r.explicitVr || implicitInside) return { tag, vr: null, length: r.u32(pos + 4), valueOffset: pos + 8 };
  const vr = String.fromCharCode(r.bytes[pos + 4], r.bytes[pos + 5]);
  if (!VALID_VRS.has(vr)) throw new DicomError('INVALID_VR', `element ${tagName(tag)} has an invalid value representation "${vr.replace(/[^\x20-\x7e]/g, '?')}"`);
  if (LONG_VRS.has(vr)) {
    r.need(pos, 12, 'an element header');
    return { tag, vr, length: r.u32(pos + 8), valueOffset: pos + 12 };
  }
  return { tag, vr, length: r.u16(pos + 6), valueOffset: pos + 8 };
}

/** Walks items of an undefined-length sequence starting at pos; returns the position after it. */
function walkSequence(r: Reader, pos: number, end: number, implicitInside: boolean, depth: number, owner: number): number {
  for (;;) {
    if (pos >= end) throw new DicomError('TRUNCATED', `sequence ${tagName(owner)} is not terminated (file ends inside it)`);
    const h = readHeader(r, pos, true);
    if (h.tag === SEQUENCE_DELIMITER) return h.valueOffset;
    if (h.tag !== ITEM) throw new DicomError('TRUNCATED', `sequence ${tagName(owner)} holds ${tagName(h.tag)} where an item was expected`);
    if (h.length === UNDEFINED) pos = walkDataset(r, h.valueOffset, end, implicitInside, depth + 1, true).end;
    else {
      if (h.valueOffset + h.length > end) throw new DicomError('LENGTH_PAST_END', `an item of sequence ${tagName(owner)} is longer than the rest of the file`);
      walkDataset(r, h.valueOffset, h.valueOffset + h.length, implicitInside, depth + 1, false);
      pos = h.valueOffset + h.length;
    }
  }
}

function walkFragments(r: Reader, pos: number, end: number): { fragments: Fragment[]; end: number } {
  const fragments: Fragment[] = [];
  for (;;) {
    if (pos >= end) throw new DicomError('PIXEL_DATA_INVALID', 'encapsulated Pixel Data is not terminated (file ends inside a fragment list)');
    r.need(pos, 8, 'an encapsulated pixel data item');
    const tag = r.tag(pos);
    const length = r.u32(pos + 4);
    if (tag === SEQUENCE_DELIMITER) return { fragments, end: pos + 8 };
    if (tag !== ITEM) throw new DicomError('PIXEL_DATA_INVALID', `encapsulated Pixel Data holds ${tagName(tag)} where a fragment item was expected`);
    if (length === UNDEFINED || pos + 8 + length > end) {
      throw new DicomError('PIXEL_DATA_INVALID', `a Pixel Data fragment of ${length} bytes runs past the end of the file (truncated compressed frame)`);
    }
    fragments.push({ offset: pos + 8, length });
    pos += 8 + length;
  }
}

export interface WalkResult { elements: Map<number, TopLevelElement>; end: number }

export function walkDataset(r: Reader, pos: number, end: number, implicitInside: boolean, depth: number, untilItemDelimiter: boolean): WalkResult {
  if (depth > 32) throw new DicomError('TRUNCATED', 'sequences nested more than 32 deep');
  const elements = new Map<number, TopLevelElement>();
  while (pos < end) {
    const h = readHeader(r, pos, implicitInside);
    if (h.tag === ITEM_DELIMITER && untilItemDelimiter) return { elements, end: h.valueOffset };
    if (h.length === UNDEFINED) {
      if (h.tag === PIXEL_DATA && depth === 0) {
        const f = walkFragments(r, h.valueOffset, end);
        elements.set(h.tag, { tag: h.tag, vr: h.vr, offset: h.valueOffset, length: f.end - h.valueOffset, undefinedLength: true, fragments: f.fragments });
        pos = f.end;
        continue;
      }
      // Undefined length: a sequence (SQ, or UN holding implicit little endian, PS3.5 §6.2.2).
      const next = walkSequence(r, h.valueOffset, end, implicitInside || h.vr === 'UN', depth, h.tag);
      if (depth === 0) elements.set(h.tag, { tag: h.tag, vr: h.vr, offset: h.valueOffset, length: next - h.valueOffset, undefinedLength: true });
      pos = next;
      continue;
    }
    if (h.valueOffset + h.length > end) {
      throw new DicomError('LENGTH_PAST_END', `element ${tagName(h.tag)} declares ${h.length} bytes but only ${Math.max(0, end - h.valueOffset)} remain in the file`);
    }
    if (h.vr === 'SQ') walkDataset(r, h.valueOffset, h.valueOffset + h.length, implicitInside, depth + 1, false);
    if (depth === 0) elements.set(h.tag, { tag: h.tag, vr: h.vr, offset: h.valueOffset, length: h.length, undefinedLength: false });
    pos = h.valueOffset + h.length;
  }
  if (untilItemDelimiter) throw new DicomError('TRUNCATED', 'a sequence item is not terminated (file ends inside it)');
  return { elements, end: pos };
}

export function walk(bytes: Uint8Array, start: number, options: { littleEndian: boolean; explicitVr: boolean }): Map<number, TopLevelElement> {
  return walkDataset(new Reader(bytes, options.littleEndian, options.explicitVr), start, bytes.length, false, 0, false).elements;
}

/** Walks the file meta group (always explicit VR little endian, PS3.10 §7.1) from offset 132. */
export function walkFileMeta(bytes: Uint8Array, start = 132): { elements: Map<number, TopLevelElement>; end: number } {
  const r = new Reader(bytes, true, true);
  const elements = new Map<number, TopLevelElement>();
  let pos = start;
  while (pos < bytes.length) {
    r.need(pos, 4, 'the file meta information');
    if (r.u16(pos) !== 0x0002) break;
    const h = readHeader(r, pos, false);
    if (h.length === UNDEFINED || h.valueOffset + h.length > bytes.length) {
      throw new DicomError('LENGTH_PAST_END', `file meta element ${tagName(h.tag)} declares ${h.length} bytes, past the end of the file`);
    }
    elements.set(h.tag, { tag: h.tag, vr: h.vr, offset: h.valueOffset, length: h.length, undefinedLength: false });
    pos = h.valueOffset + h.length;
  }
  return { elements, end: pos };
}
