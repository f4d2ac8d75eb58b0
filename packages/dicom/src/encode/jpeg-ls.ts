// JPEG-LS lossless encoding of one frame (ITU T.87, CharLS), as stored under transfer syntax
// 1.2.840.10008.1.2.4.80 (PS3.5 §A.4.3, §8.2.3). Input: samples interleaved by pixel, as
// decodeFrame returns them; output: one codestream per frame (SOI … EOI), ready to encapsulate.
import { DicomError } from '../parse/errors';
import type { PixelArray } from '../decode/samples';
import { encodeJpegLsLosslessFrame } from '../compress/codec-threads';

export interface JpegLsFrameInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** 8 or 16 (storage size of one sample). */
  bitsAllocated: number;
  /** Precision coded in the codestream, 2..16 (PS3.5 §8.2.3: BitsStored). */
  bitsStored: number;
  pixelRepresentation: number;
}

/** Samples as the unsigned bitsStored-bit values the codestream holds (signed ones in two's complement). */
function unsignedSamples(frame: PixelArray, info: JpegLsFrameInfo): Uint8Array {
  const mask = 2 ** info.bitsStored - 1;
  const out = info.bitsAllocated === 8 ? new Uint8Array(frame.length) : new Uint16Array(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = Number(frame[i]) & mask;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Encodes one frame losslessly. Signed data is coded as its bitsStored-bit two's complement
 * pattern (what DICOM JPEG-LS does; a decoder sign-extends with PixelRepresentation).
 */
export async function encodeJpegLsLossless(frame: PixelArray, info: JpegLsFrameInfo): Promise<Uint8Array> {
  const { rows, columns, samplesPerPixel, bitsAllocated, bitsStored } = info;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', `JPEG-LS codes 8- or 16-bit samples, not BitsAllocated ${bitsAllocated}`);
  if (bitsStored < 2 || bitsStored > bitsAllocated) throw new DicomError('PIXEL_DATA_INVALID', `BitsStored ${bitsStored} cannot be coded with JPEG-LS (2..${bitsAllocated})`);
  if (frame.length !== rows * columns * samplesPerPixel) {
    throw new DicomError('PIXEL_DATA_INVALID', `the frame holds ${frame.length} samples; ${rows}×${columns}×${samplesPerPixel} expected`);
  }
  // Sample-interleaved (ILV=2) matches the pixel-interleaved input (ITU T.87 §B.3); coded on the
  // codec threads, off the event loop.
  return encodeJpegLsLosslessFrame(unsignedSamples(frame, info), {
    width: columns, height: rows, bitsPerSample: bitsStored, componentCount: samplesPerPixel, interleaveMode: samplesPerPixel > 1 ? 2 : 0,
  });
}
