// One place maps errors to HTTP: typed AppErrors keep their code and message; anything else is a
// 500 with a generic message (details go to the log with the request id, never to the client).
import type { Request, Response, NextFunction } from 'express';
import { AppError, isAppError, TooLarge, Invalid } from '@imaging/errors';
import type { Logger } from '@imaging/logger';
import type { DeniedAccessAudit } from '@imaging/domain';

export function toAppError(e: unknown): AppError | null {
  if (isAppError(e)) return e;
  const err = e as { type?: string; status?: number; limit?: number };
  if (err?.type === 'entity.too.large') return new TooLarge(`request body exceeds the limit of ${err.limit} bytes`);
  if (err?.type === 'entity.parse.failed') return new Invalid('request body is not valid JSON');
  if (err?.status === 400) return new Invalid('malformed request');
  return null;
}

export function errorBody(e: AppError, requestId: string) {
  return { error: { code: e.code, message: e.message, requestId, ...(e.details ? { details: e.details } : {}) } };
}

/** What a denied request is audited under: its route pattern, never the raw path (it may hold UIDs). */
function operationOf(req: Request): string {
  const route = (req.route as { path?: string } | undefined)?.path;
  return `${req.method} ${route ?? `/${req.path.split('/')[1] ?? ''}`}`;
}

export function errorHandler(log: Logger, denied?: DeniedAccessAudit) {
  return (e: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(e);
    if (appError) {
      if (denied && (appError.code === 'UNAUTHENTICATED' || appError.code === 'FORBIDDEN')) {
        denied.record({ principal: req.principal ?? { kind: 'anonymous' }, clientAddress: req.ip ?? null, operation: operationOf(req), code: appError.code, requestId: req.requestId });
      }
      const retryAfter = appError.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') res.setHeader('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
      res.status(appError.httpStatus).json(errorBody(appError, req.requestId));
      return;
    }
    log.error({ requestId: req.requestId, err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error; quote the request id when reporting it', requestId: req.requestId } });
  };
}
