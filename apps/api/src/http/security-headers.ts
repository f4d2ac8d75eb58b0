// Security headers on every API answer (helmet). The API serves JSON, DICOM and images, never pages
// to run: a CSP that allows nothing, no framing, no MIME sniffing, no referrer; HSTS only when the
// request came over TLS (directly or through a trusted proxy), since over http it means nothing.
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

const headers = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-site' },
  xFrameOptions: { action: 'deny' },
});

export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  headers(req, res, next);
}
