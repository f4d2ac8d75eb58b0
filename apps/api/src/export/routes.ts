// GET /api/exports/:id/archive: the zip of a finished de-identified export (admins; audited in the
// domain), streamed from the blob store in ranges so a large archive never sits whole in memory.
import express, { type Router } from 'express';
import { openExportArchive, type Services } from '@imaging/domain';
import { domainContext } from '../http/request-context';

const CHUNK = 8 * 1024 * 1024;

export function exportRouter(services: Services): Router {
  const router = express.Router();
  router.get('/api/exports/:id/archive', async (req, res) => {
    const archive = await openExportArchive(domainContext(services, req), String(req.params.id));
    res.setHeader('content-type', 'application/zip');
    res.setHeader('content-length', String(archive.size));
    res.setHeader('content-disposition', `attachment; filename="${archive.filename}"`);
    res.setHeader('cache-control', 'private, no-store');
    for (let start = 0; start < archive.size; start += CHUNK) {
      const chunk = await archive.read(start, Math.min(archive.size, start + CHUNK) - 1);
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
    }
    res.end();
  });
  return router;
}
