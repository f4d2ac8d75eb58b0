// One place maps errors to HTTP: typed AppErrors keep their code and message; anything else is a
// 500 with a generic message (details go to the log with the request id, never to the client).
import type { Request, Response, NextFunction } from 'express';
import { AppError, isAppError, TooLarge, Invalid } from '@imaging/errors';
import type { Logger } from '@imaging/logger';

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

export function errorHandler(log: Logger) {
  return (e: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(e);
    if (appError) {
      const retryAfter = appError.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') res.setHeader('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
      res.status(appError.httpStatus).json(errorBody(appError, req.requestId));
      return;
    }
    log.error({ requestId: req.requestId, err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error; quote the request id when reporting it', requestId: req.requestId } });
  };
}
