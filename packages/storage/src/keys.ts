// The keys either driver accepts: path segments of safe characters, never `..`, so a key can
// neither leave the filesystem root nor smuggle query syntax into an S3 request.
import { Invalid } from '@imaging/errors';

const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const MAX_KEY_LENGTH = 512;

export function checkKey(key: string): string {
  if (key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key) || key.split('/').some((s) => s === '..' || s === '.')) {
    throw new Invalid('invalid blob key');
  }
  return key;
}

/** A range of non-negative integers, first byte not after the last (whether it fits the blob is the driver's to check). */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new Invalid(`invalid byte range ${start}-${end}`);
  }
}
