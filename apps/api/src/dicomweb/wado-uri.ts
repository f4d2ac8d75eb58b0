// WADO-URI (PS3.18 §9): GET /dicom-web/wado?requestType=WADO&studyUID=…&seriesUID=…&objectUID=…
// One instance as application/dicom (transferSyntax, default Explicit VR Little Endian, §9.1.2.2)
// or one frame rendered as image/jpeg or image/png (frameNumber, windowCenter/windowWidth,
// rows/columns, imageQuality). Parameters are checked strictly: a wrong or misplaced one is a 400
// with its name; what we do not offer (anonymize, region, annotation, presentation states) a 406.
import type { Request, Response } from 'express';
import { retrieveInstances, renderInstance, type Services } from '@imaging/domain';
import { EXPLICIT_VR_LITTLE_ENDIAN } from '@imaging/dicom';
import { Invalid, NotAcceptable } from '@imaging/errors';
import { domainContext } from '../http/request-context';
import { notModified, sendRanged } from './responses';

const UID = /^[0-9A-Za-z.\-_]{1,64}$/;
const CONTENT_TYPES = ['application/dicom', 'image/jpeg', 'image/png'] as const;
type ContentType = (typeof CONTENT_TYPES)[number];
const IMAGE_ONLY = ['frameNumber', 'windowCenter', 'windowWidth', 'rows', 'columns', 'imageQuality'];
const NOT_OFFERED = ['region', 'annotation', 'presentationUID', 'presentationSeriesUID'];
const KNOWN = new Set(['requestType', 'studyUID', 'seriesUID', 'objectUID', 'contentType', 'transferSyntax', 'anonymize', 'charset', ...IMAGE_ONLY, ...NOT_OFFERED]);

export interface WadoUriRequest {
  study: string;
  series: string;
  instance: string;
  contentType: ContentType;
  transferSyntax: string;
  frame: number;
  window: { center: number; width: number } | null;
  size?: { width: number; height: number };
  quality?: number;
}

function single(query: Request['query'], name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Invalid(`${name} must be given once`);
  return value;
}

function integer(query: Request['query'], name: string, min: number, max: number): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new Invalid(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** The first content type of the list we can produce (§9.1.2.2.1: a comma-separated list). */
function contentTypeOf(text: string | undefined): ContentType {
  if (text === undefined) return 'image/jpeg';
  const asked = text.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  if (asked.some((t) => !/^[a-z*]+\/[a-z0-9.+*-]+$/.test(t))) throw new Invalid('contentType must be a comma-separated list of media types');
  const found = asked.map((t) => (t === 'image/*' || t === '*/*' ? 'image/jpeg' : t)).find((t): t is ContentType => (CONTENT_TYPES as readonly string[]).includes(t));
  if (!found) throw new NotAcceptable(`contentType ${asked.join(', ')} cannot be given; offered: ${CONTENT_TYPES.join(', ')}`, { offered: [...CONTENT_TYPES] });
  return found;
}

export function parseWadoUri(query: Request['query']): WadoUriRequest {
  const unknown = Object.keys(query).find((k) => !KNOWN.has(k));
  if (unknown) throw new Invalid(`"${unknown.slice(0, 64)}" is not a WADO-URI parameter (PS3.18 §9.1.2)`);
  if (single(query, 'requestType') !== 'WADO') throw new Invalid('requestType must be WADO');
  const uid = (name: string) => {
    const value = single(query, name);
    if (!value) throw new Invalid(`${name} is required`);
    if (!UID.test(value)) throw new Invalid(`${name} is not a valid UID`);
    return value;
  };
  const [study, series, instance] = [uid('studyUID'), uid('seriesUID'), uid('objectUID')];
  const notOffered = NOT_OFFERED.find((k) => query[k] !== undefined);
  if (notOffered) throw new NotAcceptable(`${notOffered} is not supported by this server`);
  const anonymize = single(query, 'anonymize');
  if (anonymize !== undefined && anonymize !== 'yes') throw new Invalid('anonymize can only be "yes"');
  if (anonymize === 'yes') throw new NotAcceptable('anonymize=yes is not supported: this server gives only the stored, identified instance');
  const contentType = contentTypeOf(single(query, 'contentType'));
  const image = contentType !== 'application/dicom';
  const misplaced = image ? (query.transferSyntax !== undefined ? 'transferSyntax' : undefined) : IMAGE_ONLY.find((k) => query[k] !== undefined);
  if (misplaced) throw new Invalid(`${misplaced} does not apply to contentType ${contentType}`);
  const transferSyntax = single(query, 'transferSyntax') ?? EXPLICIT_VR_LITTLE_ENDIAN;
  if (transferSyntax !== '*' && !UID.test(transferSyntax)) throw new Invalid('transferSyntax is not a valid UID');
  const [center, width] = [single(query, 'windowCenter'), single(query, 'windowWidth')];
  if ((center === undefined) !== (width === undefined)) throw new Invalid('windowCenter and windowWidth go together');
  const window = center !== undefined ? { center: Number(center), width: Number(width) } : null;
  if (window && (!Number.isFinite(window.center) || !(window.width >= 1) || center!.trim() === '')) throw new Invalid('windowCenter must be a number and windowWidth a number of at least 1');
  const rows = integer(query, 'rows', 1, 4096);
  const columns = integer(query, 'columns', 1, 4096);
  const quality = integer(query, 'imageQuality', 1, 100);
  if (quality !== undefined && contentType !== 'image/jpeg') throw new Invalid('imageQuality applies to image/jpeg only');
  return {
    study, series, instance, contentType, transferSyntax, frame: integer(query, 'frameNumber', 1, 2 ** 31 - 1) ?? 1, window, quality,
    size: rows || columns ? { width: columns ?? 4096, height: rows ?? 4096 } : undefined,
  };
}

export function wadoUriHandler(services: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    const wado = parseWadoUri(req.query);
    const target = { study: wado.study, series: wado.series, instance: wado.instance };
    const ctx = domainContext(services, req);
    if (wado.contentType === 'application/dicom') {
      const [one] = await retrieveInstances(ctx, target, [{ transferSyntax: wado.transferSyntax }]);
      if (notModified(req, res, one.original ? one.sha256 : `${one.sha256}-${one.transferSyntaxUid}`)) return;
      sendRanged(req, res, `application/dicom; transfer-syntax=${one.transferSyntaxUid}`, await one.read());
      return;
    }
    const format = wado.contentType === 'image/jpeg' ? 'jpeg' : 'png';
    const image = await renderInstance(ctx, target, { frame: wado.frame, window: wado.window, size: wado.size, format, quality: wado.quality });
    if (notModified(req, res, `${wado.instance}/wado/${req.originalUrl.split('?')[1] ?? ''}`)) return;
    res.status(200).type(wado.contentType).end(image);
  };
}
