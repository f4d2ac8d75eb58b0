// Lossless storage compression that gives back the original file byte for byte: native pixel
// frames are coded losslessly (JPEG-LS by CharLS, or HTJ2K by OpenJPH: STORAGE_CODEC) and
// everything else is kept verbatim.
// Stored layout: "IRPZ" | version (1 byte) | header length (u32 LE) | JSON header |
// bytes before the pixel value | per frame: length (u32 LE) + codestream | bytes after.
// The header names the codec; containers written before it could be chosen have none: JPEG-LS.
// Every container is decoded and compared with the original before it is returned.
import { parseInstance, type ParsedInstance } from '../parse/parse-instance';
import { expectedNativeBytes } from '../parse/pixel-checks';
import { numberOfFrames } from '../parse/frames';
import { STORAGE_CODECS, decodeLosslessFrame, encodeLosslessFrame, type StorageCodec } from './codec-threads';

const MAGIC = Buffer.from('IRPZ', 'latin1');
const VERSION = 1;

interface Header { pixelOffset: number; frames: number; frameSize: number; width: number; height: number; bits: 8 | 16; originalSize: number; codec?: StorageCodec }

export function isStorageContainer(stored: Uint8Array): boolean {
  return stored.length > 9 && Buffer.from(stored.buffer, stored.byteOffset, 4).equals(MAGIC);
}

/** The stored bytes for a file: a container already decoded and compared with `original` byte
 *  for byte, or null when compression does not apply (already compressed syntax, big endian,
 *  1-bit, float, no gain) so the original is kept. `parsedOriginal` (parseInstance of the same
 *  bytes) saves a second parse; `codec` is the frames' coding (JPEG-LS unless told). */
export async function compressForStorage(original: Uint8Array, parsedOriginal?: ParsedInstance, options: { codec?: StorageCodec } = {}): Promise<Uint8Array | null> {
  const codec = options.codec ?? 'jpeg-ls';
  const parsed = parsedOriginal ?? parseInstance(original, { requireUids: false });
  const px = parsed.pixelData;
  const i = parsed.instance;
  if (!px || px.encapsulated) return null;
  if (!parsed.transferSyntax.littleEndian || parsed.transferSyntax.deflated || px.tag !== 0x7fe00010) return null;
  const bits = i.bitsAllocated;
  if ((bits !== 8 && bits !== 16) || !i.rows || !i.columns) return null;
  const frames = numberOfFrames(parsed);
  const frameSize = expectedNativeBytes({ ...i, numberOfFrames: 1 });
  const samplesPerFrame = frameSize / (bits / 8);
  if (samplesPerFrame % (i.rows * i.columns) !== 0) return null;
  // Samples of a frame form one image; interleaved colour samples widen it (exactly invertible).
  const width = i.columns * (samplesPerFrame / (i.rows * i.columns));
  const height = i.rows;
  const header: Header = { pixelOffset: px.offset, frames, frameSize, width, height, bits, originalSize: original.length, codec };
  // frames are coded side by side on the codec threads
  const coded = await Promise.all(Array.from({ length: frames }, (_, f) =>
    encodeLosslessFrame(codec, original.subarray(px.offset + f * frameSize, px.offset + (f + 1) * frameSize), { width, height, bitsPerSample: bits, componentCount: 1, interleaveMode: 0 })));
  const parts = coded.flatMap((codestream) => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(codestream.length);
    return [length, codestream];
  });
  const json = Buffer.from(JSON.stringify(header));
  const lead = Buffer.alloc(9);
  MAGIC.copy(lead, 0);
  lead[4] = VERSION;
  lead.writeUInt32LE(json.length, 5);
  const container = Buffer.concat([lead, json, original.subarray(0, px.offset), ...parts, original.subarray(px.offset + frames * frameSize)]);
  if (container.length >= original.length * 0.95) return null;
  const restored = await restoreFromStorage(container);
  if (!Buffer.from(restored.buffer, restored.byteOffset, restored.byteLength).equals(Buffer.from(original.buffer, original.byteOffset, original.byteLength))) return null;
  return container;
}

/** A container's JSON header (the codec filled in: JPEG-LS for containers that name none). */
function readHeader(stored: Uint8Array): { buf: Buffer; header: Header & { codec: StorageCodec }; jsonLength: number } {
  const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (buf[4] !== VERSION) throw new Error(`storage container version ${buf[4]} is not supported`);
  const jsonLength = buf.readUInt32LE(5);
  const header = JSON.parse(buf.subarray(9, 9 + jsonLength).toString('utf8')) as Header;
  const codec = header.codec ?? 'jpeg-ls';
  if (!STORAGE_CODECS.includes(codec)) throw new Error(`storage container codec ${String(codec)} is not supported`);
  return { buf, header: { ...header, codec }, jsonLength };
}

/** What a container holds, without decoding anything: the coding of its frames and each frame's
 *  codestream (views into `stored`). Null for stored bytes that are not a container. */
export function containerFrames(stored: Uint8Array): { codec: StorageCodec; width: number; height: number; bits: 8 | 16; frames: Uint8Array[] } | null {
  if (!isStorageContainer(stored)) return null;
  const { buf, header, jsonLength } = readHeader(stored);
  let pos = 9 + jsonLength + header.pixelOffset;
  const frames: Uint8Array[] = [];
  for (let f = 0; f < header.frames; f++) {
    if (pos + 4 > buf.length) throw new Error('storage container is truncated');
    const length = buf.readUInt32LE(pos);
    if (pos + 4 + length > buf.length) throw new Error('storage container is truncated');
    frames.push(buf.subarray(pos + 4, pos + 4 + length));
    pos += 4 + length;
  }
  return { codec: header.codec, width: header.width, height: header.height, bits: header.bits, frames };
}

/** Frames (0-based) of a container, decoded: exactly the original file's bytes of those frames
 *  (native little endian), without restoring the rest of the file. */
export async function decodeContainerFrames(stored: Uint8Array, indices: number[]): Promise<Uint8Array[]> {
  const coded = containerFrames(stored);
  if (!coded) throw new Error('not a storage container');
  const { header } = readHeader(stored);
  return Promise.all(indices.map(async (i) => {
    const codestream = coded.frames[i];
    if (!codestream) throw new Error(`storage container has no frame ${i}`);
    const decoded = await decodeLosslessFrame(coded.codec, codestream);
    if (decoded.length !== header.frameSize) throw new Error('storage container frame decodes to the wrong size');
    return decoded;
  }));
}

/**
 * The original file from stored bytes (a container is decoded; anything else is returned as is).
 * With `pixels: false` the pixel frames are left zero-filled instead of decoded (same size and
 * layout: enough for metadata, and ~10 ms per 512² slice cheaper).
 */
export async function restoreFromStorage(stored: Uint8Array, options: { pixels?: boolean } = {}): Promise<Uint8Array> {
  if (!isStorageContainer(stored)) return stored;
  const { buf, header, jsonLength } = readHeader(stored);
  const pixels = options.pixels !== false;
  // Unfilled memory is safe only when every byte is written below: decoded frames are.
  const out = pixels ? Buffer.allocUnsafe(header.originalSize) : Buffer.alloc(header.originalSize);
  let pos = 9 + jsonLength;
  buf.copy(out, 0, pos, pos + header.pixelOffset);
  pos += header.pixelOffset;
  const codestreams: Uint8Array[] = [];
  for (let f = 0; f < header.frames; f++) {
    const length = buf.readUInt32LE(pos);
    codestreams.push(buf.subarray(pos + 4, pos + 4 + length));
    pos += 4 + length;
  }
  const tailOffset = header.pixelOffset + header.frames * header.frameSize;
  if (buf.length - pos !== header.originalSize - tailOffset) throw new Error('storage container is truncated or has trailing bytes');
  buf.copy(out, tailOffset, pos);
  if (pixels) {
    await Promise.all(codestreams.map(async (codestream, f) => {
      const decoded = await decodeLosslessFrame(header.codec, codestream);
      if (decoded.length !== header.frameSize) throw new Error('storage container frame decodes to the wrong size');
      out.set(decoded, header.pixelOffset + f * header.frameSize);
    }));
  }
  return out;
}
