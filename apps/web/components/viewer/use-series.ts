// Series metadata, then every slice through a SliceLoader focused on the slice on screen;
// PNG fallbacks (server-rendered with the current window) for slices we cannot decode here.
// The slice on screen is fetched at once with its own instance metadata, beside the series'
// metadata (hundreds of instances), so the first image does not wait for the whole series.
import { useEffect, useMemo, useRef, useState } from 'react';
import { fetchInstanceMeta, fetchRendered, fetchSeriesMeta, fetchSlice, type LoadedSlice, type SeriesRef } from '../../lib/viewer/dicomweb';
import type { InstanceMeta } from '../../lib/viewer/metadata';
import type { Window } from '../../lib/viewer/pixels';
import { SliceLoader, type LoadProgress } from '../../lib/viewer/slice-loader';

export interface SeriesState {
  meta: Map<string, InstanceMeta> | null;
  metaError: string | null;
  loader: SliceLoader | null;
  progress: LoadProgress;
  /** The first slice on screen, loaded before the series metadata arrived (null once it is in the loader). */
  preview: { meta: InstanceMeta; slice: LoadedSlice } | null;
}

export function useSeries(series: SeriesRef, instanceUids: string[], currentIndex: number): SeriesState {
  const { studyUid, seriesUid } = series;
  const uidsKey = instanceUids.join('\n');
  // The parent may pass a new array with the same UIDs on every render; only the UIDs matter.
  const stableUids = useMemo(() => (uidsKey ? uidsKey.split('\n') : []), [uidsKey]);
  const [meta, setMeta] = useState<Map<string, InstanceMeta> | null>(null);
  const [metaError, setMetaError] = useState<string | null>(null);
  const [loader, setLoader] = useState<SliceLoader | null>(null);
  const [progress, setProgress] = useState<LoadProgress>({ loaded: 0, failed: 0, total: instanceUids.length });
  const [preview, setPreview] = useState<{ meta: InstanceMeta; slice: LoadedSlice } | null>(null);
  const indexRef = useRef(currentIndex);
  indexRef.current = currentIndex;

  useEffect(() => {
    const sopInstanceUid = stableUids[indexRef.current];
    if (!sopInstanceUid) return;
    const abort = new AbortController();
    setPreview(null);
    const series = { studyUid, seriesUid };
    fetchInstanceMeta(series, sopInstanceUid, abort.signal).then(async (instance) => {
      if (!instance) return;
      const slice = await fetchSlice(series, instance, sopInstanceUid, abort.signal);
      if (!abort.signal.aborted) setPreview({ meta: instance, slice });
    }).catch(() => undefined); // the series path loads (and reports) the same slice anyway
    return () => abort.abort();
  }, [studyUid, seriesUid, stableUids]);

  useEffect(() => {
    const abort = new AbortController();
    setMeta(null);
    setMetaError(null);
    fetchSeriesMeta({ studyUid, seriesUid }, abort.signal).then(setMeta, (error: unknown) => {
      if (abort.signal.aborted) return;
      // Without metadata every slice still shows, as server-rendered PNGs.
      setMetaError(error instanceof Error ? error.message : String(error));
      setMeta(new Map());
    });
    return () => abort.abort();
  }, [studyUid, seriesUid]);

  const previewRef = useRef(preview);
  previewRef.current = preview;
  useEffect(() => {
    if (!meta) return;
    const seed = previewRef.current?.slice.kind === 'pixels' ? [previewRef.current.slice] : [];
    const created = new SliceLoader({ studyUid, seriesUid }, stableUids, meta, setProgress, 4, seed);
    setLoader(created);
    setProgress(created.progress());
    created.focus(indexRef.current);
    return () => created.dispose();
  }, [meta, stableUids, studyUid, seriesUid]);

  useEffect(() => {
    loader?.focus(currentIndex);
  }, [loader, currentIndex]);

  return { meta, metaError, loader, progress, preview: loader ? null : preview };
}

const RENDER_DEBOUNCE_MS = 200;

/**
 * The server-rendered PNG of one slice for `window`, when `needed`; while a new window's PNG is on
 * its way the last one of the slice stays. Requests wait until the window has been still a moment.
 */
export function useRenderedFrame(series: SeriesRef, sopInstanceUid: string | undefined, window: Window | null, needed: boolean): ImageBitmap | null {
  const { studyUid, seriesUid } = series;
  const cache = useRef(new Map<string, { key: string; bitmap: ImageBitmap }>());
  const [, setArrived] = useState(0);
  const key = window ? `${Math.round(window.center)},${Math.round(window.width)}` : 'server default';
  const cached = sopInstanceUid ? cache.current.get(sopInstanceUid) : undefined;
  const center = window?.center;
  const width = window?.width;

  useEffect(() => {
    if (!needed || !sopInstanceUid) return;
    const previous = cache.current.get(sopInstanceUid);
    if (previous?.key === key) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      fetchRendered({ studyUid, seriesUid }, sopInstanceUid, center === undefined || width === undefined ? null : { center, width }, abort.signal).then((bitmap) => {
        cache.current.set(sopInstanceUid, { key, bitmap });
        setArrived((n) => n + 1);
      }, () => undefined); // a failed PNG leaves the slice blank; the next window change retries
    }, previous ? RENDER_DEBOUNCE_MS : 0);
    return () => { clearTimeout(timer); abort.abort(); };
  }, [needed, sopInstanceUid, key, center, width, studyUid, seriesUid]);

  return needed && cached ? cached.bitmap : null;
}
