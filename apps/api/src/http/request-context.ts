// Per-request identity: a request id (echoed as X-Request-Id) and the principal from the session
// cookie (web app) or an API key in `Authorization: Bearer` (integrators).
import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import { principalFromApiKey, principalFromSession, type Principal } from '@imaging/auth';
import type { DomainContext, Services } from '@imaging/domain';
import { Unauthenticated } from '@imaging/errors';

export const SESSION_COOKIE = 'irp_session';

/** Reads one cookie from a Cookie header (RFC 6265 §5.4). */
export function readCookie(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    principal: Principal;
  }
}

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  req.requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', req.requestId);
  next();
}

/** The caller from an Authorization header (API key) or the session cookie; a bad key throws. */
export async function resolvePrincipal(services: Services, authorization: string | undefined, cookieHeader: string | undefined): Promise<Principal> {
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    const principal = m ? await principalFromApiKey(services.db, m[1]) : null;
    if (!principal) throw new Unauthenticated('the API key is invalid or revoked');
    return principal;
  }
  const token = readCookie(cookieHeader ?? '', SESSION_COOKIE);
  return (token && (await principalFromSession(services.db, token, services.config.sessionIdleMs))) || { kind: 'anonymous' };
}

/** Resolves the caller. A bad API key is refused at once (401); a stale cookie is just anonymous. */
export function authMiddleware(services: Services) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      req.principal = { kind: 'anonymous' };
      req.principal = await resolvePrincipal(services, req.header('authorization'), req.header('cookie'));
      next();
    } catch (e) {
      next(e);
    }
  };
}

export function domainContext(services: Services, req: Request): DomainContext {
  return { ...services, log: services.log.child({ requestId: req.requestId }), principal: req.principal, requestId: req.requestId, clientAddress: req.ip ?? null };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Whether the session cookie gets `Secure`: COOKIE_SECURE when set; otherwise always, except when the
 * browser reached us over plain http on a loopback host (local `npm start`). Behind the web app's
 * proxy (a trusted loopback hop) req.protocol and req.hostname come from X-Forwarded-Proto/-Host.
 */
export function cookieSecure(configured: boolean | undefined, req: Request): boolean {
  if (configured !== undefined) return configured;
  return req.protocol === 'https' || !LOOPBACK_HOSTS.has(req.hostname.toLowerCase());
}
