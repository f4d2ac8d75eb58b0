// HTTP details of DICOMweb answers: multipart/related bodies, DICOM JSON with gzip/brotli,
// ETag / Cache-Control / 304 for immutable instance and frame content, and byte ranges of single
// bodies (PS3.18 §8.7, RFC 9110 §13.1, §14).
import { randomBytes } from 'node:crypto';
import { gzipSync, brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import type { Request, Response } from 'express';
import { RangeNotSatisfiable } from '@imaging/errors';
import type { Logger } from '@imaging/logger';

const IMMUTABLE = 'private, max-age=31536000, immutable';

export function sendDicomJson(req: Request, res: Response, status: number, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body));
  res.status(status).type('application/dicom+json');
  res.setHeader('Vary', 'Accept-Encoding');
  const accepts = req.header('accept-encoding') ?? '';
  if (json.length > 1024 && /\bbr\b/.test(accepts)) {
    res.setHeader('Content-Encoding', 'br');
    res.end(brotliCompressSync(json, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }));
  } else if (json.length > 1024 && /\bgzip\b/.test(accepts)) {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(gzipSync(json, { level: 6 }));
  } else {
    res.end(json);
  }
}

/** Answers 304 when the client already holds this immutable content; sets the caching headers. */
export function notModified(req: Request, res: Response, etag: string): boolean {
  const quoted = `"${etag}"`;
  res.setHeader('ETag', quoted);
  res.setHeader('Cache-Control', IMMUTABLE);
  const ifNoneMatch = req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '')).includes(quoted)) {
    res.status(304).end();
    return true;
  }
  return false;
}

export interface Part { contentType: string; body: Uint8Array }

/**
 * A multipart/related body whose parts are produced one at a time. The first part is produced
 * before the status line, so a failure there is still an ordinary error answer; a later failure
 * cuts the connection (the missing closing boundary tells the client the body is incomplete).
 */
export async function sendMultipart(req: Request, res: Response, log: Logger, type: string, parts: (() => Promise<Part>)[]): Promise<void> {
  const boundary = `imaging-${randomBytes(12).toString('hex')}`;
  const first = parts.length ? await parts[0]() : null;
  res.status(200).setHeader('Content-Type', `multipart/related; type="${type}"; boundary=${boundary}`);
  try {
    for (let i = 0; i < parts.length; i++) {
      const part = i === 0 ? first! : await parts[i]();
      res.write(Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType}\r\nContent-Length: ${part.body.byteLength}\r\n\r\n`));
      res.write(part.body);
      res.write(Buffer.from('\r\n'));
    }
  } catch (e) {
    log.error({ requestId: req.requestId, err: e instanceof Error ? { message: e.message } : String(e) }, 'multipart answer failed after its first part');
    res.destroy();
    return;
  }
  res.end(Buffer.from(`--${boundary}--\r\n`));
}

type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/** One `bytes=` range of RFC 9110 §14.1.2 (first-last, first-, -suffix); null: not usable. */
function parseRange(header: string, size: number): ByteRange {
  const m = /^bytes=\s*(\d*)-(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null; // other units, several ranges or garbage: ignore (§14.2)
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/**
 * One body, with byte ranges (RFC 9110 §14): `Accept-Ranges: bytes`; a satisfiable Range gives 206
 * with Content-Range, an unsatisfiable one 416; If-Range applies the Range only while the client's
 * ETag is still current (call after notModified, which sets the ETag).
 */
export function sendRanged(req: Request, res: Response, contentType: string, body: Uint8Array): void {
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', contentType);
  const header = req.header('range');
  const ifRange = req.header('if-range');
  const current = res.getHeader('ETag');
  const range = header && (!ifRange || ifRange.trim() === current) ? parseRange(header, body.byteLength) : null;
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${body.byteLength}`);
    throw new RangeNotSatisfiable(`the range "${header!.slice(0, 64)}" lies outside the ${body.byteLength} bytes of the content`);
  }
  if (!range) {
    res.status(200).end(body);
    return;
  }
  res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${body.byteLength}`);
  res.status(206).end(body.subarray(range.start, range.end + 1));
}
