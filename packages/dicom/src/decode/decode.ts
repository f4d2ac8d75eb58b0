// Pixel decoding for every transfer syntax in the corpus (PS3.5 §8 and Annex A): frames in,
// typed arrays out, values masked to BitsStored and sign-extended, samples interleaved by pixel.
// No LUTs here (Modality/VOI/Palette come at rendering).
import { inflateRawSync, inflateSync } from 'node:zlib';
import { DicomError } from '../parse/errors';
import type { ParsedInstance } from '../parse/parse-instance';
import { frameBytes, numberOfFrames } from '../parse/frames';
import { decodeRle } from './rle';
import { decodeHtj2k, decodeJ2k, decodeJpegBaseline8, decodeJpegLossless, decodeJpegLs, type CodecOutput } from './codecs';

export type PixelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface DecodedFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  photometricInterpretation: string;
  /** rows × columns × samplesPerPixel values, samples interleaved (R,G,B,R,G,B...). */
  pixels: PixelArray;
}

const unsupported = (message: string) => new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', message);

interface Geometry { rows: number; columns: number; spp: number; bitsAllocated: number; bitsStored: number; signed: boolean; photometric: string; planar: number; float: 0 | 32 | 64 }

function geometry(parsed: ParsedInstance): Geometry {
  const i = parsed.instance;
  const bitsAllocated = i.bitsAllocated ?? 0;
  const tag = parsed.pixelData?.tag;
  return {
    rows: i.rows ?? 0, columns: i.columns ?? 0, spp: i.samplesPerPixel ?? 1, bitsAllocated,
    bitsStored: i.bitsStored ?? bitsAllocated, signed: i.pixelRepresentation === 1, photometric: i.photometricInterpretation ?? 'MONOCHROME2',
    planar: i.planarConfiguration ?? 0, float: tag === 0x7fe00008 ? 32 : tag === 0x7fe00009 ? 64 : 0,
  };
}

/** Little-endian sample bytes → typed array of the DICOM sample type, masked and sign-extended. */
function toSamples(bytes: Uint8Array, g: Geometry, count: number): PixelArray {
  const aligned = new Uint8Array(bytes.subarray(0, count * Math.max(1, g.bitsAllocated / 8)));
  if (g.float === 32 || (g.bitsAllocated === 32 && g.float)) return new Float32Array(aligned.buffer, 0, count);
  if (g.float === 64) return new Float64Array(aligned.buffer, 0, count);
  const bits = g.bitsStored;
  let out: PixelArray;
  if (g.bitsAllocated === 8) out = g.signed ? new Int8Array(aligned.buffer, 0, count) : aligned.subarray(0, count);
  else if (g.bitsAllocated === 16) out = g.signed ? new Int16Array(aligned.buffer, 0, count) : new Uint16Array(aligned.buffer, 0, count);
  else if (g.bitsAllocated === 32) out = g.signed ? new Int32Array(aligned.buffer, 0, count) : new Uint32Array(aligned.buffer, 0, count);
  else throw unsupported(`BitsAllocated ${g.bitsAllocated} is not supported`);
  if (bits < g.bitsAllocated) {
    const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    const sign = 2 ** (bits - 1);
    for (let k = 0; k < count; k++) {
      let v = (out[k] >>> 0) & mask;
      if (g.bitsAllocated === 32) v = Number(BigInt(out[k] >>> 0) & BigInt(mask));
      out[k] = g.signed && v >= sign ? v - 2 ** bits : v;
    }
  }
  return out;
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + width <= bytes.length; i += width) for (let b = 0; b < width; b++) out[i + b] = bytes[i + width - 1 - b];
  return out;
}

function unpackBits1(parsed: ParsedInstance, index: number, g: Geometry): Uint8Array {
  const px = parsed.pixelData!;
  const perFrame = g.rows * g.columns * g.spp;
  const out = new Uint8Array(perFrame);
  const start = index * perFrame; // frames are not byte aligned: bits run on (PS3.5 §8.1.1)
  for (let k = 0; k < perFrame; k++) {
    const bit = start + k;
    out[k] = (px.source[px.offset + (bit >> 3)] >> (bit & 7)) & 1;
  }
  return out;
}

function interleavePlanar(bytes: Uint8Array, pixels: number, spp: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(pixels * spp * bytesPerSample);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      for (let b = 0; b < bytesPerSample; b++) out[(p * spp + s) * bytesPerSample + b] = bytes[(s * pixels + p) * bytesPerSample + b];
    }
  }
  return out;
}

/** YBR_FULL_422 native: Y0 Y1 Cb Cr per pixel pair → Y Cb Cr per pixel (PS3.3 §C.7.6.3.1.2). */
function expand422(bytes: Uint8Array, rows: number, columns: number): Uint8Array {
  const out = new Uint8Array(rows * columns * 3);
  for (let p = 0, i = 0; p + 1 < rows * columns + 1 && i + 3 < bytes.length + 1; p += 2, i += 4) {
    out.set([bytes[i], bytes[i + 2], bytes[i + 3]], p * 3);
    if (p + 1 < rows * columns) out.set([bytes[i + 1], bytes[i + 2], bytes[i + 3]], (p + 1) * 3);
  }
  return out;
}

function codecBytes(out: CodecOutput, g: Geometry): Uint8Array {
  if (out.width !== g.columns || out.height !== g.rows) {
    throw new DicomError('PIXEL_DATA_INVALID', `the compressed frame is ${out.width}×${out.height}; the header says ${g.columns}×${g.rows}`);
  }
  return out.planar ? interleavePlanar(out.bytes, g.rows * g.columns, out.components, Math.ceil(out.bitsPerSample / 8)) : out.bytes;
}

async function encapsulatedBytes(uid: string, frame: Uint8Array, g: Geometry): Promise<Uint8Array> {
  switch (uid) {
    case '1.2.840.10008.1.2.5': return decodeRle(frame, g.rows, g.columns, g.spp, g.bitsAllocated);
    case '1.2.840.10008.1.2.8.1': {
      try {
        return new Uint8Array(inflateRawSync(frame));
      } catch {
        return new Uint8Array(inflateSync(frame));
      }
    }
    case '1.2.840.10008.1.2.4.50':
    case '1.2.840.10008.1.2.4.51':
      if (g.bitsAllocated > 8) throw unsupported('12-bit JPEG (Process 4) is not decodable with the bundled libjpeg-turbo (8-bit) build');
      return codecBytes(await decodeJpegBaseline8(frame), g);
    case '1.2.840.10008.1.2.4.57':
    case '1.2.840.10008.1.2.4.70': {
      const samples = decodeJpegLossless(frame);
      return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    }
    case '1.2.840.10008.1.2.4.80':
    case '1.2.840.10008.1.2.4.81': return codecBytes(await decodeJpegLs(frame), g);
    case '1.2.840.10008.1.2.4.90':
    case '1.2.840.10008.1.2.4.91': return codecBytes(await decodeJ2k(frame), g);
    case '1.2.840.10008.1.2.4.201':
    case '1.2.840.10008.1.2.4.202':
    case '1.2.840.10008.1.2.4.203': return codecBytes(await decodeHtj2k(frame), g);
    default: throw unsupported(`no decoder for transfer syntax ${uid}`);
  }
}

export async function decodeFrame(parsed: ParsedInstance, index: number): Promise<DecodedFrame> {
  const px = parsed.pixelData;
  if (!px) throw new DicomError('PIXEL_DATA_INVALID', 'the instance has no pixel data');
  const g = geometry(parsed);
  const count = g.rows * g.columns * g.spp;
  const bytesPerSample = Math.max(1, g.bitsAllocated / 8);
  const frame = (pixels: PixelArray): DecodedFrame => ({
    rows: g.rows, columns: g.columns, samplesPerPixel: g.spp, bitsAllocated: g.bitsAllocated, bitsStored: g.bitsStored,
    pixelRepresentation: g.signed ? 1 : 0, photometricInterpretation: g.photometric, pixels,
  });
  if (g.bitsAllocated === 1 && !px.encapsulated) return frame(unpackBits1(parsed, index, g));

  let bytes: Uint8Array;
  if (px.encapsulated) {
    bytes = await encapsulatedBytes(parsed.transferSyntaxUid, frameBytes(parsed, index), g);
    if (g.bitsAllocated === 1) {
      const bits = new Uint8Array(count);
      for (let k = 0; k < count; k++) bits[k] = (bytes[k >> 3] >> (k & 7)) & 1;
      return frame(bits);
    }
  } else {
    bytes = frameBytes(parsed, index);
    if (!parsed.transferSyntax.littleEndian) {
      // Big endian: swap each sample; 8-bit data in an OW element is swapped in 16-bit words.
      bytes = swapBytes(bytes, g.bitsAllocated === 8 ? (px.vr === 'OW' ? 2 : 1) : bytesPerSample);
    }
    if (g.photometric === 'YBR_FULL_422' && g.bitsAllocated === 8) bytes = expand422(bytes, g.rows, g.columns);
    else if (g.planar === 1 && g.spp > 1) bytes = interleavePlanar(bytes, g.rows * g.columns, g.spp, bytesPerSample);
  }
  if (bytes.length < count * bytesPerSample) {
    throw new DicomError('PIXEL_DATA_INVALID', `frame ${index + 1} decodes to ${bytes.length} bytes; ${count * bytesPerSample} expected`);
  }
  return frame(toSamples(bytes, g, count));
}

export async function decodeAllFrames(parsed: ParsedInstance): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for (let i = 0; i < numberOfFrames(parsed); i++) frames.push(await decodeFrame(parsed, i));
  return frames;
}
