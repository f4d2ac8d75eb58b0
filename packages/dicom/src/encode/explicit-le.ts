// Re-encoding a dataset in Explicit VR Little Endian (PS3.5 §7.1.2), the dataset encoding of
// every syntax we transcode to. Explicit little-endian elements are copied; implicit VR takes
// each VR from the data dictionary (dcmjs's); big-endian values are byte-swapped per VR (PS3.5
// §7.3). Sequences and items come out with undefined lengths (PS3.5 §7.5), so no length needs
// recomputing. Top-level elements can be replaced (Pixel Data, the attributes describing it).
import * as dcmjs from 'dcmjs';
import { DicomError } from '../parse/errors';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const KNOWN_VRS = new Set([...LONG_VRS, 'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST', 'TM', 'UI', 'UL', 'US']);
/** Bytes per value unit that big endian stores reversed (AT is two 16-bit numbers). */
const SWAP_WIDTH: Record<string, number> = { US: 2, SS: 2, OW: 2, AT: 2, UL: 4, SL: 4, FL: 4, OF: 4, OL: 4, FD: 8, OD: 8, SV: 8, UV: 8, OV: 8 };
export const UNDEFINED = 0xffffffff;
export const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
export const SEQUENCE_DELIMITER = 0xfffee0dd;

const dictionary = dcmjs.data.DicomMetaDictionary.dictionary;
const hex4 = (n: number) => n.toString(16).padStart(4, '0').toUpperCase();

/** VR of an element read without one (implicit VR, PS3.5 §7.1.3): the dictionary's, with its
 *  ambiguous ones resolved as PS3.5 Annex A.1 c) does; unknown and private data as UN. */
function dictionaryVr(tag: number, pixelRepresentation: number): string {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (element === 0) return 'UL'; // group length
  if (group % 2 === 1) return element >= 0x10 && element <= 0xff ? 'LO' : 'UN'; // private creator / private data
  const vr = dictionary[`(${hex4(group)},${hex4(element)})`]?.vr;
  if (vr === 'ox' || vr === 'lt') return 'OW';
  if (vr === 'xs') return pixelRepresentation === 1 ? 'SS' : 'US';
  return vr && KNOWN_VRS.has(vr) ? vr : 'UN';
}

export interface RewriteOptions {
  littleEndian: boolean;
  explicitVr: boolean;
  /** Resolves US/SS for implicit VR attributes whose VR depends on it (PS3.5 §A.1). */
  pixelRepresentation: number;
  /** Top-level elements to write instead of the ones in the source (already encoded); only
   *  elements with a defined length or encapsulated Pixel Data can be replaced. */
  replace: Map<number, Uint8Array>;
}

export function elementHeader(tag: number, vr: string, length: number): Buffer {
  const long = LONG_VRS.has(vr);
  const b = Buffer.alloc(long ? 12 : 8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  b.write(vr, 4, 'latin1');
  if (long) b.writeUInt32LE(length >>> 0, 8);
  else b.writeUInt16LE(length, 6);
  return b;
}

export function delimiter(tag: number, length = 0): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  b.writeUInt32LE(length >>> 0, 4);
  return b;
}

function swapped(value: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i + width <= value.length; i += width) for (let b = 0; b < width; b++) out[i + b] = value[i + width - 1 - b];
  return out;
}

class Rewriter {
  private readonly view: DataView;
  readonly out: Uint8Array[] = [];
  constructor(private readonly bytes: Uint8Array, private readonly options: RewriteOptions) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(pos: number, n: number, end: number): void {
    if (pos + n > end || pos + n > this.bytes.length) throw new DicomError('TRUNCATED', `the dataset ends inside an element at byte ${pos}`);
  }
  private u16(pos: number): number { return this.view.getUint16(pos, this.options.littleEndian); }
  private u32(pos: number): number { return this.view.getUint32(pos, this.options.littleEndian); }
  private tag(pos: number): number { return ((this.u16(pos) << 16) | this.u16(pos + 2)) >>> 0; }

  /** Elements from pos to end (or to an item delimiter); returns the position after them. */
  dataset(pos: number, end: number, implicit: boolean, depth: number, untilItemDelimiter: boolean): number {
    if (depth > 32) throw new DicomError('TRUNCATED', 'sequences nested more than 32 deep');
    while (pos < end) {
      this.need(pos, 8, end);
      const tag = this.tag(pos);
      if (tag === ITEM_DELIMITER && untilItemDelimiter) return pos + 8;
      let vr: string;
      let length: number;
      let valueOffset: number;
      if (implicit || !this.options.explicitVr) {
        vr = dictionaryVr(tag, this.options.pixelRepresentation);
        length = this.u32(pos + 4);
        valueOffset = pos + 8;
      } else {
        vr = String.fromCharCode(this.bytes[pos + 4], this.bytes[pos + 5]);
        if (LONG_VRS.has(vr)) {
          this.need(pos, 12, end);
          length = this.u32(pos + 8);
          valueOffset = pos + 12;
        } else {
          length = this.u16(pos + 6);
          valueOffset = pos + 8;
        }
      }
      const replacement = depth === 0 ? this.options.replace.get(tag) : undefined;
      if (replacement) {
        this.out.push(replacement);
        pos = length === UNDEFINED ? this.skipFragments(valueOffset, end) : valueOffset + length;
        continue;
      }
      if (length === UNDEFINED) {
        // A sequence; undefined-length UN holds implicit little endian (PS3.5 §6.2.2).
        this.out.push(elementHeader(tag, 'SQ', UNDEFINED));
        pos = this.sequence(valueOffset, end, implicit || vr === 'UN', depth, true);
        this.out.push(delimiter(SEQUENCE_DELIMITER));
        continue;
      }
      if (valueOffset + length > end) throw new DicomError('LENGTH_PAST_END', `an element declares ${length} bytes past the end of the dataset`);
      if (vr === 'SQ') {
        this.out.push(elementHeader(tag, 'SQ', UNDEFINED));
        this.sequence(valueOffset, valueOffset + length, implicit, depth, false);
        this.out.push(delimiter(SEQUENCE_DELIMITER));
      } else {
        let value = this.bytes.subarray(valueOffset, valueOffset + length);
        if (!this.options.littleEndian && SWAP_WIDTH[vr]) value = swapped(value, SWAP_WIDTH[vr]);
        const outVr = !LONG_VRS.has(vr) && length > 0xffff ? 'UN' : vr;
        this.out.push(elementHeader(tag, outVr, length), value);
      }
      pos = valueOffset + length;
    }
    if (untilItemDelimiter) throw new DicomError('TRUNCATED', 'a sequence item is not terminated');
    return pos;
  }

  /** Items of a sequence; with `undefinedLength` it ends at its delimiter, else at `end`. */
  private sequence(pos: number, end: number, implicit: boolean, depth: number, undefinedLength: boolean): number {
    for (;;) {
      if (!undefinedLength && pos >= end) return pos;
      this.need(pos, 8, end);
      const tag = this.tag(pos);
      if (tag === SEQUENCE_DELIMITER && undefinedLength) return pos + 8;
      if (tag !== ITEM) throw new DicomError('TRUNCATED', 'a sequence holds something other than an item');
      const length = this.u32(pos + 4);
      this.out.push(delimiter(ITEM, UNDEFINED));
      if (length === UNDEFINED) pos = this.dataset(pos + 8, end, implicit, depth + 1, true);
      else {
        if (pos + 8 + length > end) throw new DicomError('LENGTH_PAST_END', 'a sequence item is longer than its sequence');
        this.dataset(pos + 8, pos + 8 + length, implicit, depth + 1, false);
        pos += 8 + length;
      }
      this.out.push(delimiter(ITEM_DELIMITER));
    }
  }

  /** Skips encapsulated Pixel Data (fragment items up to the sequence delimiter, PS3.5 §A.4). */
  private skipFragments(pos: number, end: number): number {
    for (;;) {
      this.need(pos, 8, end);
      const tag = this.tag(pos);
      if (tag === SEQUENCE_DELIMITER) return pos + 8;
      const length = this.u32(pos + 4);
      if (tag !== ITEM || length === UNDEFINED) throw new DicomError('PIXEL_DATA_INVALID', 'encapsulated Pixel Data holds something other than fragments');
      pos += 8 + length;
    }
  }
}

/** The dataset from `start` (after any file meta) as Explicit VR Little Endian bytes. */
export function rewriteExplicitLittleEndian(bytes: Uint8Array, start: number, options: RewriteOptions): Buffer {
  const rewriter = new Rewriter(bytes, options);
  rewriter.dataset(start, bytes.length, false, 0, false);
  return Buffer.concat(rewriter.out);
}
