// Palette Color lookup tables (PS3.3 §C.7.6.3.1.5, §C.7.9): the Red/Green/Blue descriptors and
// either the plain LUT data (0028,1201-1203) or the segmented LUT data (0028,1221-1223, §C.7.9.2),
// 8- or 16-bit entries, read in the file's byte order. Pure: a parsed instance in, a lookup out.
import type { ParsedInstance } from '../parse/parse-instance';

export interface LutDescriptor { entries: number; firstMapped: number; bits: number }

const DESCRIPTOR = [0x00281101, 0x00281102, 0x00281103];
const DATA = [0x00281201, 0x00281202, 0x00281203];
const SEGMENTED_DATA = [0x00281221, 0x00281222, 0x00281223];

function words(bytes: Uint8Array, littleEndian: boolean): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >> 1 }, (_, i) => view.getUint16(i * 2, littleEndian));
}

export function lutDescriptor(parsed: ParsedInstance, tag: number): LutDescriptor | null {
  const b = parsed.bytesOf(tag);
  if (!b || b.length < 6) return null;
  const [entries, first, bits] = words(b.subarray(0, 6), parsed.transferSyntax.littleEndian);
  // 0 entries means 65536 (§C.7.6.3.1.5); the first mapped value is signed for signed pixels
  const firstMapped = parsed.instance.pixelRepresentation === 1 && first >= 0x8000 ? first - 0x10000 : first;
  return { entries: entries || 65536, firstMapped, bits };
}

/**
 * Expands segmented LUT data (§C.7.9.2): discrete (opcode 0: n values), linear (1: n values
 * ramping from the previous one to y1) and indirect (2: n segments copied from a 32-bit offset,
 * least significant word first, counted in 16-bit words as GDCM and pydicom read it).
 */
export function expandSegmentedLut(data: number[], maxEntries: number): number[] {
  const lut: number[] = [];
  const expand = (start: number, segments: number, depth: number): void => {
    if (depth > 4) throw new Error('segmented LUT: indirect segments nested too deep');
    let at = start;
    for (let done = 0; done < segments && at + 1 < data.length && lut.length < maxEntries; done++) {
      const [opcode, length] = [data[at], data[at + 1]];
      if (opcode === 0) {
        lut.push(...data.slice(at + 2, at + 2 + length));
        at += 2 + length;
      } else if (opcode === 1) {
        if (lut.length === 0) throw new Error('segmented LUT: a linear segment cannot come first');
        const y0 = lut[lut.length - 1];
        const y1 = data[at + 2];
        for (let j = 1; j <= length; j++) lut.push(Math.round(y0 + ((y1 - y0) * j) / length));
        at += 3;
      } else if (opcode === 2) {
        if (lut.length === 0) throw new Error('segmented LUT: an indirect segment cannot come first');
        expand(data[at + 2] | (data[at + 3] << 16), length, depth + 1);
        at += 4;
      } else {
        throw new Error(`segmented LUT: unknown segment type ${opcode}`);
      }
    }
  };
  expand(0, Infinity, 0);
  return lut.slice(0, maxEntries);
}

function channel(parsed: ParsedInstance, c: number): { d: LutDescriptor; values: number[] } | null {
  const d = lutDescriptor(parsed, DESCRIPTOR[c]);
  if (!d) return null;
  const littleEndian = parsed.transferSyntax.littleEndian;
  const plain = parsed.bytesOf(DATA[c]);
  if (plain) {
    // 8-bit entries may come packed one per byte (the OB / odd-writer case) or one per 16-bit word
    const values = d.bits === 8 && plain.length === d.entries ? Array.from(plain) : words(plain, littleEndian);
    return values.length ? { d, values } : null;
  }
  const segmented = parsed.bytesOf(SEGMENTED_DATA[c]);
  if (!segmented) return null;
  try {
    const values = expandSegmentedLut(words(segmented, littleEndian), d.entries);
    return values.length ? { d, values } : null;
  } catch {
    return null; // a damaged table renders as greyscale rather than failing the image
  }
}

/** Index → 8-bit RGB, or null when the instance carries no usable palette. */
export function paletteLookup(parsed: ParsedInstance): ((index: number) => [number, number, number]) | null {
  const channels = [0, 1, 2].map((c) => channel(parsed, c));
  if (channels.some((c) => c === null)) return null;
  const tables = channels.map((c) => {
    const shift = Math.max(0, c!.d.bits - 8);
    return { first: c!.d.firstMapped, values: Uint8Array.from(c!.values, (v) => v >> shift) };
  });
  return (index) => tables.map((t) => t.values[Math.min(Math.max(index - t.first, 0), t.values.length - 1)]) as [number, number, number];
}
