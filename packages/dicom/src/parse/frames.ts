// Frame extraction in the stored transfer syntax (PS3.5 §8.2 native, §A.4 encapsulated):
// used by WADO-RS /frames without decoding.
import { DicomError } from './errors';
import { expectedNativeBytes } from './pixel-checks';
import type { ParsedInstance } from './parse-instance';

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
    if (parsed.instance.bitsAllocated === 1 && (frameSize * 8) % 8 !== 0) throw new DicomError('PIXEL_DATA_INVALID', 'bit-packed frames are not byte aligned');
    const start = px.offset + index * frameSize;
    return px.source.subarray(start, start + frameSize);
  }
  const [bot, ...fragments] = px.fragments;
  if (fragments.length === frames) return px.source.subarray(fragments[index].offset, fragments[index].offset + fragments[index].length);
  if (frames === 1) return Buffer.concat(fragments.map((f) => px.source.subarray(f.offset, f.offset + f.length)));
  // Several fragments per frame: the Basic Offset Table gives where each frame starts (PS3.5 §A.4).
  if (!bot || bot.length < frames * 4) throw new DicomError('PIXEL_DATA_INVALID', 'frames span several fragments and there is no Basic Offset Table');
  const view = new DataView(px.source.buffer, px.source.byteOffset + bot.offset, bot.length);
  const firstItem = fragments[0].offset - 8;
  const starts = Array.from({ length: frames }, (_, i) => firstItem + view.getUint32(i * 4, true));
  const end = index + 1 < frames ? starts[index + 1] : Infinity;
  return Buffer.concat(fragments.filter((f) => f.offset - 8 >= starts[index] && f.offset - 8 < end).map((f) => px.source.subarray(f.offset, f.offset + f.length)));
}
