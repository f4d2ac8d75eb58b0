// Masks for viewers: one slice's segmentation at an annotation version, bit-packed (rows × columns
// bits, row-major, most significant bit first). Headers carry the geometry and the version.
// And a whole annotation version as a DICOM Segmentation (application/dicom), for PACS and viewers.
// And model packages (bring your own model): POST /api/models with the zip as the body; 202 with
// the upload's id, whose validation is followed in GraphQL (modelUpload(id)).
import express, { type Router } from 'express';
import { annotationSegFile, auditMaskRead, receiveModelUpload, sliceMask, type Services } from '@imaging/domain';
import { Invalid } from '@imaging/errors';
import { domainContext } from '../http/request-context';

export function aiRouter(services: Services): Router {
  const router = express.Router();
  router.get('/api/instances/:sop/mask', async (req, res) => {
    const raw = req.query.version;
    let version: number | undefined;
    if (raw !== undefined) {
      version = Number(raw);
      if (typeof raw !== 'string' || !Number.isInteger(version) || version < 0) throw new Invalid('version must be a non-negative integer');
    }
    const ctx = domainContext(services, req);
    const mask = await sliceMask(ctx, String(req.params.sop), version);
    await auditMaskRead(ctx, String(req.params.sop), mask, version);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('x-mask-rows', String(mask.rows));
    res.setHeader('x-mask-columns', String(mask.columns));
    res.setHeader('x-mask-version', String(mask.version));
    res.setHeader('x-mask-source', mask.source);
    res.setHeader('x-mask-area', String(mask.area));
    res.setHeader('cache-control', 'private, no-cache');
    res.end(Buffer.from(mask.packed.buffer, mask.packed.byteOffset, mask.packed.byteLength));
  });
  router.get('/api/annotations/:id/seg', async (req, res) => {
    const seg = await annotationSegFile(domainContext(services, req), String(req.params.id));
    res.setHeader('content-type', 'application/dicom');
    res.setHeader('content-disposition', `attachment; filename="seg-v${seg.version}-${seg.annotationId.slice(0, 8)}.dcm"`);
    res.setHeader('x-seg-sop-instance-uid', seg.sopInstanceUid);
    res.setHeader('cache-control', 'private, no-cache');
    res.end(Buffer.from(seg.bytes.buffer, seg.bytes.byteOffset, seg.bytes.byteLength));
  });
  router.post('/api/models', async (req, res) => {
    const length = req.header('content-length');
    const upload = await receiveModelUpload(domainContext(services, req), {
      fileName: String(req.query.name ?? req.header('x-file-name') ?? 'package.zip'),
      contentType: req.header('content-type') ?? '',
      declaredBytes: length !== undefined && /^\d+$/.test(length) ? Number(length) : null,
      body: req,
    });
    res.status(202).json({ requestId: req.requestId, id: upload.id, state: upload.state, sizeBytes: upload.sizeBytes, sha256: upload.sha256 });
  });
  return router;
}
