// DICOMweb (PS3.18) beside the GraphQL API, with the same authentication: STOW-RS, QIDO-RS and
// WADO-RS. Each handler parses the request and calls one domain use case (DESIGN.md rule 4).
import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { ingestInstances, searchDicomWeb, retrieveInstances, retrieveMetadata, retrieveFrames, renderInstance, type Services, type IngestResult } from '@imaging/domain';
import { attr, isWindowPresetName, WINDOW_PRESET_NAMES, WINDOW_PRESETS, type Window } from '@imaging/dicom';
import { Invalid, Unauthenticated, AppError } from '@imaging/errors';
import type { Metrics } from '@imaging/metrics';
import { domainContext } from '../http/request-context';
import type { UploadReceiver } from '../ingest/upload-receiver';
import { notModified, sendDicomJson, sendMultipart, sendRanged } from './responses';
import { frameRepresentations, instanceRepresentations } from './negotiate';
import { wadoUriHandler } from './wado-uri';

const UID = /^[0-9A-Za-z.\-_]{1,64}$/;

function uidParam(req: Request, name: string): string {
  const value = String(req.params[name] ?? '');
  if (!UID.test(value)) throw new Invalid(`${name} is not a valid UID`);
  return value;
}

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host')}/dicom-web`;
}

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);

/** STOW-RS failure reasons (PS3.18 Table 10.5.3-2 / PS3.4 Annex GG). */
function failureReason(r: IngestResult): number {
  if (r.status === 'conflict') return 0x0111; // Duplicate SOP Instance (different content)
  if (r.error?.code === 'PAYLOAD_TOO_LARGE' || r.error?.code === 'SERVICE_UNAVAILABLE') return 0xa700; // Out of resources
  if (r.error?.code === 'STUDY_MISMATCH') return 0xa900; // Data set does not match the request
  return 0xc000; // Cannot understand
}

export function dicomWebRouter(services: Services, metrics: Metrics, receiveUpload: UploadReceiver): Router {
  const router = express.Router();
  router.use('/dicom-web', (req, _res, next) => next(req.principal.kind === 'anonymous' ? new Unauthenticated() : undefined));

  const stow: Handler = async (req, res) => {
    const contentType = req.header('content-type') ?? '';
    if (!/^multipart\/related/i.test(contentType)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'STOW-RS takes multipart/related; type="application/dicom"');
    const study = req.params.study ? uidParam(req, 'study') : undefined;
    const upload = await receiveUpload(req);
    let results: IngestResult[];
    try {
      results = await ingestInstances(domainContext(services, req), upload.parts.map((p) => p.file), { expectedStudyInstanceUid: study });
    } finally {
      await upload.dispose();
    }
    metrics.recordIngestResults(results);
    const base = baseUrl(req);
    const ok = results.filter((r) => r.status === 'stored' || r.status === 'duplicate');
    const failed = results.filter((r) => !ok.includes(r));
    const body: Record<string, unknown> = {};
    const studies = [...new Set(ok.map((r) => r.studyInstanceUid))];
    if (studies.length === 1) body['00081190'] = attr('UR', `${base}/studies/${studies[0]}`);
    if (ok.length) {
      body['00081199'] = { vr: 'SQ', Value: ok.map((r) => ({
        '00081150': attr('UI', r.sopClassUid), '00081155': attr('UI', r.sopInstanceUid),
        '00081190': attr('UR', `${base}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}/instances/${r.sopInstanceUid}`),
      })) };
    }
    if (failed.length) {
      body['00081198'] = { vr: 'SQ', Value: failed.map((r) => ({
        '00081150': attr('UI', r.sopClassUid), '00081155': attr('UI', r.sopInstanceUid), '00081197': attr('US', failureReason(r)),
        // Not a standard attribute: the precise reason, for people reading the response.
        '00091001': attr('LO', `${r.error?.code}: ${r.error?.message}`.slice(0, 64)),
      })) };
    }
    sendDicomJson(req, res, failed.length === 0 ? 200 : ok.length ? 202 : 409, body);
  };
  router.post('/dicom-web/studies', wrap(stow));
  router.post('/dicom-web/studies/:study', wrap(stow));

  const qido = (level: 'STUDY' | 'SERIES' | 'INSTANCE'): Handler => async (req, res) => {
    const params = Object.entries(req.query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, String(x)] as [string, string]));
    const results = await searchDicomWeb(domainContext(services, req), {
      level, params, baseUrl: baseUrl(req),
      studyInstanceUid: req.params.study ? uidParam(req, 'study') : undefined,
      seriesInstanceUid: req.params.series ? uidParam(req, 'series') : undefined,
    });
    sendDicomJson(req, res, 200, results);
  };
  router.get('/dicom-web/studies', wrap(qido('STUDY')));
  router.get('/dicom-web/series', wrap(qido('SERIES')));
  router.get('/dicom-web/instances', wrap(qido('INSTANCE')));
  router.get('/dicom-web/studies/:study/series', wrap(qido('SERIES')));
  router.get('/dicom-web/studies/:study/instances', wrap(qido('INSTANCE')));
  router.get('/dicom-web/studies/:study/series/:series/instances', wrap(qido('INSTANCE')));

  const target = (req: Request) => ({
    study: uidParam(req, 'study'),
    series: req.params.series ? uidParam(req, 'series') : undefined,
    instance: req.params.instance ? uidParam(req, 'instance') : undefined,
  });

  // WADO-RS retrieve (PS3.18 §10.4.1): transfer syntax from Accept, transcoded where asked.
  const wado: Handler = async (req, res) => {
    const representations = instanceRepresentations(req.header('accept'));
    const instances = await retrieveInstances(domainContext(services, req), target(req), representations);
    res.setHeader('Vary', 'Accept');
    if (instances.length === 1) {
      const [one] = instances;
      // the original keeps its SHA-256 as ETag; a transcoded rendition is another representation
      if (notModified(req, res, one.original ? one.sha256 : `${one.sha256}-${one.transferSyntaxUid}`)) return;
      if (!one.choice.multipart) {
        sendRanged(req, res, `application/dicom; transfer-syntax=${one.transferSyntaxUid}`, await one.read());
        return;
      }
    }
    await sendMultipart(req, res, services.log, 'application/dicom', instances.map((i) => async () => ({
      contentType: `application/dicom; transfer-syntax=${i.transferSyntaxUid}`, body: await i.read(),
    })));
  };
  router.get('/dicom-web/studies/:study', wrap(wado));
  router.get('/dicom-web/studies/:study/series/:series', wrap(wado));
  router.get('/dicom-web/studies/:study/series/:series/instances/:instance', wrap(wado));

  const metadata: Handler = async (req, res) => {
    sendDicomJson(req, res, 200, await retrieveMetadata(domainContext(services, req), target(req), baseUrl(req)));
  };
  router.get('/dicom-web/studies/:study/metadata', wrap(metadata));
  router.get('/dicom-web/studies/:study/series/:series/metadata', wrap(metadata));
  router.get('/dicom-web/studies/:study/series/:series/instances/:instance/metadata', wrap(metadata));

  // Frames (PS3.18 §10.4.1.1.4), also the BulkDataURI of Pixel Data: as stored or transcoded.
  router.get('/dicom-web/studies/:study/series/:series/instances/:instance/frames/:frames', wrap(async (req, res) => {
    const numbers = String(req.params.frames).split(',').map((n) => Number(n));
    if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new Invalid('frame numbers must be positive integers, comma separated');
    const t = target(req) as { study: string; series: string; instance: string };
    const representations = frameRepresentations(req.header('accept'));
    const { choice, transferSyntaxUid, frames } = await retrieveFrames(domainContext(services, req), t, numbers, representations);
    res.setHeader('Vary', 'Accept');
    if (notModified(req, res, `${t.instance}/${numbers.join(',')}/${transferSyntaxUid}`)) return;
    const contentType = `${choice.mediaType}; transfer-syntax=${transferSyntaxUid}`;
    if (!choice.multipart && frames.length === 1) {
      sendRanged(req, res, contentType, frames[0]);
      return;
    }
    await sendMultipart(req, res, services.log, choice.mediaType, frames.map((body) => async () => ({ contentType, body })));
  }));
  // Rendered images (PS3.18 §10.4.1.1.3): ?window=center,width[,LINEAR|SIGMOID] or ?preset=lung|bone|...
  const rendered = (thumbnail: boolean): Handler => async (req, res) => {
    const t = target(req) as { study: string; series: string; instance: string };
    const png = await renderInstance(domainContext(services, req), t, {
      frame: req.params.frame ? Number(req.params.frame) : 1, window: windowParam(req),
      size: thumbnail ? { width: 128, height: 128 } : viewportParam(req),
    });
    if (notModified(req, res, `${t.instance}/${req.originalUrl.split('?')[1] ?? ''}/${thumbnail}`)) return;
    res.status(200).type('image/png').end(png);
  };
  const base = '/dicom-web/studies/:study/series/:series/instances/:instance';
  router.get(`${base}/rendered`, wrap(rendered(false)));
  router.get(`${base}/frames/:frame/rendered`, wrap(rendered(false)));
  router.get(`${base}/thumbnail`, wrap(rendered(true)));
  // WADO-URI (PS3.18 §9), same authentication and auditing as WADO-RS
  router.get('/dicom-web/wado', wrap(wadoUriHandler(services)));
  return router;
}

function windowParam(req: Request): Window | null {
  const preset = typeof req.query.preset === 'string' ? req.query.preset : null;
  if (preset) {
    // An own-key check: `WINDOW_PRESETS['constructor']` must not pass for a preset.
    if (!isWindowPresetName(preset)) throw new Invalid(`preset must be one of ${WINDOW_PRESET_NAMES.join(', ')}`);
    return WINDOW_PRESETS[preset];
  }
  if (typeof req.query.window !== 'string') return null;
  const [center, width, fn] = req.query.window.split(',');
  const w = { center: Number(center), width: Number(width), fn: (fn ?? 'LINEAR').toUpperCase() as Window['fn'] };
  if (!Number.isFinite(w.center) || !(w.width > 0) || !['LINEAR', 'SIGMOID'].includes(w.fn!)) {
    throw new Invalid('window must be center,width[,LINEAR|SIGMOID] with width > 0');
  }
  return w;
}

function viewportParam(req: Request): { width: number; height: number } | undefined {
  if (typeof req.query.viewport !== 'string') return undefined;
  const [width, height] = req.query.viewport.split(',').map(Number);
  if (!(width > 0 && height > 0 && width <= 4096 && height <= 4096)) throw new Invalid('viewport must be width,height (1 to 4096)');
  return { width, height };
}
