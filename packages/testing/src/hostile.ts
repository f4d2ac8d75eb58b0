// Hostile DICOM files made on the fly (never committed): each is small on the wire and would make
// a naive server inflate, index or decode far more than it received.
import { deflateRawSync } from 'node:zlib';
import { encodeElement, fileMetaBytes, seededUid, type Element } from '@imaging/dicom';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

function header(seed: number, image: { rows: number; columns: number; samples: number; bits: number; frames?: number; photometric: string }): { elements: Element[]; sop: string } {
  const sop = seededUid(seed, 9, 9, 1);
  const elements: Element[] = [
    { tag: 0x00080016, vr: 'UI', value: SECONDARY_CAPTURE },
    { tag: 0x00080018, vr: 'UI', value: sop },
    { tag: 0x00080060, vr: 'CS', value: 'OT' },
    { tag: 0x00100020, vr: 'LO', value: `HOSTILE${seed}` },
    { tag: 0x0020000d, vr: 'UI', value: seededUid(seed, 9) },
    { tag: 0x0020000e, vr: 'UI', value: seededUid(seed, 9, 9) },
    { tag: 0x00280002, vr: 'US', value: image.samples },
    { tag: 0x00280004, vr: 'CS', value: image.photometric },
    ...(image.frames ? [{ tag: 0x00280008, vr: 'IS' as const, value: String(image.frames) }] : []),
    ...(image.samples > 1 ? [{ tag: 0x00280006, vr: 'US' as const, value: 0 }] : []),
    { tag: 0x00280010, vr: 'US', value: image.rows },
    { tag: 0x00280011, vr: 'US', value: image.columns },
    { tag: 0x00280100, vr: 'US', value: image.bits },
    { tag: 0x00280101, vr: 'US', value: image.bits },
    { tag: 0x00280102, vr: 'US', value: image.bits - 1 },
    { tag: 0x00280103, vr: 'US', value: 0 },
  ];
  return { elements, sop };
}

function body(elements: Element[]): Buffer {
  return Buffer.concat([...elements].sort((a, b) => a.tag - b.tag).map(encodeElement));
}

/** Encapsulated Pixel Data (PS3.5 §A.4): undefined length, offset table item, one item per fragment. */
function encapsulated(offsetTable: Buffer, fragments: Buffer[]): Buffer {
  const item = (data: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0); h.writeUInt16LE(0xe000, 2); h.writeUInt32LE(data.length, 4);
    return [h, data];
  };
  const head = Buffer.alloc(12);
  head.writeUInt16LE(0x7fe0, 0); head.writeUInt16LE(0x0010, 2); head.write('OB', 4, 'latin1'); head.writeUInt32LE(0xffffffff, 8);
  const end = Buffer.alloc(8);
  end.writeUInt16LE(0xfffe, 0); end.writeUInt16LE(0xe0dd, 2);
  return Buffer.concat([head, ...item(offsetTable), ...fragments.flatMap(item), end]);
}

/** Deflated Explicit VR LE (PS3.5 §A.5) whose dataset inflates to more than `inflatedBytes`
 *  (zeros in a private OB element): a few hundred kilobytes on the wire. */
export function deflateBombFile(seed: number, inflatedBytes: number): Buffer {
  const { elements, sop } = header(seed, { rows: 8, columns: 8, samples: 1, bits: 8, photometric: 'MONOCHROME2' });
  const padding = Buffer.alloc(12 + inflatedBytes);
  padding.writeUInt16LE(0x0009, 0); padding.writeUInt16LE(0x1010, 2); padding.write('OB', 4, 'latin1'); padding.writeUInt32LE(inflatedBytes, 8);
  const pixels = { tag: 0x7fe00010, vr: 'OB' as const, value: new Uint8Array(64) };
  const dataset = Buffer.concat([body(elements.filter((e) => e.tag < 0x00091010)), padding, body([...elements.filter((e) => e.tag > 0x00091010), pixels])]);
  return Buffer.concat([fileMetaBytes({ sopClassUid: SECONDARY_CAPTURE, sopInstanceUid: sop, transferSyntaxUid: '1.2.840.10008.1.2.1.99' }), deflateRawSync(dataset, { level: 9 })]);
}

/** RLE Lossless (PS3.5 §G) with `frames` one-pixel frames and a Basic Offset Table: quadratic
 *  frame indexing would take seconds on it. */
export function manyFramesRleFile(seed: number, frames: number): Buffer {
  const { elements, sop } = header(seed, { rows: 1, columns: 1, samples: 1, bits: 8, frames, photometric: 'MONOCHROME2' });
  // one RLE frame: header (1 segment at offset 64) + literal run of one byte, padded to even length
  const frame = Buffer.alloc(64 + 2);
  frame.writeUInt32LE(1, 0); frame.writeUInt32LE(64, 4); frame[64] = 0; frame[65] = 7;
  const offsets = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) offsets.writeUInt32LE(i * (8 + frame.length), i * 4);
  const fragments = Array.from({ length: frames }, () => frame);
  return Buffer.concat([fileMetaBytes({ sopClassUid: SECONDARY_CAPTURE, sopInstanceUid: sop, transferSyntaxUid: '1.2.840.10008.1.2.5' }), body(elements), encapsulated(offsets, fragments)]);
}

/** JPEG Baseline whose one frame declares `size`×`size` RGB (Rows/Columns say the same): a decoder
 *  would allocate size² × 3 bytes for a file of a few hundred bytes. */
export function hugeJpegFile(seed: number, size: number, declaredInHeader = size): Buffer {
  const { elements, sop } = header(seed, { rows: declaredInHeader, columns: declaredInHeader, samples: 3, bits: 8, photometric: 'YBR_FULL_422' });
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, size >> 8, size & 0xff, size >> 8, size & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]);
  const even = jpeg.length % 2 ? Buffer.concat([jpeg, Buffer.from([0])]) : jpeg;
  return Buffer.concat([fileMetaBytes({ sopClassUid: SECONDARY_CAPTURE, sopInstanceUid: sop, transferSyntaxUid: '1.2.840.10008.1.2.4.50' }), body(elements), encapsulated(Buffer.alloc(0), [even])]);
}
