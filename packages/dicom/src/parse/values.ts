// Reading attribute values out of a walked dataset (PS3.5 §6.2): text with the declared
// Specific Character Set (PS3.5 §6.1, PS3.3 §C.12.1.1.2), numbers, dates and binary values.
import { TextDecoder } from 'node:util';
import type { TopLevelElement } from './structure';

/** Specific Character Set defined terms → WHATWG encoding labels understood by TextDecoder. */
const CHARSETS: Record<string, string> = {
  '': 'latin1', 'ISO_IR 6': 'latin1', 'ISO 2022 IR 6': 'latin1',
  'ISO_IR 100': 'latin1', 'ISO 2022 IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2', 'ISO 2022 IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3', 'ISO 2022 IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4', 'ISO 2022 IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5', 'ISO 2022 IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6', 'ISO 2022 IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7', 'ISO 2022 IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8', 'ISO 2022 IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9', 'ISO 2022 IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15', 'ISO 2022 IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874', 'ISO 2022 IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis', 'ISO 2022 IR 13': 'shift_jis',
  'ISO 2022 IR 87': 'iso-2022-jp', 'ISO 2022 IR 159': 'iso-2022-jp',
  'ISO 2022 IR 149': 'euc-kr', 'ISO 2022 IR 58': 'gb18030',
  'ISO_IR 192': 'utf-8', GB18030: 'gb18030', GBK: 'gbk',
};

/**
 * The decoder for a Specific Character Set value. With code extensions (several values), the
 * multi-byte set decides (PS3.5 §6.1.2.5).
 */
export function textDecoderFor(specificCharacterSet: string | null): TextDecoder {
  const terms = (specificCharacterSet ?? '').split('\\').map((t) => t.trim());
  const chosen = terms.map((t) => CHARSETS[t]).filter(Boolean);
  const label = chosen.find((l) => l !== 'latin1') ?? 'latin1';
  return new TextDecoder(label);
}

export interface ValueReader {
  /** Text of an ASCII-only attribute (UI, CS, DA, TM, DS, IS, AE), trimmed; null when empty. */
  ascii(tag: number): string | null;
  /** Text of a PN / LO / SH / ST / LT / UT / UC attribute in the dataset's character set. */
  text(tag: number): string | null;
  uint(tag: number): number | null;
  numbers(tag: number): number[] | null;
  first(tag: number): number | null;
  bytesOf(tag: number): Uint8Array | null;
}

export function valueReader(source: Uint8Array, elements: Map<number, TopLevelElement>, littleEndian: boolean): ValueReader {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const raw = (tag: number): Uint8Array | null => {
    const e = elements.get(tag);
    return e && !e.undefinedLength && e.length > 0 ? source.subarray(e.offset, e.offset + e.length) : null;
  };
  const trim = (v: string): string | null => {
    const t = v.replace(/[\0 ]+$/, '').replace(/^ +/, '');
    return t === '' ? null : t;
  };
  const ascii = (tag: number): string | null => {
    const b = raw(tag);
    return b ? trim(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')) : null;
  };
  const decoder = textDecoderFor(ascii(0x00080005));
  const text = (tag: number): string | null => {
    const b = raw(tag);
    if (!b) return null;
    // ESC sequences switch sets under ISO 2022 (PS3.5 §6.1.2.5). The iso-2022-jp decoder reads
    // them itself; for the others the G1 bytes are already EUC-style, so the escapes are dropped.
    const stripEscapes = b.includes(0x1b) && decoder.encoding !== 'iso-2022-jp';
    // eslint-disable-next-line no-control-regex -- ESC (0x1B) is exactly what is matched here
    const cleaned = stripEscapes ? Buffer.from(b).toString('latin1').replace(/\x1b[$()*+\-./][@-~]?[@-~]/g, '') : null;
    return trim(cleaned === null ? decoder.decode(b) : decoder.decode(Buffer.from(cleaned, 'latin1')));
  };
  const uint = (tag: number): number | null => {
    const e = elements.get(tag);
    if (!e || e.undefinedLength || e.length < 2) return null;
    if (e.length >= 4 && (e.vr === 'UL' || e.vr === 'SL' || (e.vr === null && e.length === 4))) return view.getUint32(e.offset, littleEndian);
    return view.getUint16(e.offset, littleEndian);
  };
  const numbers = (tag: number): number[] | null => {
    const v = ascii(tag);
    if (v === null) return null;
    const parts = v.split('\\').map((p) => Number(p.trim()));
    return parts.every((n) => Number.isFinite(n)) ? parts : null;
  };
  const first = (tag: number): number | null => numbers(tag)?.[0] ?? null;
  const bytesOf = (tag: number): Uint8Array | null => {
    const e = elements.get(tag);
    return e && !e.undefinedLength ? source.subarray(e.offset, e.offset + e.length) : null;
  };
  return { ascii, text, uint, numbers, first, bytesOf };
}

/**
 * A DA value as 'YYYYMMDD' (PS3.5 §6.2), or null when absent or not a real calendar date. The
 * ACR-NEMA form 'YYYY.MM.DD' is still written by old devices and is normalised.
 */
export function normaliseDate(value: string | null): string | null {
  if (value === null) return null;
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${m[1]}${m[2]}${m[3]}`;
}
