// Which fragments of encapsulated Pixel Data make up each frame (PS3.5 §A.4): item 0 is the
// Basic Offset Table (empty, or one 32-bit offset per frame measured from the first byte of the
// first fragment item); the fragments follow. Used to validate at parse time and to read frames.
import { DicomError } from './errors';
import type { Fragment } from './structure';

const invalid = (message: string) => new DicomError('PIXEL_DATA_INVALID', message);

export interface EncapsulatedPixelData { source: Uint8Array; fragments: Fragment[] }

/** Basic Offset Table entries, validated against the fragment items, or null when it is empty. */
function basicOffsetTable(px: EncapsulatedPixelData, frames: number): number[] | null {
  const [bot, ...fragments] = px.fragments;
  if (!bot) throw invalid('encapsulated Pixel Data lacks the Basic Offset Table item (PS3.5 §A.4)');
  if (bot.length === 0) return null;
  if (bot.length % 4 !== 0) throw invalid(`the Basic Offset Table is ${bot.length} bytes long, not a multiple of 4 (PS3.5 §A.4)`);
  const count = bot.length / 4;
  if (count !== frames) throw invalid(`the Basic Offset Table lists ${count} frame(s) but the image has ${frames} (PS3.5 §A.4)`);
  const view = new DataView(px.source.buffer, px.source.byteOffset + bot.offset, bot.length);
  const offsets = Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
  // Each offset must point at the start of a fragment item, in increasing order.
  const firstItem = fragments[0].offset - 8;
  const itemStarts = new Set(fragments.map((f) => f.offset - 8 - firstItem));
  offsets.forEach((o, i) => {
    if (!itemStarts.has(o) || (i > 0 && o <= offsets[i - 1]) || (i === 0 && o !== 0)) {
      throw invalid(`Basic Offset Table entry ${i + 1} (${o}) does not point at a fragment of the Pixel Data (PS3.5 §A.4)`);
    }
  });
  return offsets;
}

/** Starts a frame: JPEG SOI (ITU T.81 §B.2.1), JPEG-LS SOI, J2K SOC (ISO 15444-1 §A.4.1) or a JP2 box. */
function startsCodestream(px: EncapsulatedPixelData, f: Fragment): boolean {
  const b = px.source.subarray(f.offset, f.offset + Math.min(f.length, 12));
  const jp2 = b.length >= 8 && b[4] === 0x6a && b[5] === 0x50 && b[6] === 0x20 && b[7] === 0x20;
  return (b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f)) || jp2;
}

/**
 * Fragments per frame. Without an offset table: one fragment per frame when the counts agree,
 * all fragments for a single frame, or — several frames over more fragments — a new frame at
 * each fragment that starts a JPEG / J2K codestream (the only other way to find them, §A.4).
 */
export function frameFragments(px: EncapsulatedPixelData, frames: number, codestream: 'jpeg' | 'j2k' | 'rle' | 'deflate' | undefined): Fragment[][] {
  const fragments = px.fragments.slice(1);
  if (fragments.length === 0) throw invalid('encapsulated Pixel Data has no fragments after its Basic Offset Table (PS3.5 §A.4)');
  const offsets = basicOffsetTable(px, frames);
  if (offsets) {
    // one pass: offsets are increasing and start at 0 (checked above), fragments are in file order
    const firstItem = fragments[0].offset - 8;
    const groups: Fragment[][] = offsets.map(() => []);
    let frame = 0;
    for (const f of fragments) {
      const position = f.offset - 8 - firstItem;
      while (frame + 1 < offsets.length && position >= offsets[frame + 1]) frame++;
      groups[frame].push(f);
    }
    return groups;
  }
  if (fragments.length === frames) return fragments.map((f) => [f]);
  if (frames === 1) return [fragments];
  if (fragments.length < frames) throw invalid(`Pixel Data holds ${fragments.length} fragment(s) for ${frames} frames (PS3.5 §A.4)`);
  if (codestream !== 'jpeg' && codestream !== 'j2k') {
    throw invalid(`${frames} frames in ${fragments.length} fragments without a Basic Offset Table; each frame must be one fragment (PS3.5 §A.4, §G.2)`);
  }
  const groups: Fragment[][] = [];
  for (const f of fragments) {
    if (startsCodestream(px, f) || groups.length === 0) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  if (groups.length !== frames) throw invalid(`found ${groups.length} codestream(s) in the Pixel Data fragments for ${frames} frames (PS3.5 §A.4)`);
  return groups;
}

/** The bytes of one frame: its fragments concatenated (a copy only when there are several). */
export function joinFragments(source: Uint8Array, fragments: Fragment[]): Uint8Array {
  if (fragments.length === 1) return source.subarray(fragments[0].offset, fragments[0].offset + fragments[0].length);
  return Buffer.concat(fragments.map((f) => source.subarray(f.offset, f.offset + f.length)));
}
