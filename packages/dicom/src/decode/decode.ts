// Pixel decoding for every transfer syntax in the corpus (PS3.5 §8 and Annex A): frames in,
// typed arrays out, values masked to BitsStored and sign-extended, samples interleaved by pixel.
// No LUTs here (Modality/VOI/Palette come at rendering).
import { DicomError } from '../parse/errors';
import { parseInstance, type ParsedInstance } from '../parse/parse-instance';
import { frameBytes, numberOfFrames } from '../parse/frames';
import { decodeCompressedFrame } from './compressed';
import { expand422, interleavePlanar, swapBytes, toSamples, unpackBits1, type Geometry, type PixelArray } from './samples';

export type { PixelArray } from './samples';

export interface DecodedFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  /** As in the header; YBR_FULL_422 data comes back expanded to one Y, Cb, Cr per pixel. */
  photometricInterpretation: string;
  /** Always 0: whatever the stored PlanarConfiguration, samples come back interleaved. */
  planarConfiguration: 0;
  /** rows × columns × samplesPerPixel values, samples interleaved (R,G,B,R,G,B...). */
  pixels: PixelArray;
}

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

/** Native frame bytes → little-endian samples interleaved by pixel (PS3.5 §8.1.1, §7.3). */
function nativeBytes(parsed: ParsedInstance, index: number, g: Geometry): Uint8Array {
  let bytes = frameBytes(parsed, index);
  const bytesPerSample = Math.max(1, g.bitsAllocated / 8);
  const px = parsed.pixelData!;
  if (!parsed.transferSyntax.littleEndian && g.bitsAllocated === 8 && px.vr === 'OW') {
    // 8-bit samples in an OW value are byte-swapped in 16-bit words across the whole value
    // (PS3.5 §7.3), so a frame of odd length takes its last byte from the next word: swap first.
    const value = swapBytes(px.source.subarray(px.offset, px.offset + px.length), 2);
    bytes = value.subarray(index * bytes.length, (index + 1) * bytes.length);
  } else if (!parsed.transferSyntax.littleEndian) {
    bytes = swapBytes(bytes, bytesPerSample); // each sample big endian (PS3.5 §7.3)
  }
  if (g.photometric === 'YBR_FULL_422' && g.bitsAllocated === 8) return expand422(bytes, g.rows, g.columns);
  if (g.planar === 1 && g.spp > 1) return interleavePlanar(bytes, g.rows * g.columns, g.spp, bytesPerSample);
  return bytes;
}

/** Decodes frame `index` (0-based) of a parsed instance. */
export async function decodeFrame(parsed: ParsedInstance, index: number): Promise<DecodedFrame> {
  const px = parsed.pixelData;
  if (!px) throw new DicomError('PIXEL_DATA_INVALID', 'the instance has no pixel data');
  const g = geometry(parsed);
  const count = g.rows * g.columns * g.spp;
  const bytesPerSample = Math.max(1, g.bitsAllocated / 8);
  const frame = (pixels: PixelArray): DecodedFrame => ({
    rows: g.rows, columns: g.columns, samplesPerPixel: g.spp, bitsAllocated: g.bitsAllocated, bitsStored: g.bitsStored,
    pixelRepresentation: g.signed ? 1 : 0, photometricInterpretation: g.photometric, planarConfiguration: 0, pixels,
  });
  // 1-bit native frames need not start on a byte boundary (PS3.5 §8.1.1): unpack from the whole value.
  if (g.bitsAllocated === 1 && !px.encapsulated) return frame(unpackBits1(px.source, px.offset, index, g));

  let bytes: Uint8Array;
  if (px.encapsulated) {
    bytes = await decodeCompressedFrame(parsed.transferSyntaxUid, frameBytes(parsed, index), g);
    if (g.bitsAllocated === 1) {
      if (bytes.length * 8 < count) throw new DicomError('PIXEL_DATA_INVALID', `frame ${index + 1} decodes to ${bytes.length * 8} bits; ${count} expected`);
      return frame(unpackBits1(bytes, 0, 0, g));
    }
  } else {
    bytes = nativeBytes(parsed, index, g);
  }
  if (bytes.length < count * bytesPerSample) {
    throw new DicomError('PIXEL_DATA_INVALID', `frame ${index + 1} decodes to ${bytes.length} bytes; ${count * bytesPerSample} expected`);
  }
  return frame(toSamples(bytes, g, count));
}

/** Every frame of a parsed instance, in order. */
export async function decodeAllFrames(parsed: ParsedInstance): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for (let i = 0; i < numberOfFrames(parsed); i++) frames.push(await decodeFrame(parsed, i));
  return frames;
}

/** Every frame of a file; `parsed` (from parseInstance on the same bytes) saves a second parse. */
export async function decodeFrames(bytes: Uint8Array, parsed?: ParsedInstance): Promise<DecodedFrame[]> {
  return decodeAllFrames(parsed ?? parseInstance(bytes, { requireUids: false }));
}
