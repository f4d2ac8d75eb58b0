// POST /api/instances: one DICOM file (application/dicom) or several (multipart/related).
// The route only reads the body and calls ingestInstances (DESIGN.md rule 4).
import express, { type Router } from 'express';
import { ingestInstances, type IngestResult, type Services } from '@imaging/domain';
import { Unsupported, Invalid, Unauthenticated, HTTP_STATUS, type ErrorCode } from '@imaging/errors';
import type { Metrics } from '@imaging/metrics';
import { domainContext } from '../http/request-context';
import { boundaryOf, splitMultipart } from './multipart';

export function filesFromBody(contentType: string, raw: unknown): Buffer[] {
  // An empty application/dicom body is an (empty) file: ingest refuses it as EMPTY_FILE.
  const body = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/dicom') return [body];
  if (body.length === 0) throw new Invalid('request body is empty: send DICOM files');
  if (type === 'multipart/related') {
    const parts = splitMultipart(body, boundaryOf(contentType));
    if (parts.length === 0) throw new Invalid('multipart body has no parts');
    return parts.map((p) => {
      const partType = (p.headers['content-type'] ?? 'application/dicom').split(';')[0].trim().toLowerCase();
      if (partType !== 'application/dicom') throw new Unsupported(`part of type ${partType} is not supported: parts must be application/dicom`);
      return p.body;
    });
  }
  throw new Unsupported(`Content-Type ${type || '(none)'} is not supported: use application/dicom or multipart/related; type="application/dicom"`);
}

/** 200 when every file was stored (or already was), 207 when some failed, else the failure's status. */
export function statusFor(results: IngestResult[]): number {
  const failures = results.filter((r) => r.status === 'failed' || r.status === 'conflict');
  if (failures.length === 0) return 200;
  if (failures.length < results.length) return 207;
  const codes = new Set(failures.map((f) => f.error?.code ?? 'CONFLICT'));
  if (codes.size === 1) {
    const code = [...codes][0] as ErrorCode;
    return HTTP_STATUS[code] ?? 422;
  }
  return 422;
}

export function ingestRouter(services: Services, metrics: Metrics): Router {
  const router = express.Router();
  router.post(
    '/api/instances',
    // Refuse anonymous callers before reading a possibly large body.
    (req, _res, next) => next(req.principal.kind === 'anonymous' ? new Unauthenticated() : undefined),
    express.raw({ type: () => true, limit: services.config.maxUploadBytes }),
    async (req, res, next) => {
      try {
        const files = filesFromBody(req.header('content-type') ?? '', req.body);
        const results = await ingestInstances(domainContext(services, req), files);
        metrics.recordIngestResults(results);
        res.status(statusFor(results)).json({ requestId: req.requestId, results });
      } catch (e) {
        next(e);
      }
    },
  );
  return router;
}
