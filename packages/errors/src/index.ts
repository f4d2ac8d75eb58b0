// The small set of typed errors every layer throws (STYLE.md "errors as data"). Each has a stable
// `code`; apps/api maps them once to GraphQL `extensions.code` and HTTP status. Messages are for
// people and never carry patient data or stack traces.
export type ErrorCode =
  | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT' | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE' | 'UNPROCESSABLE_DICOM' | 'INTERNAL_SERVER_ERROR' | 'SERVICE_UNAVAILABLE'
  | 'NOT_ACCEPTABLE' | 'RANGE_NOT_SATISFIABLE' | 'RATE_LIMITED' | 'BAD_GATEWAY';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_DICOM: 422,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  NOT_ACCEPTABLE: 406,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  BAD_GATEWAY: 502,
};

export class AppError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export class Unauthenticated extends AppError {
  constructor(message = 'authentication required: log in or send an API key as "Authorization: Bearer <key>"') {
    super('UNAUTHENTICATED', message);
  }
}
export class Forbidden extends AppError {
  constructor(message: string) { super('FORBIDDEN', message); }
}
export class NotFound extends AppError {
  constructor(what: string) { super('NOT_FOUND', `${what} not found`); }
}
export class Invalid extends AppError {
  constructor(message: string, details?: Record<string, unknown>) { super('BAD_USER_INPUT', message, details); }
}
export class Conflict extends AppError {
  constructor(message: string, details?: Record<string, unknown>) { super('CONFLICT', message, details); }
}
export class TooLarge extends AppError {
  constructor(message: string) { super('PAYLOAD_TOO_LARGE', message); }
}
export class Unsupported extends AppError {
  constructor(message: string) { super('UNSUPPORTED_MEDIA_TYPE', message); }
}

/** None of the representations the client accepts can be produced (HTTP 406, RFC 9110 §15.5.7). */
export class NotAcceptable extends AppError {
  constructor(message: string, details?: Record<string, unknown>) { super('NOT_ACCEPTABLE', message, details); }
}
/** A Range request none of whose ranges overlaps the content (HTTP 416, RFC 9110 §15.5.17). */
export class RangeNotSatisfiable extends AppError {
  constructor(message: string) { super('RANGE_NOT_SATISFIABLE', message); }
}

/** The caller sent too much at once (HTTP 429); `retryAfterSeconds` becomes a Retry-After header. */
export class RateLimited extends AppError {
  constructor(message: string, retryAfterSeconds: number) { super('RATE_LIMITED', message, { retryAfterSeconds }); }
}
/** The server is saturated or a dependency is down (HTTP 503); retrying later can succeed. */
export class Unavailable extends AppError {
  constructor(message: string, retryAfterSeconds?: number) { super('SERVICE_UNAVAILABLE', message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds }); }
}

/** A remote node we called (a DICOM AE) refused or failed the work (HTTP 502, RFC 9110 §15.6.3);
 *  `details.reason` says how, and what was not done. */
export class RemoteFailure extends AppError {
  constructor(message: string, details: { reason: string } & Record<string, unknown>) { super('BAD_GATEWAY', message, details); }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
