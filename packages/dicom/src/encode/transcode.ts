// Transcoding on request (PS3.18 §8.7.3.5): a whole instance, or some of its frames, in another
// transfer syntax. Targets: Explicit VR Little Endian (PS3.5 §A.2) and JPEG-LS lossless (PS3.5
// §A.4.3, our CharLS encoder). Pixels are decoded and re-encoded from the decoded samples, so a
// transcoded file holds exactly the values pixel_md5 hashes, and the attributes that describe the
// pixels are set to what the decoder returns (samples interleaved, YBR_FULL_422 expanded, J2K
// colour transforms undone, HighBit = BitsStored - 1). Everything else is kept value for value.
import { inflateRawSync } from 'node:zlib';
import { boundedInflate, DEFAULT_DICOM_LIMITS } from '../parse/errors';
import { DicomError } from '../parse/errors';
import { parseInstance, type ParsedInstance } from '../parse/parse-instance';
import { locateDataset } from '../parse/file-meta';
import { frameBytes } from '../parse/frames';
import { decodeAllFrames, decodeFrame, type DecodedFrame } from '../decode/decode';
import { EXPLICIT_VR_LITTLE_ENDIAN, encodeElement, fileMetaBytes, type Element } from '../write/part10-writer';
import { encodeJpegLsLossless } from './jpeg-ls';
import { delimiter, elementHeader, rewriteExplicitLittleEndian, ITEM, SEQUENCE_DELIMITER, UNDEFINED } from './explicit-le';

export const JPEG_LS_LOSSLESS = '1.2.840.10008.1.2.4.80';
/** Transfer syntaxes any stored instance can be transcoded to (besides its own). */
export const TRANSCODE_TARGETS: readonly string[] = [EXPLICIT_VR_LITTLE_ENDIAN, JPEG_LS_LOSSLESS];
/** Native little-endian syntaxes whose frames already are Explicit VR Little Endian frames. */
const NATIVE_LITTLE_ENDIAN = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);

/**
 * Why an instance cannot be written in `target`, or null when it can. `bitsAllocated` null means
 * no pixel data: such an instance goes out as Explicit VR Little Endian whatever the image
 * syntax asked for (PS3.5 §10: image compression syntaxes apply to pixel data only).
 */
export function transcodeRefusal(target: string, bitsAllocated: number | null): string | null {
  if (!TRANSCODE_TARGETS.includes(target)) return `transfer syntax ${target} is not offered; ask for the stored one (*), ${TRANSCODE_TARGETS.join(' or ')}`;
  if (target === JPEG_LS_LOSSLESS && bitsAllocated !== null && bitsAllocated !== 8 && bitsAllocated !== 16) {
    return `JPEG-LS codes 8- and 16-bit samples; this instance has BitsAllocated ${bitsAllocated}`;
  }
  return null;
}

/** The syntax an instance is written in for `target` (see transcodeRefusal). */
export function writtenTransferSyntax(target: string, hasPixelData: boolean): string {
  return hasPixelData ? target : EXPLICIT_VR_LITTLE_ENDIAN;
}

function photometricAfterDecoding(photometric: string): string {
  if (photometric === 'YBR_FULL_422') return 'YBR_FULL'; // expanded by the decoder (PS3.3 §C.7.6.3.1.2)
  if (photometric === 'YBR_RCT' || photometric === 'YBR_ICT') return 'RGB'; // inverse J2K transform applied (PS3.5 §8.2.4)
  return photometric;
}

/** Replacements for the pixel-describing attributes the source has, where decoding changed them. */
function describingAttributes(parsed: ParsedInstance, frame: DecodedFrame): Element[] {
  const out: Element[] = [];
  const photometric = parsed.instance.photometricInterpretation;
  if (photometric && photometricAfterDecoding(photometric) !== photometric) out.push({ tag: 0x00280004, vr: 'CS', value: photometricAfterDecoding(photometric) });
  if (parsed.instance.planarConfiguration !== null && parsed.instance.planarConfiguration !== 0) out.push({ tag: 0x00280006, vr: 'US', value: 0 });
  if (parsed.instance.highBit !== null && parsed.instance.highBit !== frame.bitsStored - 1) out.push({ tag: 0x00280102, vr: 'US', value: frame.bitsStored - 1 });
  return out;
}

function sampleBytes(frame: DecodedFrame): Uint8Array {
  return new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
}

/** 1-bit samples packed least significant bit first, running on across frames (PS3.5 §8.1.1). */
function packBits(frames: DecodedFrame[]): Uint8Array {
  const total = frames.reduce((n, f) => n + f.pixels.length, 0);
  const out = new Uint8Array(Math.ceil(total / 8));
  let bit = 0;
  for (const f of frames) for (let k = 0; k < f.pixels.length; k++, bit++) if (f.pixels[k]) out[bit >> 3] |= 1 << (bit & 7);
  return out;
}

function evenLength(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function nativePixelData(tag: number, frames: DecodedFrame[]): Buffer {
  const bits = frames[0].bitsAllocated;
  const value = evenLength(bits === 1 ? packBits(frames) : Buffer.concat(frames.map(sampleBytes)));
  const vr = tag === 0x7fe00008 ? 'OF' : tag === 0x7fe00009 ? 'OD' : bits > 8 ? 'OW' : 'OB';
  return Buffer.concat([elementHeader(tag, vr, value.length), value]);
}

/** Encapsulated Pixel Data: a Basic Offset Table, then one fragment per frame (PS3.5 §A.4). */
export function encapsulate(frames: Uint8Array[]): Buffer {
  const table = Buffer.alloc(4 * frames.length);
  const items: Uint8Array[] = [];
  let offset = 0;
  frames.forEach((frame, i) => {
    const fragment = evenLength(frame);
    table.writeUInt32LE(offset, 4 * i);
    items.push(delimiter(ITEM, fragment.length), fragment);
    offset += 8 + fragment.length;
  });
  return Buffer.concat([elementHeader(0x7fe00010, 'OB', UNDEFINED), delimiter(ITEM, table.length), table, ...items, delimiter(SEQUENCE_DELIMITER)]);
}

async function encodeFrame(frame: DecodedFrame, target: string): Promise<Uint8Array> {
  if (target === JPEG_LS_LOSSLESS) return encodeJpegLsLossless(frame.pixels, frame);
  return frame.bitsAllocated === 1 ? packBits([frame]) : sampleBytes(frame);
}

/** The dataset bytes after the file meta (inflated for the deflated syntax, PS3.5 §A.5). */
function datasetOf(bytes: Uint8Array, parsed: ParsedInstance): { source: Uint8Array; start: number } {
  const { datasetStart } = locateDataset(bytes);
  if (!parsed.transferSyntax.deflated) return { source: bytes, start: datasetStart };
  // parseInstance already inflated it within the limit; the same bound holds here
  return { source: boundedInflate(inflateRawSync, bytes.subarray(datasetStart), DEFAULT_DICOM_LIMITS.maxInflatedBytes, 'the deflated dataset'), start: 0 };
}

/**
 * A Part 10 file in `target` (one of TRANSCODE_TARGETS): new file meta (PS3.10 §7.1) naming the
 * syntax, the dataset re-encoded, Pixel Data native or encapsulated. Returns the input itself when
 * it already is in that syntax. Throws DicomError when the pixels cannot be decoded or coded.
 */
export async function transcodeInstance(bytes: Uint8Array, target: string): Promise<{ bytes: Uint8Array; transferSyntaxUid: string }> {
  const parsed = parseInstance(bytes, { requireUids: false });
  const px = parsed.pixelData;
  const refusal = transcodeRefusal(target, px ? parsed.instance.bitsAllocated ?? 0 : null);
  if (refusal) throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', refusal);
  const written = writtenTransferSyntax(target, px !== null);
  if (parsed.transferSyntaxUid === written && parsed.hasFileMeta) return { bytes, transferSyntaxUid: written };
  const replace = new Map<number, Uint8Array>();
  if (px) {
    const frames = await decodeAllFrames(parsed);
    if (written === JPEG_LS_LOSSLESS) {
      const codestreams: Uint8Array[] = [];
      for (const f of frames) codestreams.push(await encodeFrame(f, written));
      replace.set(px.tag, encapsulate(codestreams));
    } else {
      replace.set(px.tag, nativePixelData(px.tag, frames));
    }
    for (const e of describingAttributes(parsed, frames[0])) replace.set(e.tag, encodeElement(e));
  }
  const { source, start } = datasetOf(bytes, parsed);
  const dataset = rewriteExplicitLittleEndian(source, start, {
    littleEndian: parsed.transferSyntax.littleEndian, explicitVr: parsed.transferSyntax.explicitVr, pixelRepresentation: parsed.instance.pixelRepresentation ?? 0, replace,
  });
  const meta = fileMetaBytes({ sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid, transferSyntaxUid: written });
  return { bytes: Buffer.concat([meta, dataset]), transferSyntaxUid: written };
}

/**
 * Frames (0-based indices) in `target`: '*' or the stored syntax gives them as stored; Explicit VR
 * Little Endian gives native little-endian samples (as stored when the file is native little
 * endian); JPEG-LS lossless gives one codestream per frame. Native 1-bit frames need not start on
 * a byte boundary (PS3.5 §8.1.1), so they are always unpacked and packed again, each on its own.
 */
export async function transcodeFrames(parsed: ParsedInstance, indices: number[], target: string): Promise<Uint8Array[]> {
  const bitsAllocated = parsed.instance.bitsAllocated ?? 0;
  const bitPacked = bitsAllocated === 1 && !parsed.pixelData?.encapsulated;
  const asStored = target === '*' || target === parsed.transferSyntaxUid || (target === EXPLICIT_VR_LITTLE_ENDIAN && NATIVE_LITTLE_ENDIAN.has(parsed.transferSyntaxUid));
  if (asStored && !bitPacked) return indices.map((i) => frameBytes(parsed, i));
  const wanted = asStored ? EXPLICIT_VR_LITTLE_ENDIAN : target;
  const refusal = transcodeRefusal(wanted, bitsAllocated);
  if (refusal) throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', refusal);
  const out: Uint8Array[] = [];
  for (const i of indices) out.push(await encodeFrame(await decodeFrame(parsed, i), wanted));
  return out;
}
