// Encapsulated frames (PS3.5 Annex A.4) to little-endian sample bytes interleaved by pixel, one
// codec per transfer syntax family. Whether a JPEG frame is DCT or lossless is read from its SOF
// marker, not trusted from the transfer syntax alone (mislabelled files exist).
import { inflateRawSync, inflateSync } from 'node:zlib';
import { DicomError, boundedInflate } from '../parse/errors';
import { decodeRle } from './rle';
import { decodeHtj2k, decodeJ2k, decodeJpegLs, type CodecOutput } from './codecs';
import { decodeJpegDct } from './jpeg/decode-dct';
import { decodeJpegLossless } from './jpeg/decode-lossless';
import { interleavePlanar, type Geometry } from './samples';

const unsupported = (message: string) => new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', message);

function checkSize(width: number, height: number, g: Geometry): void {
  if (width !== g.columns || height !== g.rows) {
    throw new DicomError('PIXEL_DATA_INVALID', `the compressed frame is ${width}×${height}; the header says ${g.columns}×${g.rows}`);
  }
}

function codecBytes(out: CodecOutput, g: Geometry): Uint8Array {
  checkSize(out.width, out.height, g);
  return out.planar ? interleavePlanar(out.bytes, g.rows * g.columns, out.components, Math.ceil(out.bitsPerSample / 8)) : out.bytes;
}

/**
 * JPEG-LS and JPEG 2000 codestreams end with EOI / EOC = FFD9 (ITU T.87 §C.1, ISO 15444-1
 * §A.4.4), followed at most by fragment padding. Checked before the wasm codecs run: OpenJPH
 * happily decodes a cut codestream to a full-size (wrong) image, and CharLS can take seconds
 * to give up on one.
 */
function requireEndMarker(frame: Uint8Array, codec: string): void {
  for (let i = frame.length - 2; i >= Math.max(0, frame.length - 5); i--) {
    if (frame[i] === 0xff && frame[i + 1] === 0xd9) return;
    if (frame[i + 1] !== 0x00 && frame[i + 1] !== 0xff) break;
  }
  throw new DicomError('PIXEL_DATA_INVALID', `the ${codec} codestream does not end with its end marker (FFD9): the frame is truncated`);
}

/** The SOFn marker of a JPEG codestream (ITU T.81 Table B.1), or -1. */
function startOfFrame(frame: Uint8Array): number {
  for (let at = 2; at + 4 <= frame.length;) {
    if (frame[at] !== 0xff) return -1;
    const marker = frame[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return marker;
    at += 2 + ((frame[at + 2] << 8) | frame[at + 3]);
  }
  return -1;
}

function jpegBytes(frame: Uint8Array, g: Geometry): Uint8Array {
  const out = startOfFrame(frame) === 0xc3 ? decodeJpegLossless(frame) : decodeJpegDct(frame);
  checkSize(out.width, out.height, g);
  if (out.components !== g.spp) throw new DicomError('PIXEL_DATA_INVALID', `the JPEG frame has ${out.components} components; SamplesPerPixel is ${g.spp}`);
  if (g.bitsAllocated === 8 && out.samples instanceof Uint8Array) return out.samples;
  const wide = out.samples instanceof Uint16Array ? out.samples : Uint16Array.from(out.samples);
  return new Uint8Array(wide.buffer, wide.byteOffset, wide.byteLength);
}

export async function decodeCompressedFrame(uid: string, frame: Uint8Array, g: Geometry): Promise<Uint8Array> {
  switch (uid) {
    case '1.2.840.10008.1.2.5': return decodeRle(frame, g.rows, g.columns, g.spp, g.bitsAllocated);
    case '1.2.840.10008.1.2.8.1': {
      // PS3.5 §A.4.11: each frame deflated (RFC 1951); a zlib wrapper is tolerated.
      // never inflate past the frame's own size (a deflate bomb stops at the limit)
      const frameBytes = Math.ceil((g.rows * g.columns * g.spp * g.bitsAllocated) / 8) + 1;
      try {
        return boundedInflate(inflateRawSync, frame, frameBytes, 'a deflated frame');
      } catch (e) {
        if ((e as DicomError).code === 'INFLATED_TOO_LARGE') throw e;
        return boundedInflate(inflateSync, frame, frameBytes, 'a deflated frame');
      }
    }
    case '1.2.840.10008.1.2.4.50':
    case '1.2.840.10008.1.2.4.51':
    case '1.2.840.10008.1.2.4.57':
    case '1.2.840.10008.1.2.4.70': return jpegBytes(frame, g);
    case '1.2.840.10008.1.2.4.80':
    case '1.2.840.10008.1.2.4.81':
      requireEndMarker(frame, 'JPEG-LS');
      return codecBytes(await decodeJpegLs(frame), g);
    case '1.2.840.10008.1.2.4.90':
    case '1.2.840.10008.1.2.4.91':
      requireEndMarker(frame, 'JPEG 2000');
      return codecBytes(await decodeJ2k(frame), g);
    // HTJ2K lossless: OpenJPH (fast; exact like any conforming decoder).
    case '1.2.840.10008.1.2.4.201':
    case '1.2.840.10008.1.2.4.202':
      requireEndMarker(frame, 'HTJ2K');
      return codecBytes(await decodeHtj2k(frame), g);
    // HTJ2K lossy: OpenJPEG (≥ 2.5 reads HTJ2K too) so irreversible-wavelet rounding equals the
    // J2K path and the reference decoder; OpenJPH differs by ±1 in ~0.1 % of samples.
    case '1.2.840.10008.1.2.4.203':
      requireEndMarker(frame, 'HTJ2K');
      return codecBytes(await decodeJ2k(frame), g);
    default: throw unsupported(`no decoder for transfer syntax ${uid}`);
  }
}
