// Blob storage behind one interface, with two drivers: the filesystem (the default) and any
// S3-compatible object store. Both keep the same guarantees, which the callers rely on:
// - keys are content addresses (contentKey), so a key's bytes never change and a second put of a
//   key is a no-op (`written: false`);
// - put resolves only once the bytes are durable and a failed put leaves nothing under the key,
//   so ingest may commit its index rows after it (an unreferenced blob is at worst left to
//   sweepOrphanBlobs, never a row without its file);
// - putStream writes a blob of unknown length from an async iterable, with put's durability; if the
//   iterable throws (the producer gave up: a bound passed) or the store fails, the write is
//   aborted and nothing is left under the key (a temp file removed, a multipart upload aborted);
// - list() yields every stored key with its modification time, for that sweep;
// - getRange() reads a byte range without reading the whole blob.
// Failures are typed (@imaging/errors): NOT_FOUND for a missing key, RANGE_NOT_SATISFIABLE for a
// range past the end, BAD_USER_INPUT for a key outside the pattern, SERVICE_UNAVAILABLE when the
// store does not answer or refuses (a retry later can succeed).
import path from 'node:path';
import { FileBlobStore } from './file-blob-store';
import { S3BlobStore, type S3Settings } from './s3-blob-store';

export { FileBlobStore } from './file-blob-store';
export { S3BlobStore, type S3Settings } from './s3-blob-store';

export interface StoredBlob {
  key: string;
  modifiedAt: Date;
  sizeBytes: number;
}

export interface BlobStore {
  /** Writes bytes under key unless the key already exists; returns whether it wrote. */
  put(key: string, bytes: Uint8Array): Promise<{ written: boolean }>;
  /**
   * Writes the chunks of `source` under a key that must not exist yet (CONFLICT otherwise; made for
   * new keys such as an export's archive, not content keys). Memory holds a chunk at a time (the
   * S3 driver: its part buffers). Resolves once the whole blob is durable; if `source` throws,
   * that error is rethrown after the write was aborted.
   */
  putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number }>;
  get(key: string): Promise<Buffer>;
  /** Bytes `start` to `end` inclusive (RFC 9110 §14.1.2 numbering); `end` past the blob is clamped. */
  getRange(key: string, start: number, end: number): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys with their modification time, for maintenance sweeps. */
  list(): AsyncIterable<StoredBlob>;
  /** Checks the store is writable (readiness probe). */
  check(): Promise<void>;
}

/** Content address of a DICOM file: sha256 hex spread over two directory levels. */
export function contentKey(sha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new Error('content key needs a sha256 hex digest');
  return `sha256/${sha256Hex.slice(0, 2)}/${sha256Hex.slice(2, 4)}/${sha256Hex}`;
}

export interface BlobStoreOptions {
  driver?: 'fs' | 's3';
  /** Root folder of the filesystem driver. */
  storageDir: string;
  /** Bucket and endpoint of the s3 driver; required when driver is 's3'. */
  s3?: S3Settings | null;
}

export function createBlobStore(options: BlobStoreOptions): BlobStore {
  if ((options.driver ?? 'fs') === 'fs') return new FileBlobStore(path.resolve(options.storageDir));
  if (!options.s3) throw new Error('STORAGE_DRIVER=s3 needs S3_BUCKET');
  return new S3BlobStore(options.s3);
}
