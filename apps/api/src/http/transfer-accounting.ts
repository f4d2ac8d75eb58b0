// Bytes sent per study (StudyTransfer) for the cost accounting: counts the body bytes of every
// /dicom-web/** and /api/instances/** response that names a study, as written to the socket (after
// the routes' own gzip/brotli), and records them once the response has finished. WADO-RS paths
// carry the Study Instance UID, WADO-URI its studyUID parameter; /api/instances/{sop}/... is
// resolved from the SOP Instance UID.
// Only GET responses below 400 are counted (not refusals, not ingest).
import type { NextFunction, Request, Response } from 'express';
import { recordStudyTransfer, type Services, type TransferSubject } from '@imaging/domain';

const WADO_STUDY = /^\/dicom-web\/studies\/([^/?]+)(?:\/|$)/;
const INSTANCE = /^\/api\/instances\/([^/?]+)\/./;

/** The study a request belongs to, or null when it names none (QIDO searches, STOW). */
export function transferSubject(method: string, path: string, query: Record<string, unknown> = {}): TransferSubject | null {
  if (method !== 'GET') return null;
  if (path === '/dicom-web/wado' && typeof query.studyUID === 'string' && query.studyUID) return { studyInstanceUid: query.studyUID };
  const study = WADO_STUDY.exec(path);
  if (study) return { studyInstanceUid: decodeURIComponent(study[1]) };
  const instance = INSTANCE.exec(path);
  if (instance) return { sopInstanceUid: decodeURIComponent(instance[1]) };
  return null;
}

function chunkBytes(chunk: unknown, encoding?: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

export function transferAccounting(services: Services) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let subject: TransferSubject | null;
    try {
      subject = transferSubject(req.method, req.path, req.query as Record<string, unknown>);
    } catch {
      subject = null; // a malformed %-escape: the route answers it, nothing to count
    }
    if (!subject) return next();
    let bytes = 0;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      bytes += chunkBytes(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      bytes += chunkBytes(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as Response['end'];
    res.once('finish', () => {
      if (res.statusCode >= 400) return;
      recordStudyTransfer(services, subject, bytes).catch((e: Error) => {
        services.log.warn({ requestId: req.requestId, err: e.message }, 'transfer accounting failed');
      });
    });
    next();
  };
}
