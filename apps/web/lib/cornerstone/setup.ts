// One-time Cornerstone3D set-up in the browser: core, tools and the DICOM image loader (its
// decode worker is bundled by Next from `new URL('./decodeImageFrameWorker.js', import.meta.url)`;
// nothing is fetched from a CDN). Frames come from our own DICOMweb through the same-origin
// proxy, so the session cookie authenticates every WADO-RS request.
import * as core from '@cornerstonejs/core';
import * as tools from '@cornerstonejs/tools';
import dicomImageLoader from '@cornerstonejs/dicom-image-loader';

export type RenderMode = 'webgl' | 'cpu';

/** Cornerstone's image cache bound (decoded frames and labelmaps). */
export const IMAGE_CACHE_BYTES = 512 * 1024 * 1024;

let ready: Promise<RenderMode> | null = null;

/** Whether this browser gives us a WebGL2 context (headless chromium without SwiftShader does not). */
function hasWebGl2(): boolean {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch {
    return false;
  }
}

export function ensureCornerstone(): Promise<RenderMode> {
  ready ??= (async () => {
    const mode: RenderMode = hasWebGl2() ? 'webgl' : 'cpu';
    core.init();
    // Cornerstone's CPU rendering path draws with a 2D canvas where WebGL is missing.
    if (mode === 'cpu') core.setUseCPURendering(true);
    dicomImageLoader.init({ maxWebWorkers: Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))) });
    // A bounded image cache: a long series evicts its least recently shown slices instead of
    // growing without limit (1,000 CT slices of 512², decoded to float32, are 1 GiB; the default is 3 GiB).
    core.cache.setMaxCacheSize(IMAGE_CACHE_BYTES);
    tools.init();
    for (const tool of [
      tools.WindowLevelTool, tools.PanTool, tools.ZoomTool, tools.StackScrollTool,
      tools.LengthTool, tools.BidirectionalTool, tools.AngleTool, tools.EllipticalROITool, tools.RectangleROITool, tools.ProbeTool,
      tools.BrushTool, tools.RectangleScissorsTool, tools.CircleScissorsTool,
    ]) tools.addTool(tool);
    return mode;
  })();
  return ready;
}

/** The series' WADO-RS metadata (PS3.18 §10.4.1.1.4), one DICOM JSON object per instance. */
export type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

export function seriesBase(studyUid: string, seriesUid: string): string {
  return `${window.location.origin}/dicom-web/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`;
}

export async function fetchSeriesJson(studyUid: string, seriesUid: string, signal: AbortSignal): Promise<DicomJson[]> {
  const response = await fetch(`${seriesBase(studyUid, seriesUid)}/metadata`, { headers: { Accept: 'application/dicom+json' }, signal, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`series metadata: HTTP ${response.status}`);
  return (await response.json()) as DicomJson[];
}

/** One instance's WADO-RS metadata: the first image need not wait for the whole series'. */
export async function fetchInstanceJson(studyUid: string, seriesUid: string, sopInstanceUid: string, signal: AbortSignal): Promise<DicomJson[]> {
  const response = await fetch(`${seriesBase(studyUid, seriesUid)}/instances/${encodeURIComponent(sopInstanceUid)}/metadata`, { headers: { Accept: 'application/dicom+json' }, signal, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`instance metadata: HTTP ${response.status}`);
  return (await response.json()) as DicomJson[];
}

function first(json: DicomJson, tag: string): unknown {
  return json[tag]?.Value?.[0];
}

/**
 * `wadors:` image ids for the given instances in display order, one per frame of a multi-frame
 * instance, with each instance's metadata registered for the loader's metadata provider.
 */
export function registerImageIds(studyUid: string, seriesUid: string, instanceUids: string[], metadata: DicomJson[]): string[] {
  const byUid = new Map<string, DicomJson>();
  for (const json of metadata) {
    const uid = first(json, '00080018');
    if (typeof uid === 'string') byUid.set(uid, json);
  }
  const base = seriesBase(studyUid, seriesUid);
  const ids: string[] = [];
  for (const uid of instanceUids) {
    const json = byUid.get(uid);
    if (!json) continue;
    const frames = Math.max(1, Number(first(json, '00280008') ?? 1) || 1);
    for (let frame = 1; frame <= frames; frame++) {
      const id = `wadors:${base}/instances/${encodeURIComponent(uid)}/frames/${frame}`;
      dicomImageLoader.wadors.metaDataManager.add(id, json as never);
      ids.push(id);
    }
  }
  return ids;
}
