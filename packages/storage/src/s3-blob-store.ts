// S3-compatible driver (AWS S3, MinIO, Ceph RGW, ...). S3 makes an object visible only once a
// PutObject or CompleteMultipartUpload has succeeded, and then durably: so a put that resolved is
// durable, and a put that failed (connection cut mid-body, a part refused) leaves no object under
// the key. Blobs over `partSizeBytes`, and streamed blobs that grow past it, go up as a multipart
// upload, aborted on any failure (a streamed body's own included); a process killed mid-upload
// leaves only invisible parts, which a bucket lifecycle rule (AbortIncompleteMultipartUpload,
// docs/DEPLOYING.md) removes. Credentials come from the SDK's
// default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, a web identity token, the
// instance role); this module never sees or logs them.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Conflict, NotFound, RangeNotSatisfiable, Unavailable, isAppError } from '@imaging/errors';
import type { BlobStore, StoredBlob } from './index';
import { checkKey, checkRange } from './keys';

export interface S3Settings {
  bucket: string;
  /** Endpoint URL of a non-AWS store (MinIO: http://minio:9000); unset: AWS for the region. */
  endpoint?: string | null;
  region: string;
  /** Bucket in the path (`endpoint/bucket/key`) rather than the host name: MinIO and most self-hosted stores. */
  forcePathStyle: boolean;
  /** Blobs larger than this go up in parts of this size (S3's minimum part is 5 MiB). */
  partSizeBytes?: number;
  /** Parts of one blob in flight at once. */
  partConcurrency?: number;
  /** Keys listed per request (S3 returns at most 1000). */
  listPageSize?: number;
  /** Explicit credentials (tests against a local server); unset: the SDK's default chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Longest wait for a connection, and for a stalled socket, before the request fails (then is retried). */
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSizeBytes: number;

  constructor(private readonly settings: S3Settings) {
    this.bucket = settings.bucket;
    this.partSizeBytes = Math.max(MIN_PART_BYTES, settings.partSizeBytes ?? 16 * 1024 * 1024);
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint ?? undefined,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials,
      maxAttempts: 3,
      // an idle socket, not a long transfer, is what fails a request (then retried)
      requestHandler: { connectionTimeout: settings.connectionTimeoutMs ?? 5000, socketTimeout: settings.socketTimeoutMs ?? 30_000 },
    });
  }

  async put(key: string, bytes: Uint8Array): Promise<{ written: boolean }> {
    checkKey(key);
    // Content-addressed: an object of the same size under the key holds these bytes (racing
    // writers write the same). One of another size is a torn write that a store made visible
    // (real S3 never does; s3rver does): it is replaced, never trusted.
    const found = await this.head(key, 'put');
    if (found && found.sizeBytes === bytes.byteLength) return { written: false };
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      if (body.byteLength <= this.partSizeBytes) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.byteLength }));
      } else {
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key: key, Body: body },
          partSize: this.partSizeBytes,
          queueSize: this.settings.partConcurrency ?? 4,
          leavePartsOnError: false, // abort: a failed upload leaves neither an object nor billed parts
        });
        await upload.done();
      }
    } catch (e) {
      await this.removeTorn(key, body.byteLength);
      throw storeError(e, 'put', key);
    }
    return { written: true };
  }

  async putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number }> {
    checkKey(key);
    if (await this.head(key, 'putStream')) throw new Conflict(`blob ${key} exists already`);
    // Upload reads the body part by part: a blob up to one part becomes one PutObject, a larger one
    // a multipart upload, aborted when the body fails. Memory: the parts in flight and the one filling.
    const read = { sizeBytes: 0, failed: false, error: undefined as unknown };
    const counted = async function* () {
      try {
        for await (const chunk of source) {
          read.sizeBytes += chunk.byteLength;
          yield chunk;
        }
      } catch (error) {
        read.failed = true;
        read.error = error;
        throw error;
      }
    };
    const body = Readable.from(counted(), { highWaterMark: 1 }); // one chunk read ahead, not 16
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: this.partSizeBytes,
      queueSize: this.settings.partConcurrency ?? 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      body.destroy();
      await this.removeAfterFailedStream(key);
      if (read.failed) throw read.error;
      throw storeError(e, 'putStream', key);
    }
    return { sizeBytes: read.sizeBytes };
  }

  /** The key did not exist when the stream began: whatever a failed stream left under it (a store
   *  that exposed a torn PutObject) goes. */
  private async removeAfterFailedStream(key: string): Promise<void> {
    try {
      if (await this.head(key, 'putStream')) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch {
      // the store is still failing: nothing was completed under the key, or a later sweep finds it
    }
  }

  private async head(key: string, operation: string): Promise<{ sizeBytes: number; etag: string | undefined } | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { sizeBytes: Number(out.ContentLength ?? -1), etag: out.ETag };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      // an outage is not an absence: saying "absent" would make callers rewrite or report loss
      throw storeError(e, operation, key);
    }
  }

  /** After a failed put: an object of the wrong size left under the key goes, only if it is still
   *  the one seen (If-Match), so a racing writer's complete object is never removed. */
  private async removeTorn(key: string, expectedBytes: number): Promise<void> {
    try {
      const found = await this.head(key, 'put');
      if (found && found.sizeBytes !== expectedBytes) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: found.etag }));
    } catch {
      // the store is still failing: a torn object left now is replaced by the next put of the key
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await bodyBytes(out.Body);
    } catch (e) {
      throw storeError(e, 'get', key);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    checkKey(key);
    checkRange(start, end);
    try {
      // S3 clamps a last byte past the end, like the filesystem driver, and answers 416 to a first one
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}` }));
      return rangeOf(await bodyBytes(out.Body), out.ContentRange, start, end, key);
    } catch (e) {
      throw storeError(e, 'getRange', key, { start, end });
    }
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key);
    return (await this.head(key, 'exists')) !== null;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      throw storeError(e, 'delete', key);
    }
  }

  async *list(): AsyncIterable<StoredBlob> {
    // ListObjects (v1) with the last key as marker: every S3-compatible store pages it the same way
    // without a delimiter (s3rver's v2 continuation tokens need DES, which OpenSSL 3 refuses)
    let marker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Marker: marker, MaxKeys: this.settings.listPageSize ?? 1000 }));
      } catch (e) {
        throw storeError(e, 'list', marker ?? '');
      }
      const contents = page.Contents ?? [];
      for (const o of contents) {
        if (!o.Key) continue;
        yield { key: o.Key, modifiedAt: o.LastModified ?? new Date(0), sizeBytes: Number(o.Size ?? 0) };
      }
      if (!page.IsTruncated || contents.length === 0) return;
      marker = page.NextMarker ?? contents[contents.length - 1].Key;
    }
  }

  async check(): Promise<void> {
    // a real write and delete: a read-only credential or a missing bucket fails readiness
    const probe = `.ready-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: probe, Body: Buffer.alloc(0), ContentLength: 0 }));
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe }));
    } catch (e) {
      throw storeError(e, 'check', probe);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

async function bodyBytes(body: { transformToByteArray(): Promise<Uint8Array> } | undefined): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const bytes = await body.transformToByteArray();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The requested bytes of a ranged answer. A server may ignore Range (RFC 9110 §14.2: 200 with the
 *  whole body) or send more than asked (s3rver reads `bytes=0-0` as the whole object): only the
 *  bytes asked for are returned, and an answer that starts elsewhere is refused. */
function rangeOf(body: Buffer, contentRange: string | undefined, start: number, end: number, key: string): Buffer {
  if (!contentRange) {
    if (start >= body.byteLength) throw new RangeNotSatisfiable(`bytes ${start}-${end} lie outside blob ${key}`);
    return body.subarray(start, end + 1);
  }
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
  if (!m || Number(m[1]) !== start) throw new Unavailable(`blob storage answered range "${contentRange.slice(0, 64)}" for bytes ${start}-${end} of ${key}`);
  return body.subarray(0, end - start + 1);
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Typed error for a failed S3 call; the message names the operation, key and S3 error code, never
 *  credentials or the SDK's request details. */
function storeError(e: unknown, operation: string, key: string, range?: { start: number; end: number }): Error {
  if (isAppError(e)) return e;
  const status = statusOf(e);
  const name = (e as Error).name ?? 'Error';
  if (status === 404 && (name === 'NoSuchKey' || name === 'NotFound')) return new NotFound(`blob ${key}`);
  if (status === 416 && range) return new RangeNotSatisfiable(`bytes ${range.start}-${range.end} lie outside blob ${key}`);
  const what = status ? `${name} (HTTP ${status})` : `${name}${(e as { code?: string }).code ? ` ${(e as { code?: string }).code}` : ''}`;
  const error = new Unavailable(`blob storage: ${operation} of ${key} failed: ${what}`);
  (error as Error & { cause?: unknown }).cause = e;
  return error;
}
