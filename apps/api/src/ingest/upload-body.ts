// Upload bodies streamed, never buffered whole: the request (optionally gzip/deflate encoded, inflated
// with a running byte count) is split into its files as it arrives (RFC 2387 multipart/related or a
// single application/dicom body). Parts stay in memory up to UPLOAD_MEMORY_BYTES per request and are
// staged in temp files beyond it; a part over MAX_INSTANCE_BYTES is counted, not kept. The work one
// request can cause is bounded before and while it is read: its declared length, its decoded length,
// the bytes every upload of this process has in flight, and the uploads one caller has open.
import { createGunzip, createInflate } from 'node:zlib';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Invalid, RateLimited, TooLarge, Unavailable, Unsupported } from '@imaging/errors';
import type { IngestFile } from '@imaging/domain';

export interface UploadLimits {
  maxUploadBytes: number;
  maxInstanceBytes: number;
  memoryBytes: number;
  /** Folder for parts staged on disk. */
  tmpDir: string;
}

export interface ReceivedPart { headers: Record<string, string>; file: IngestFile }

export interface ReceivedUpload {
  parts: ReceivedPart[];
  /** Decoded body bytes. */
  bytes: number;
  /** Removes the staged files; call once ingest is done (or failed). */
  dispose(): Promise<void>;
}

const MAX_PART_HEADER_BYTES = 16 * 1024;

/** Bytes in flight across this process's uploads, and open uploads per caller. */
export class UploadGate {
  private inflightBytes = 0;
  private readonly perCaller = new Map<string, number>();

  constructor(private readonly maxInflightBytes: number, private readonly maxPerCaller: number) {}

  get inflight(): number {
    return this.inflightBytes;
  }

  /** Admits an upload of `declaredBytes` (0 when unknown) or throws 429/503. */
  admit(caller: string, declaredBytes: number): UploadTicket {
    const open = this.perCaller.get(caller) ?? 0;
    if (open >= this.maxPerCaller) throw new RateLimited(`this caller already has ${open} uploads in progress; wait for one to finish`, 1);
    this.reserve(declaredBytes);
    this.perCaller.set(caller, open + 1);
    let reserved = declaredBytes;
    let released = false;
    return {
      grow: (totalBytes: number) => {
        if (totalBytes <= reserved) return;
        this.reserve(totalBytes - reserved);
        reserved = totalBytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.inflightBytes -= reserved;
        const left = (this.perCaller.get(caller) ?? 1) - 1;
        if (left > 0) this.perCaller.set(caller, left);
        else this.perCaller.delete(caller);
      },
    };
  }

  private reserve(bytes: number) {
    if (this.inflightBytes + bytes > this.maxInflightBytes) {
      throw new Unavailable('the server is receiving as much upload data as it accepts at once; retry shortly', 2);
    }
    this.inflightBytes += bytes;
  }
}

export interface UploadTicket {
  /** The body has reached `totalBytes` on the wire: reserve the part above the declared length. */
  grow(totalBytes: number): void;
  release(): void;
}

/** One part being received: chunks in memory while the request's memory budget allows, else a temp file. */
class PartSink {
  private chunks: Buffer[] = [];
  private handle: fs.FileHandle | null = null;
  private tempPath: string | null = null;
  sizeBytes = 0;

  constructor(private readonly limits: UploadLimits, private readonly budget: { memoryLeft: number }, private readonly temps: string[]) {}

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.limits.maxInstanceBytes) {
      // counted, not kept: ingest refuses it as PAYLOAD_TOO_LARGE without reading it
      await this.drop();
      return;
    }
    if (!this.handle && chunk.length <= this.budget.memoryLeft) {
      this.budget.memoryLeft -= chunk.length;
      this.chunks.push(chunk);
      return;
    }
    if (!this.handle) await this.spill();
    await this.handle!.write(chunk);
  }

  private async spill() {
    const dir = this.limits.tmpDir;
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    this.tempPath = path.join(dir, `${randomBytes(12).toString('hex')}.part`);
    this.temps.push(this.tempPath);
    this.handle = await fs.open(this.tempPath, 'wx', 0o600);
    for (const c of this.chunks) {
      await this.handle.write(c);
      this.budget.memoryLeft += c.length;
    }
    this.chunks = [];
  }

  private async drop() {
    for (const c of this.chunks) this.budget.memoryLeft += c.length;
    this.chunks = [];
    if (this.handle) {
      await this.handle.close();
      this.handle = null;
    }
  }

  async end(): Promise<IngestFile> {
    if (this.handle) {
      await this.handle.close();
      this.handle = null;
    }
    const sizeBytes = this.sizeBytes;
    if (sizeBytes > this.limits.maxInstanceBytes) {
      return { sizeBytes, read: () => Promise.reject(new TooLarge('part exceeds the per-instance limit')) };
    }
    if (this.tempPath) {
      const file = this.tempPath;
      return { sizeBytes, read: () => fs.readFile(file) };
    }
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, sizeBytes);
  }
}

export function boundaryOf(contentType: string): string {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new Invalid('multipart body without a boundary parameter in Content-Type');
  if (boundary.length > 70) throw new Invalid('multipart boundary longer than 70 characters (RFC 2046 §5.1.1)');
  return boundary;
}

function parseHeaders(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** Streaming RFC 2387 splitter: O(body) work, at most a boundary's length held between chunks in a body. */
export async function splitMultipartStream(
  source: AsyncIterable<Buffer>, boundary: string, newPart: (headers: Record<string, string>) => PartWriter,
): Promise<number> {
  const delimiter = Buffer.from(`--${boundary}`);
  const bodyDelimiter = Buffer.from(`\r\n--${boundary}`);
  type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State; // assigned in step(): no narrowing to the initial value
  let buf: Buffer = Buffer.alloc(0);
  let part: PartWriter | null = null;
  let parts = 0;
  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
          return false;
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return false;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          if (buf.length > 1024) throw new Invalid('multipart delimiter line is malformed');
          return false;
        }
        buf = buf.subarray(eol + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        let headers: Record<string, string>;
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          headers = {};
          buf = buf.subarray(2);
        } else {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > MAX_PART_HEADER_BYTES) throw new Invalid(`multipart part headers exceed ${MAX_PART_HEADER_BYTES} bytes`);
            return false;
          }
          headers = parseHeaders(buf.subarray(0, end));
          buf = buf.subarray(end + 4);
        }
        part = newPart(headers);
        parts++;
        state = 'body';
        return true;
      }
      case 'body': {
        const at = buf.indexOf(bodyDelimiter);
        if (at < 0) {
          const keep = bodyDelimiter.length - 1;
          if (buf.length > keep) {
            await part!.write(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
          }
          return false;
        }
        await part!.write(buf.subarray(0, at));
        await part!.end();
        part = null;
        buf = buf.subarray(at + bodyDelimiter.length);
        state = 'after-delimiter';
        return true;
      }
      default:
        return false;
    }
  };
  for await (const chunk of source) {
    if (state === 'done') continue; // the epilogue is ignored (RFC 2046 §5.1.1)
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (await step());
  }
  if (state === 'preamble') throw new Invalid('multipart body does not contain its boundary');
  if (state !== 'done') throw new Invalid('multipart body is truncated: closing boundary missing');
  if (parts === 0) throw new Invalid('multipart body has no parts');
  return parts;
}

export interface PartWriter { write(chunk: Buffer): Promise<void>; end(): Promise<void> }

/** The decoded body of a request: Content-Encoding gzip/deflate inflated with a running limit. */
async function* decodedBody(req: Readable & { headers: Record<string, string | string[] | undefined> }, limits: UploadLimits, ticket: UploadTicket, counter: { bytes: number }) {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let wire = 0;
  const countWire = async function* (stream: AsyncIterable<Buffer>) {
    for await (const chunk of stream) {
      wire += chunk.length;
      if (wire > limits.maxUploadBytes) throw new TooLarge(`request body exceeds the limit of ${limits.maxUploadBytes} bytes`);
      ticket.grow(wire);
      yield chunk;
    }
  };
  let stream: AsyncIterable<Buffer>;
  if (encoding === 'identity' || encoding === '') stream = countWire(req);
  else if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const inflater = encoding === 'deflate' ? createInflate() : createGunzip();
    const wireChunks = countWire(req);
    // feed the inflater from the counted wire stream; errors of either side end the iteration
    (async () => {
      try {
        for await (const chunk of wireChunks) {
          if (!inflater.write(chunk)) await new Promise((resolve) => inflater.once('drain', resolve));
        }
        inflater.end();
      } catch (e) {
        inflater.destroy(e as Error);
      }
    })();
    stream = inflater;
  } else {
    throw new Unsupported(`Content-Encoding ${encoding} is not supported: send identity, gzip or deflate`);
  }
  for await (const chunk of stream) {
    counter.bytes += chunk.length;
    if (counter.bytes > limits.maxUploadBytes) throw new TooLarge(`decoded request body exceeds the limit of ${limits.maxUploadBytes} bytes`);
    yield chunk as Buffer;
  }
}

/**
 * Reads an upload. `multipart` bodies are split into parts; anything else is one file. Throws a
 * typed error (413, 415, 400) and removes every staged file when the body is refused or breaks off.
 */
export async function receiveUpload(
  req: Readable & { headers: Record<string, string | string[] | undefined> }, contentType: string, limits: UploadLimits, ticket: UploadTicket,
): Promise<ReceivedUpload> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxUploadBytes) {
    throw new TooLarge(`request body of ${declared} bytes exceeds the limit of ${limits.maxUploadBytes} bytes`);
  }
  const temps: string[] = [];
  const dispose = async () => {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
  };
  const budget = { memoryLeft: limits.memoryBytes };
  const counter = { bytes: 0 };
  const parts: ReceivedPart[] = [];
  try {
    const body = decodedBody(req, limits, ticket, counter);
    const multipart = /^multipart\//i.test(contentType.trim());
    if (multipart) {
      const boundary = boundaryOf(contentType);
      await splitMultipartStream(body, boundary, (headers) => {
        const sink = new PartSink(limits, budget, temps);
        return {
          write: (chunk) => sink.write(chunk),
          end: async () => { parts.push({ headers, file: await sink.end() }); },
        };
      });
    } else {
      const sink = new PartSink(limits, budget, temps);
      for await (const chunk of body) await sink.write(chunk);
      parts.push({ headers: { 'content-type': contentType }, file: await sink.end() });
    }
    return { parts, bytes: counter.bytes, dispose };
  } catch (e) {
    await dispose();
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw new Invalid('request body is not valid for its Content-Encoding');
    }
    if ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as Error).message === 'aborted') {
      throw new Invalid('the upload was interrupted before its end');
    }
    throw e;
  }
}
