// Same-origin DICOMweb and mask requests of the viewer (the web app proxies them to the API;
// the session cookie goes along).
import { parseMultipart, transferSyntaxOf } from './multipart';
import { decodeNativePixels, type StoredPixels, type Window } from './pixels';
import { seriesMeta, type DicomJsonInstance, type InstanceMeta } from './metadata';
import { unpackMask } from './mask';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

export interface SeriesRef { studyUid: string; seriesUid: string }

/** A slice ready to draw: stored pixels, or `rendered` when only server-rendered PNGs can show it. */
export type LoadedSlice =
  | { kind: 'pixels'; sopInstanceUid: string; rows: number; columns: number; pixels: StoredPixels }
  | { kind: 'rendered'; sopInstanceUid: string; reason: string };

export interface SliceMask { rows: number; columns: number; version: number | null; mask: Uint8Array }

function instanceUrl(series: SeriesRef, sopInstanceUid: string): string {
  return `/dicom-web/studies/${encodeURIComponent(series.studyUid)}/series/${encodeURIComponent(series.seriesUid)}/instances/${encodeURIComponent(sopInstanceUid)}`;
}

/** PS3.18 §10.4.1.1.3 rendered frame; without a window the server picks one. */
export function renderedUrl(series: SeriesRef, sopInstanceUid: string, window: Window | null): string {
  const url = `${instanceUrl(series, sopInstanceUid)}/frames/1/rendered`;
  return window ? `${url}?window=${Math.round(window.center)},${Math.max(1, Math.round(window.width))}` : url;
}

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}`);
  return response;
}

export async function fetchSeriesMeta(series: SeriesRef, signal: AbortSignal): Promise<Map<string, InstanceMeta>> {
  const url = `/dicom-web/studies/${encodeURIComponent(series.studyUid)}/series/${encodeURIComponent(series.seriesUid)}/metadata`;
  const response = await ok(await fetch(url, { headers: { Accept: 'application/dicom+json' }, signal }), 'series metadata');
  return seriesMeta((await response.json()) as DicomJsonInstance[]);
}

/** One instance's metadata (PS3.18 §10.4.1.1.4): the first slice need not wait for the series'. */
export async function fetchInstanceMeta(series: SeriesRef, sopInstanceUid: string, signal: AbortSignal): Promise<InstanceMeta | undefined> {
  const response = await ok(await fetch(`${instanceUrl(series, sopInstanceUid)}/metadata`, { headers: { Accept: 'application/dicom+json' }, signal }), 'instance metadata');
  return seriesMeta((await response.json()) as DicomJsonInstance[]).get(sopInstanceUid);
}

/** Frame 1 of an instance (PS3.18 §10.4.1.1.2): native little-endian pixels, or why not. */
export async function fetchSlice(series: SeriesRef, meta: InstanceMeta | undefined, sopInstanceUid: string, signal: AbortSignal): Promise<LoadedSlice> {
  if (!meta || !meta.rows || !meta.columns) return { kind: 'rendered', sopInstanceUid, reason: 'no metadata' };
  if (meta.samplesPerPixel !== 1) return { kind: 'rendered', sopInstanceUid, reason: `${meta.samplesPerPixel} samples per pixel` };
  const response = await ok(await fetch(`${instanceUrl(series, sopInstanceUid)}/frames/1`, {
    headers: { Accept: 'multipart/related; type="application/octet-stream"' }, signal,
  }), 'frame');
  const [part] = parseMultipart(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
  if (!part) throw new Error('frame answer without a part');
  const transferSyntax = transferSyntaxOf(part.contentType);
  if (transferSyntax !== EXPLICIT_VR_LITTLE_ENDIAN) return { kind: 'rendered', sopInstanceUid, reason: `transfer syntax ${transferSyntax ?? 'unknown'}` };
  return { kind: 'pixels', sopInstanceUid, rows: meta.rows, columns: meta.columns, pixels: decodeNativePixels(part.body, meta) };
}

/** The server-rendered PNG of frame 1 with a window, decoded for drawing. */
export async function fetchRendered(series: SeriesRef, sopInstanceUid: string, window: Window | null, signal: AbortSignal): Promise<ImageBitmap> {
  const response = await ok(await fetch(renderedUrl(series, sopInstanceUid, window), { headers: { Accept: 'image/png' }, signal }), 'rendered frame');
  return createImageBitmap(await response.blob());
}

/** The slice's mask (bit-packed, see mask.ts); null when the slice has none (404). */
export async function fetchMask(sopInstanceUid: string, version: number | undefined, signal: AbortSignal): Promise<SliceMask | null> {
  const query = version === undefined ? '' : `?version=${version}`;
  const response = await fetch(`/api/instances/${encodeURIComponent(sopInstanceUid)}/mask${query}`, { headers: { Accept: 'application/octet-stream' }, signal });
  if (response.status === 404) return null;
  await ok(response, 'mask');
  const rows = Number(response.headers.get('x-mask-rows'));
  const columns = Number(response.headers.get('x-mask-columns'));
  if (!(rows > 0 && columns > 0)) throw new Error('mask answer without x-mask-rows / x-mask-columns');
  const versionHeader = response.headers.get('x-mask-version');
  return { rows, columns, version: versionHeader === null ? null : Number(versionHeader), mask: unpackMask(new Uint8Array(await response.arrayBuffer()), rows, columns) };
}
