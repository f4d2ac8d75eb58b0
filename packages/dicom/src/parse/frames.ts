// Frame extraction in the stored transfer syntax (PS3.5 §8.2 native, §A.4 encapsulated):
// used by WADO-RS /frames without decoding.
import { DicomError } from './errors';
import { expectedNativeBytes } from './pixel-checks';
import { frameFragments, joinFragments } from './frame-index';
import type { ParsedInstance } from './parse-instance';
import type { Fragment } from './structure';

const frameIndexes = new WeakMap<ParsedInstance, Fragment[][]>();

export function numberOfFrames(parsed: ParsedInstance): number {
  return parsed.instance.numberOfFrames && parsed.instance.numberOfFrames > 0 ? parsed.instance.numberOfFrames : 1;
}

/** Bytes of frame `index` (0-based), native or compressed as stored. */
export function frameBytes(parsed: ParsedInstance, index: number): Uint8Array {
  const px = parsed.pixelData;
  if (!px) throw new DicomError('PIXEL_DATA_INVALID', 'the instance has no pixel data');
  const frames = numberOfFrames(parsed);
  if (!Number.isInteger(index) || index < 0 || index >= frames) throw new DicomError('PIXEL_DATA_INVALID', `frame ${index + 1} does not exist (the instance has ${frames})`);
  if (!px.encapsulated) {
    const frameSize = expectedNativeBytes({ ...parsed.instance, numberOfFrames: 1 });
    // 1-bit frames need not end on a byte boundary (PS3.5 §8.1.1); callers unpack those from the
    // whole value (decodeFrame does), so only byte-aligned ones are cut here.
    if (parsed.instance.bitsAllocated === 1 && ((parsed.instance.rows ?? 0) * (parsed.instance.columns ?? 0) * (parsed.instance.samplesPerPixel ?? 1)) % 8 !== 0) {
      throw new DicomError('PIXEL_DATA_INVALID', 'bit-packed frames are not byte aligned; decode them instead of cutting them');
    }
    const start = px.offset + index * frameSize;
    return px.source.subarray(start, start + frameSize);
  }
  // the index is built once per parsed instance: reading every frame stays O(fragments)
  let perFrame = frameIndexes.get(parsed);
  if (!perFrame) {
    perFrame = frameFragments(px, frames, parsed.transferSyntax.codestream);
    frameIndexes.set(parsed, perFrame);
  }
  return joinFragments(px.source, perFrame[index]);
}
