// The first image of a study page without serial waits: the document asked for its slice's
// metadata (lib/prefetch.ts); as soon as Cornerstone has started, that frame's fetch and decode
// begin, before React has rendered the page. The viewer then finds the image in the cache.
import * as core from '@cornerstonejs/core';
import { prefetchedFirstSlice, prefetchedStudyUid } from '../prefetch';
import { ensureCornerstone, fetchInstanceJson, registerImageIds, type DicomJson } from './setup';

/** Starts loading the document's first slice into the image cache (errors are the viewer's to report). */
export function warmFirstImage(): void {
  const studyUid = prefetchedStudyUid();
  const first = studyUid === null ? null : prefetchedFirstSlice(studyUid);
  if (studyUid === null || !first) return;
  void Promise.all([first, ensureCornerstone()]).then(async ([slice]) => {
    if (!slice) return;
    const metadata = (await slice.metadata) as DicomJson[];
    const [imageId] = registerImageIds(studyUid, slice.seriesUid, [slice.sopUid], metadata);
    if (imageId) await core.imageLoader.loadAndCacheImage(imageId);
  }).catch(() => undefined);
}

/** One slice's instance metadata: the document's answer when it asked for this one, else a request. */
export async function firstSliceMetadata(studyUid: string, seriesUid: string, sopUid: string, signal: AbortSignal): Promise<DicomJson[]> {
  const slice = await prefetchedFirstSlice(studyUid);
  if (slice && slice.seriesUid === seriesUid && slice.sopUid === sopUid) {
    const metadata = await slice.metadata.catch(() => null);
    if (metadata) return metadata as DicomJson[];
  }
  return fetchInstanceJson(studyUid, seriesUid, sopUid, signal);
}
