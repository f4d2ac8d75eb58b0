// HTTP details of DICOMweb answers: multipart/related bodies, DICOM JSON with gzip/brotli, and
// ETag / Cache-Control / 304 for immutable instance and frame content (PS3.18 §8.7, RFC 9110).
import { randomBytes } from 'node:crypto';
import { gzipSync, brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import type { Request, Response } from 'express';

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

export async function sendMultipart(res: Response, type: string, parts: { contentType: string; location?: string; body: () => Promise<Uint8Array> }[]): Promise<void> {
  const boundary = `imaging-${randomBytes(12).toString('hex')}`;
  res.status(200).setHeader('Content-Type', `multipart/related; type="${type}"; boundary=${boundary}`);
  for (const part of parts) {
    const body = await part.body();
    const headers = [`--${boundary}`, `Content-Type: ${part.contentType}`, `Content-Length: ${body.byteLength}`];
    if (part.location) headers.push(`Content-Location: ${part.location}`);
    res.write(Buffer.from(`${headers.join('\r\n')}\r\n\r\n`));
    res.write(body);
    res.write(Buffer.from('\r\n'));
  }
  res.end(Buffer.from(`--${boundary}--\r\n`));
}

/** Transfer syntaxes the client accepts for `mediaType` (from Accept), '*' for any, [] if none listed. */
export function acceptedTransferSyntaxes(req: Request, mediaType: string): string[] | null {
  const accept = req.header('accept');
  if (!accept || accept.includes('*/*')) return null;
  const found: string[] = [];
  for (const range of accept.split(',')) {
    if (!range.includes(mediaType) && !range.includes('multipart/related')) continue;
    const ts = /transfer-syntax=("?)([^";,]+)\1/.exec(range)?.[2];
    found.push(ts ?? '*');
  }
  return found.length ? found : null;
}
