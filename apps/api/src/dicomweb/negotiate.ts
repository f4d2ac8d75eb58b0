// Content negotiation for WADO-RS (PS3.18 §8.7): which media types and transfer syntaxes the
// client accepts, in its order of preference (RFC 9110 §12.5.1 q-values, then header order).
// Instances: application/dicom, multipart or single part; '*' = as stored, which is also what
// an Accept without transfer-syntax gets (the archive keeps originals, and clients such as
// dicomweb-client ask without one). Frames: application/octet-stream (default Explicit VR Little
// Endian, Table 8.7.3-5) and image/* (image/jls defaults to JPEG-LS lossless).
import { Invalid, NotAcceptable } from '@imaging/errors';
import { TRANSCODE_TARGETS, EXPLICIT_VR_LITTLE_ENDIAN, JPEG_LS_LOSSLESS } from '@imaging/dicom';

export interface MediaRange { type: string; params: Record<string, string>; q: number }

export interface Representation {
  /** '*' for the stored syntax. */
  transferSyntax: string;
  mediaType: string;
  multipart: boolean;
}

/** Compressed frame media types (PS3.18 Table 8.7.3-5) by transfer syntax. */
const FRAME_MEDIA_TYPES: Record<string, string> = {
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
  '1.2.840.10008.1.2.4.50': 'image/jpeg', '1.2.840.10008.1.2.4.51': 'image/jpeg', '1.2.840.10008.1.2.4.57': 'image/jpeg', '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls', '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2', '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.4.201': 'image/jhc', '1.2.840.10008.1.2.4.202': 'image/jhc', '1.2.840.10008.1.2.4.203': 'image/jhc',
};
/** Older names clients still send. */
const ALIASES: Record<string, string> = { 'image/x-jls': 'image/jls', 'image/x-dicom-rle': 'image/dicom-rle' };

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) { out.push(current); current = ''; } else current += ch;
  }
  out.push(current);
  return out;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [];
  const ranges = splitOutsideQuotes(header, ',').map((part, order) => {
    const [type, ...rest] = splitOutsideQuotes(part, ';').map((x) => x.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    const lower = type.toLowerCase();
    return { type: ALIASES[lower] ?? lower, params, q: Number.isFinite(q) ? q : 0, order };
  });
  return ranges.filter((r) => r.type && r.q > 0).sort((a, b) => b.q - a.q || a.order - b.order).map(({ type, params, q }) => ({ type, params, q }));
}

const isWildcard = (type: string) => type === '*/*' || type === 'application/*';
function syntaxOf(r: MediaRange, fallback: string): string {
  const named = r.params['transfer-syntax'];
  if (named !== undefined && (named.length > 64 || !/^(\*|[0-9]+(\.[0-9]+)*)$/.test(named))) throw new Invalid('transfer-syntax in Accept must be * or a UID');
  return named ?? fallback;
}

function notAcceptable(what: string, offered: string): NotAcceptable {
  return new NotAcceptable(`none of the accepted media types can be given for ${what}; offered: ${offered}`, { offered: ['*', ...TRANSCODE_TARGETS] });
}

/** Representations of instances, series or studies the client accepts, best first. */
export function instanceRepresentations(accept: string | undefined): Representation[] {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return [{ transferSyntax: '*', mediaType: 'application/dicom', multipart: true }];
  const out: Representation[] = [];
  for (const r of ranges) {
    const inner = r.type === 'multipart/related' ? (r.params.type ?? 'application/dicom').toLowerCase() : r.type;
    if (inner === 'application/dicom') out.push({ transferSyntax: syntaxOf(r, '*'), mediaType: 'application/dicom', multipart: r.type === 'multipart/related' });
    else if (isWildcard(inner)) out.push({ transferSyntax: '*', mediaType: 'application/dicom', multipart: true });
  }
  if (out.length === 0) throw notAcceptable('instances', 'multipart/related; type="application/dicom" or application/dicom, with transfer-syntax=*, the stored syntax or one of the transcoding targets');
  return out;
}

/** Representations of frames the client accepts, best first. */
export function frameRepresentations(accept: string | undefined): Representation[] {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return [{ transferSyntax: '*', mediaType: 'application/octet-stream', multipart: true }];
  const out: Representation[] = [];
  for (const r of ranges) {
    const multipart = r.type === 'multipart/related';
    const inner = multipart ? ALIASES[(r.params.type ?? '').toLowerCase()] ?? (r.params.type ?? '*/*').toLowerCase() : r.type;
    if (inner === 'application/octet-stream') out.push({ transferSyntax: syntaxOf(r, EXPLICIT_VR_LITTLE_ENDIAN), mediaType: inner, multipart });
    else if (inner === 'image/jls') out.push({ transferSyntax: syntaxOf(r, JPEG_LS_LOSSLESS), mediaType: inner, multipart });
    else if (isWildcard(inner) || inner === 'image/*') out.push({ transferSyntax: '*', mediaType: 'application/octet-stream', multipart: true });
    else if (Object.values(FRAME_MEDIA_TYPES).includes(inner)) {
      // another compressed type: the named syntax, else any syntax of that type (as stored)
      const named = syntaxOf(r, '');
      const syntaxes = named ? [named] : Object.keys(FRAME_MEDIA_TYPES).filter((ts) => FRAME_MEDIA_TYPES[ts] === inner);
      out.push(...syntaxes.map((transferSyntax) => ({ transferSyntax, mediaType: inner, multipart })));
    }
  }
  if (out.length === 0) throw notAcceptable('frames', 'multipart/related; type="application/octet-stream" or type="image/jls", or the stored syntax\'s image type');
  return out;
}
