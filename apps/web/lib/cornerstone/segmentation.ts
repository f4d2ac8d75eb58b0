// Annotation versions as Cornerstone3D labelmap segmentations on a stack viewport: the AI's mask
// (version 0) and each reader's version, each its own segmentation with its own colour,
// visibility and opacity, filled from the mask API (one bit-packed slice per request, as of
// that version); and, for the reader who corrects the case, an editable copy of the newest
// version that the labelmap tools (brush, eraser, threshold brush, scissors) paint on. What the
// reader changed is read back per slice against what was loaded, bit-packed for submitReview.
import * as core from '@cornerstonejs/core';
import * as tools from '@cornerstonejs/tools';
import { fillLabelmap, packMaskBase64, sameMask, unpackMask } from '../mask';
import { frameOfImageId } from '../measurements';

const { Labelmap } = tools.Enums.SegmentationRepresentations;
const FETCH_CONCURRENCY = 6;
const SEGMENT = 1;

export interface SliceMask { rows: number; columns: number; version: number | null; mask: Uint8Array }

/** The slice's mask (bit-packed, see lib/mask.ts) as of `version`; null when the slice has none (404). */
export async function fetchMask(sopInstanceUid: string, version: number | undefined, signal: AbortSignal): Promise<SliceMask | null> {
  const query = version === undefined ? '' : `?version=${version}`;
  const response = await fetch(`/api/instances/${encodeURIComponent(sopInstanceUid)}/mask${query}`, { headers: { Accept: 'application/octet-stream' }, signal, credentials: 'same-origin' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`mask: HTTP ${response.status}`);
  const rows = Number(response.headers.get('x-mask-rows'));
  const columns = Number(response.headers.get('x-mask-columns'));
  if (!(rows > 0 && columns > 0)) throw new Error('mask answer without x-mask-rows / x-mask-columns');
  const versionHeader = response.headers.get('x-mask-version');
  return { rows, columns, version: versionHeader === null ? null : Number(versionHeader), mask: unpackMask(new Uint8Array(await response.arrayBuffer()), rows, columns) };
}

export interface LayerSpec {
  key: string;
  /** The annotation version to load; null for an empty layer (a correction with no earlier mask). */
  version: number | null;
  colour: [number, number, number];
  visible: boolean;
  opacity: number;
  /** The layer the labelmap tools paint on (at most one). */
  editable: boolean;
}

interface Layer { spec: LayerSpec; segmentationId: string; labelmapIds: Map<string, string>; loaded: Map<string, Uint8Array> }

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

export class StackLabelmaps {
  private layers = new Map<string, Layer>();
  /** Frame 1 of each instance: masks are per instance (the mask API's slices). */
  private readonly slices: { imageId: string; sopInstanceUid: string }[];

  constructor(private readonly viewportId: string, private readonly imageIds: string[]) {
    this.slices = imageIds.flatMap((imageId) => {
      const ref = frameOfImageId(imageId);
      return ref && ref.frame === 1 ? [{ imageId, sopInstanceUid: ref.sopInstanceUid }] : [];
    });
  }

  /** Adds a layer and fills it from the mask API; resolves once every slice's mask is in. Slices whose mask failed are listed. */
  async add(spec: LayerSpec, signal: AbortSignal): Promise<{ failed: string[] }> {
    const segmentationId = `${this.viewportId}-${spec.key}`;
    const images = core.imageLoader.createAndCacheDerivedLabelmapImages(this.imageIds);
    const labelmapIds = new Map(this.imageIds.map((id, i) => [id, images[i].imageId]));
    const layer: Layer = { spec, segmentationId, labelmapIds, loaded: new Map() };
    this.layers.set(spec.key, layer);
    tools.segmentation.addSegmentations([{ segmentationId, representation: { type: Labelmap, data: { imageIds: images.map((i) => i.imageId) } } }]);
    tools.segmentation.addLabelmapRepresentationToViewport(this.viewportId, [{ segmentationId }]);
    tools.segmentation.config.color.setSegmentIndexColor(this.viewportId, segmentationId, SEGMENT, [...spec.colour, 255]);
    this.setOpacity(spec.key, spec.opacity);
    this.setVisible(spec.key, spec.visible);
    const failed: string[] = [];
    if (spec.version !== null) {
      const version = spec.version;
      await eachLimited(this.slices, FETCH_CONCURRENCY, async ({ imageId, sopInstanceUid }) => {
        if (signal.aborted) return;
        let slice: SliceMask | null;
        try {
          slice = await fetchMask(sopInstanceUid, version, signal);
        } catch {
          if (!signal.aborted) failed.push(sopInstanceUid);
          return;
        }
        const image = core.cache.getImage(labelmapIds.get(imageId)!);
        if (!slice || !image || slice.rows !== image.rows || slice.columns !== image.columns) return;
        // the derived labelmap's own pixel buffer (a typed array: the default, non-RLE representation)
        fillLabelmap(image.getPixelData() as Uint8Array, slice.mask, SEGMENT);
        layer.loaded.set(imageId, slice.mask);
      });
      if (!signal.aborted) tools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId);
    }
    if (spec.editable) {
      tools.segmentation.activeSegmentation.setActiveSegmentation(this.viewportId, segmentationId);
      tools.segmentation.segmentIndex.setActiveSegmentIndex(segmentationId, SEGMENT);
    }
    return { failed };
  }

  setVisible(key: string, visible: boolean): void {
    const layer = this.layers.get(key);
    if (!layer) return;
    layer.spec.visible = visible;
    tools.segmentation.config.visibility.setSegmentationRepresentationVisibility(this.viewportId, { segmentationId: layer.segmentationId, type: Labelmap }, visible);
  }

  setOpacity(key: string, opacity: number): void {
    const layer = this.layers.get(key);
    if (!layer) return;
    layer.spec.opacity = opacity;
    // the same look whether or not the layer is the active (edited) one
    tools.segmentation.config.style.setStyle({ viewportId: this.viewportId, segmentationId: layer.segmentationId, type: Labelmap },
      { fillAlpha: opacity, fillAlphaInactive: opacity, outlineOpacity: Math.min(1, opacity + 0.3), outlineOpacityInactive: Math.min(1, opacity + 0.3), renderOutline: true, renderOutlineInactive: true });
  }

  /** The editable layer's pixels on one slice: set wherever any of its labelmap layers is non-zero. */
  private currentMask(layer: Layer, imageId: string): Uint8Array | null {
    // every labelmap layer the segmentation keeps for this image (undefined before any edit)
    const ids = tools.segmentation.getLabelmapImageIdsForImageId(imageId, layer.segmentationId) as string[] | undefined;
    const candidates = ids?.length ? ids : [layer.labelmapIds.get(imageId)!];
    let mask: Uint8Array | null = null;
    for (const id of candidates) {
      const image = core.cache.getImage(id);
      const data = (image?.voxelManager?.getCompleteScalarDataArray?.() ?? image?.getPixelData()) as ArrayLike<number> | undefined;
      if (!data) continue;
      mask ??= new Uint8Array(data.length);
      if (data.length !== mask.length) continue;
      for (let i = 0; i < data.length; i++) if (data[i]) mask[i] = 1;
    }
    return mask;
  }

  private changedSlices(): { sopInstanceUid: string; mask: Uint8Array }[] {
    const layer = [...this.layers.values()].find((l) => l.spec.editable);
    if (!layer) return [];
    const out: { sopInstanceUid: string; mask: Uint8Array }[] = [];
    for (const { imageId, sopInstanceUid } of this.slices) {
      const now = this.currentMask(layer, imageId);
      if (!now) continue;
      const before = layer.loaded.get(imageId) ?? new Uint8Array(now.length);
      if (!sameMask(now, before)) out.push({ sopInstanceUid, mask: now });
    }
    return out;
  }

  /** How many slices of the editable layer differ from what was loaded. */
  editedCount(): number {
    return this.changedSlices().length;
  }

  /** The slices of the editable layer that differ from what was loaded, each as the whole bit-packed slice (submitReview's masks). */
  edited(): { sopInstanceUid: string; data: string }[] {
    return this.changedSlices().map(({ sopInstanceUid, mask }) => ({ sopInstanceUid, data: packMaskBase64(mask) }));
  }

  destroy(): void {
    for (const layer of this.layers.values()) {
      try { tools.segmentation.removeSegmentation(layer.segmentationId); } catch { /* already gone with the viewport */ }
      for (const id of layer.labelmapIds.values()) core.cache.removeImageLoadObject(id, { force: true });
    }
    this.layers.clear();
  }
}
