// POST /api/instances: one DICOM file (application/dicom) or several (multipart/related).
// The route only streams the body (upload-body.ts) and calls ingestInstances (DESIGN.md rule 4).
import express, { type Router } from 'express';
import { ingestInstances, type IngestFile, type IngestResult, type Services } from '@imaging/domain';
import { Unsupported, Unauthenticated, HTTP_STATUS, type ErrorCode } from '@imaging/errors';
import type { Metrics } from '@imaging/metrics';
import { domainContext } from '../http/request-context';
import type { ReceivedUpload } from './upload-body';
import type { UploadReceiver } from './upload-receiver';

function uploadKind(contentType: string): 'single' | 'multipart' {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/dicom') return 'single';
  if (type === 'multipart/related') return 'multipart';
  throw new Unsupported(`Content-Type ${type || '(none)'} is not supported: use application/dicom or multipart/related; type="application/dicom"`);
}

/** The DICOM files of an upload: one application/dicom body (an empty one is an empty file, which
 *  ingest refuses as EMPTY_FILE), or the application/dicom parts of a multipart/related one. */
export function filesOf(kind: 'single' | 'multipart', upload: ReceivedUpload): IngestFile[] {
  if (kind === 'single') return upload.parts.map((p) => p.file);
  return upload.parts.map((p) => {
    const partType = (p.headers['content-type'] ?? 'application/dicom').split(';')[0].trim().toLowerCase();
    if (partType !== 'application/dicom') throw new Unsupported(`part of type ${partType} is not supported: parts must be application/dicom`);
    return p.file;
  });
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

export function ingestRouter(services: Services, metrics: Metrics, receiveUpload: UploadReceiver): Router {
  const router = express.Router();
  router.post('/api/instances', async (req, res, next) => {
    try {
      // Refuse anonymous callers and unsupported types before reading a possibly large body.
      if (req.principal.kind === 'anonymous') throw new Unauthenticated();
      const kind = uploadKind(req.header('content-type') ?? '');
      const upload = await receiveUpload(req);
      let results: IngestResult[];
      try {
        results = await ingestInstances(domainContext(services, req), filesOf(kind, upload));
      } finally {
        await upload.dispose();
      }
      metrics.recordIngestResults(results);
      res.status(statusFor(results)).json({ requestId: req.requestId, results });
    } catch (e) {
      next(e);
    }
  });
  return router;
}
