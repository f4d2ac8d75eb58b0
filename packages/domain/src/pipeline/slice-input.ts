// A slice's model input (modality LUT to HU, resampled and windowed to the model's size) with the
// figures the domain guard and the findings need. The storage job computes it from the frame it
// has just decoded for verification and leaves it in this process's cache; the infer step takes
// it from there and reads, restores and decodes the stored file only on a miss (another worker
// process, a restart, an evicted entry, a model of another size). One cache per process, bounded
// by bytes, least recently used out first; keys carry the file's SHA-256 and the model size, so an
// entry never stands for other pixels.
import type { DecodedFrame, ParsedInstance } from '@imaging/dicom';
import { preprocessSlice, rescaleToHu, sliceStatistics, type SliceStatistics } from '@imaging/ml';

export interface SliceInput {
  /** Model input: HU resampled to size×size and windowed. */
  image: Float32Array;
  /** Position along the slice normal (ordering), or null. */
  key: number | null;
  spacing: [number, number] | null;
  thickness: number | null;
  /** HU statistics at the native grid, for the domain guard. */
  statistics: SliceStatistics;
}

function sliceKey(position: number[] | null, orientation: number[] | null): number | null {
  if (!position || position.length !== 3) return null;
  if (!orientation || orientation.length !== 6) return position[2];
  const [a, b, c, d, e, f] = orientation;
  const normal = [b * f - c * e, c * d - a * f, a * e - b * d];
  return position[0] * normal[0] + position[1] * normal[1] + position[2] * normal[2];
}

/** The model input of one decoded greyscale frame. */
export function sliceInput(parsed: ParsedInstance, frame: DecodedFrame, size: number): SliceInput {
  const px = frame.pixels;
  // the model's pixel types as they are; anything wider (32-bit, float64) as float32
  const samples = px instanceof Int16Array || px instanceof Uint16Array || px instanceof Uint8Array || px instanceof Float32Array ? px : Float32Array.from(px);
  const hu = rescaleToHu(samples, parsed.instance.rescaleSlope ?? 1, parsed.instance.rescaleIntercept ?? 0);
  return {
    image: preprocessSlice({ hu, rows: frame.rows, columns: frame.columns }, size),
    key: sliceKey(parsed.instance.imagePositionPatient, parsed.instance.imageOrientationPatient),
    spacing: parsed.instance.pixelSpacing, thickness: parsed.instance.sliceThickness,
    statistics: sliceStatistics(hu, frame.rows, frame.columns),
  };
}

/** Whether the model reads this instance (as processSeries decides per series: CT, one greyscale frame). */
export function modelReads(parsed: ParsedInstance, frames: number): boolean {
  return parsed.series.modality === 'CT' && frames === 1 && (parsed.instance.photometricInterpretation ?? '').startsWith('MONOCHROME');
}

const entries = new Map<string, SliceInput>();
let cachedBytes = 0;
let limitBytes = 64 * 1024 * 1024;

const cacheKey = (instanceId: string, sha256: string, size: number) => `${instanceId}:${sha256}:${size}`;
const bytesOf = (input: SliceInput) => input.image.byteLength + 256;

/** Sets the cache's bound (SLICE_INPUT_CACHE_MB); 0 turns the cache off. */
export function setSliceInputCacheBytes(bytes: number): void {
  limitBytes = bytes;
  evict();
}

function evict(): void {
  for (const [key, input] of entries) {
    if (cachedBytes <= limitBytes) break;
    entries.delete(key);
    cachedBytes -= bytesOf(input);
  }
}

export function rememberSliceInput(instanceId: string, sha256: string, size: number, input: SliceInput): void {
  if (limitBytes <= 0) return;
  const key = cacheKey(instanceId, sha256, size);
  const old = entries.get(key);
  if (old) cachedBytes -= bytesOf(old);
  entries.delete(key);
  entries.set(key, input);
  cachedBytes += bytesOf(input);
  evict();
}

/** The cached input, or null; a hit moves to the most recently used end. */
export function recallSliceInput(instanceId: string, sha256: string, size: number): SliceInput | null {
  const key = cacheKey(instanceId, sha256, size);
  const hit = entries.get(key);
  if (!hit) return null;
  entries.delete(key);
  entries.set(key, hit);
  return hit;
}

export function sliceInputCacheStats(): { entries: number; bytes: number; limitBytes: number } {
  return { entries: entries.size, bytes: cachedBytes, limitBytes };
}

export function clearSliceInputCache(): void {
  entries.clear();
  cachedBytes = 0;
}
