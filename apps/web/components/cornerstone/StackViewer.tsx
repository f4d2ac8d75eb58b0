'use client';
// A Cornerstone3D stack viewport for one series over our WADO-RS (metadata + frames, decoded by
// the dicom-image-loader's bundled worker): window/level with the shared presets, scroll, zoom,
// pan, cine for multi-frame instances, and the keyboard shortcuts listed under `?`. The first
// image shows from its own instance metadata and frame; the rest of the stack follows.
// On the review page it also carries the measurement tools (length, bidirectional, angle,
// elliptical / rectangle ROI with HU statistics, probe) and the annotation versions as labelmap
// segmentations, one of them editable with the labelmap tools, undo / redo included.
import { useEffect, useImperativeHandle, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import * as core from '@cornerstonejs/core';
import * as tools from '@cornerstonejs/tools';
import { ensureCornerstone, fetchSeriesJson, registerImageIds, type RenderMode } from '../../lib/cornerstone/setup';
import { firstSliceMetadata, warmFirstImage } from '../../lib/cornerstone/first-image';
import { StackLabelmaps, type LayerSpec } from '../../lib/cornerstone/segmentation';
import { toMeasurement, type AnnotationLike, type MeasurementInput } from '../../lib/measurements';
import { isPresetName, PRESET_NAMES, WINDOW_PRESETS, type PresetName } from '../../lib/presets';
import { EDIT_TOOLS, MEASURE_TOOLS, Toolbar, type LayerControl, type Tool } from './Toolbar';

/** One annotation version to show as a labelmap (oldest first; 0 is the AI's). */
export interface VersionLayer { version: number; title: string }

export interface ReviewOptions {
  versions: VersionLayer[];
  /** The reader corrects the case: an editable layer starts as a copy of the newest version. */
  editable: boolean;
  /** Measurement tools on offer. */
  measure: boolean;
  /** After each edit, undo or redo: how many slices differ from what was loaded. */
  onEdited?: (slices: number) => void;
  /** After each measurement is made, moved or removed. */
  onMeasurements?: (measurements: MeasurementInput[]) => void;
}

export interface StackViewerHandle {
  /** The edited slices of the editable layer, bit-packed (submitReview's masks). */
  editedMasks(): { sopInstanceUid: string; data: string }[];
  /** The measurements on this series (submitReview's measurements). */
  measurements(): MeasurementInput[];
}

export interface StackViewerProps {
  studyUid: string;
  seriesUid: string;
  /** Slices in display order. */
  instanceUids: string[];
  initialPreset?: string;
  review?: ReviewOptions;
  handle?: Ref<StackViewerHandle>;
  /** Once the whole stack is set (a synchronizer may take the viewport then), and null when it goes. */
  onReady?: (viewport: { renderingEngineId: string; viewportId: string } | null) => void;
}

const BRUSH = 'ReviewBrush';
const ERASER = 'ReviewEraser';
const THRESHOLD_BRUSH = 'ReviewThresholdBrush';
const TOOL_NAMES: Record<Tool, string> = {
  wl: tools.WindowLevelTool.toolName,
  pan: tools.PanTool.toolName,
  zoom: tools.ZoomTool.toolName,
  length: tools.LengthTool.toolName,
  bidirectional: tools.BidirectionalTool.toolName,
  angle: tools.AngleTool.toolName,
  ellipse: tools.EllipticalROITool.toolName,
  rectangle: tools.RectangleROITool.toolName,
  probe: tools.ProbeTool.toolName,
  brush: BRUSH,
  eraser: ERASER,
  threshold: THRESHOLD_BRUSH,
  scissors: tools.RectangleScissorsTool.toolName,
};
const KEY_TOOLS: Record<string, Tool> = { w: 'wl', p: 'pan', z: 'zoom', l: 'length', d: 'bidirectional', a: 'angle', o: 'ellipse', q: 'rectangle', v: 'probe', b: 'brush', e: 'eraser', t: 'threshold', s: 'scissors' };
const CINE_FPS = 15;
const EDIT_KEY = 'edit';
/** Segment colours per layer: the correction red, then one per version. */
const EDIT_COLOUR: [number, number, number] = [255, 70, 70];
const VERSION_COLOURS: [number, number, number][] = [[255, 196, 0], [0, 170, 255], [40, 200, 120], [190, 90, 255], [255, 130, 200], [150, 220, 255]];
const DEFAULT_OPACITY = 0.45;
let nextId = 0;

// Cornerstone (decode workers, codecs, rendering) starts as soon as this module loads in the
// browser, so it overlaps the page's own queries instead of following them, and the first slice
// the document asked for is fetched and decoded meanwhile.
if (typeof window !== 'undefined') {
  void ensureCornerstone().catch(() => undefined);
  warmFirstImage();
}

interface Voi { center: number; width: number }

function voiOf(viewport: core.Types.IStackViewport): Voi | null {
  const range = viewport.getProperties().voiRange;
  if (!range) return null;
  return { center: (range.lower + range.upper) / 2, width: range.upper - range.lower };
}

const css = ([r, g, b]: [number, number, number]) => `rgb(${r} ${g} ${b})`;

/** The layers for these options: every version (the newest shown unless a correction copies it), and the correction. */
function layerSpecs(review: ReviewOptions): (LayerSpec & { title: string })[] {
  const newest = review.versions.at(-1);
  const specs: (LayerSpec & { title: string })[] = review.versions.map((v, i) => ({
    key: `v${v.version}`, version: v.version, title: v.title, colour: VERSION_COLOURS[i % VERSION_COLOURS.length],
    visible: !review.editable && v === newest, opacity: DEFAULT_OPACITY, editable: false,
  }));
  if (review.editable) {
    specs.push({ key: EDIT_KEY, version: newest?.version ?? null, title: newest ? `correction (from v${newest.version})` : 'correction', colour: EDIT_COLOUR, visible: true, opacity: DEFAULT_OPACITY, editable: true });
  }
  return specs;
}

export function StackViewer({ studyUid, seriesUid, instanceUids, initialPreset, review, handle, onReady }: StackViewerProps) {
  const startPreset: PresetName = isPresetName(initialPreset) ? initialPreset : 'default';
  const rootRef = useRef<HTMLDivElement>(null);
  const elementRef = useRef<HTMLDivElement>(null);
  const viewportRef = useRef<core.Types.IStackViewport | null>(null);
  const labelmapsRef = useRef<StackLabelmaps | null>(null);
  const imageIdsRef = useRef<Set<string>>(new Set());
  /** Until the whole stack is in, where scrolling asked to go (the viewport holds only the first image). */
  const pendingRef = useRef<{ complete: boolean; index: number | null }>({ complete: false, index: null });
  const reviewRef = useRef(review);
  reviewRef.current = review;
  const onReadyRef = useRef(onReady);
  onReadyRef.current = onReady;
  const [ids] = useState(() => ({ engine: `engine-${++nextId}`, viewport: `stack-${nextId}`, toolGroup: `tools-${nextId}` }));
  const [count, setCount] = useState(0);
  const [index, setIndex] = useState(0);
  const [voi, setVoi] = useState<Voi | null>(null);
  const [zoom, setZoom] = useState<number | null>(null);
  const [preset, setPreset] = useState<PresetName | null>(startPreset);
  const [tool, setTool] = useState<Tool>('wl');
  const [helpOpen, setHelpOpen] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [mode, setMode] = useState<RenderMode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(0);
  const [layers, setLayers] = useState<LayerControl[]>([]);
  const [editReady, setEditReady] = useState(false);
  const [editedSlices, setEditedSlices] = useState(0);
  const [maskError, setMaskError] = useState<string | null>(null);
  const [brushRadius, setBrushRadius] = useState(8);
  const [history, setHistory] = useState({ canUndo: false, canRedo: false });
  const instanceKey = instanceUids.join('\\');
  const versionKey = review ? `${review.editable}:${review.measure}:${review.versions.map((v) => v.version).join(',')}` : '';

  const measurementsNow = (): MeasurementInput[] => {
    const ours = imageIdsRef.current;
    return (tools.annotation.state.getAllAnnotations() as unknown as AnnotationLike[])
      .filter((a) => a.metadata.referencedImageId && ours.has(a.metadata.referencedImageId))
      .map((a) => toMeasurement(a, (imageId, point) => core.utilities.worldToImageCoords(imageId, point as core.Types.Point3) as number[]))
      .filter((m): m is MeasurementInput => m !== null);
  };
  useImperativeHandle(handle, () => ({
    editedMasks: () => labelmapsRef.current?.edited() ?? [],
    measurements: measurementsNow,
  }));

  useEffect(() => {
    const element = elementRef.current;
    if (!element) return;
    const abort = new AbortController();
    let engine: core.RenderingEngine | null = null;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const later = (fn: () => void, ms: number) => {
      const t = setTimeout(() => { timers.delete(t); if (!abort.signal.aborted) fn(); }, ms);
      timers.add(t);
      return t;
    };
    // marks for bench:web's account of where the first image's time goes
    performance.mark('viewer:mounted');
    let firstShown = false;
    const onRendered = () => {
      const viewport = viewportRef.current;
      if (!viewport) return;
      if (!firstShown) { firstShown = true; performance.mark('viewer:first-image'); }
      setIndex(viewport.getCurrentImageIdIndex());
      setVoi(voiOf(viewport));
      setZoom(viewport.getZoom());
      rootRef.current?.setAttribute('data-rendered-slice', String(viewport.getCurrentImageIdIndex()));
    };
    const updateHistory = () => {
      const memo = core.utilities.HistoryMemo.DefaultHistoryMemo;
      setHistory({ canUndo: memo.canUndo, canRedo: memo.canRedo });
    };
    // edits and measurements: recounted once things settle, not per brush sample
    let editTimer: ReturnType<typeof setTimeout> | null = null;
    const onSegmentationModified = () => {
      if (editTimer) clearTimeout(editTimer);
      editTimer = later(() => {
        const n = labelmapsRef.current?.editedCount() ?? 0;
        setEditedSlices(n);
        reviewRef.current?.onEdited?.(n);
        updateHistory();
      }, 120);
    };
    let measureTimer: ReturnType<typeof setTimeout> | null = null;
    const onAnnotation = () => {
      if (measureTimer) clearTimeout(measureTimer);
      measureTimer = later(() => {
        reviewRef.current?.onMeasurements?.(measurementsNow());
        updateHistory();
      }, 120);
    };
    const { Events } = tools.Enums;
    (async () => {
      // the first slice's own metadata while Cornerstone starts: its image does not wait for the series'
      const firstUid = instanceUids[0];
      if (!firstUid) throw new Error('the series has no instances');
      const [renderMode, firstJson] = await Promise.all([ensureCornerstone(), firstSliceMetadata(studyUid, seriesUid, firstUid, abort.signal)]);
      if (abort.signal.aborted) return;
      pendingRef.current = { complete: false, index: null };
      const firstIds = registerImageIds(studyUid, seriesUid, [firstUid], firstJson);
      if (firstIds.length === 0) throw new Error('the first instance has no metadata');
      engine = new core.RenderingEngine(ids.engine);
      engine.enableElement({ viewportId: ids.viewport, type: core.Enums.ViewportType.STACK, element });
      const viewport = engine.getViewport(ids.viewport) as core.Types.IStackViewport;
      viewportRef.current = viewport;
      const group = tools.ToolGroupManager.createToolGroup(ids.toolGroup);
      if (!group) throw new Error('tool group exists');
      for (const name of [TOOL_NAMES.wl, TOOL_NAMES.pan, TOOL_NAMES.zoom, tools.StackScrollTool.toolName]) group.addTool(name);
      if (review?.measure) for (const t of MEASURE_TOOLS) group.addTool(TOOL_NAMES[t]);
      if (review?.editable) {
        group.addToolInstance(BRUSH, tools.BrushTool.toolName, { activeStrategy: 'FILL_INSIDE_CIRCLE', brushSize: brushRadius });
        group.addToolInstance(ERASER, tools.BrushTool.toolName, { activeStrategy: 'ERASE_INSIDE_CIRCLE', brushSize: brushRadius });
        group.addToolInstance(THRESHOLD_BRUSH, tools.BrushTool.toolName, { activeStrategy: 'THRESHOLD_INSIDE_CIRCLE', brushSize: brushRadius, threshold: { range: [-100, 300], isDynamic: false, dynamicRadius: 0 } });
        group.addTool(TOOL_NAMES.scissors);
      }
      group.addViewport(ids.viewport, ids.engine);
      const { MouseBindings } = tools.Enums;
      group.setToolActive(TOOL_NAMES.wl, { bindings: [{ mouseButton: MouseBindings.Primary }, { mouseButton: MouseBindings.Secondary }] });
      group.setToolActive(TOOL_NAMES.pan, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
      group.setToolActive(tools.StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
      // measurements stay visible and movable whichever tool is active
      if (review?.measure) for (const t of MEASURE_TOOLS) group.setToolPassive(TOOL_NAMES[t]);
      element.addEventListener(core.Enums.Events.IMAGE_RENDERED, onRendered);
      setMode(renderMode);
      await viewport.setStack(firstIds, 0);
      if (startPreset !== 'default') {
        const w = WINDOW_PRESETS[startPreset];
        viewport.setProperties({ voiRange: { lower: w.center - w.width / 2, upper: w.center + w.width / 2 } });
      }
      viewport.render();
      setCount(instanceUids.length);

      // then the series: every instance's metadata, the whole stack under the same view
      const metadata = await fetchSeriesJson(studyUid, seriesUid, abort.signal);
      if (abort.signal.aborted) return;
      const imageIds = registerImageIds(studyUid, seriesUid, instanceUids, metadata);
      if (imageIds.length === 0) throw new Error('the series has no instances with metadata');
      imageIdsRef.current = new Set(imageIds);
      if (imageIds.length > 1 || imageIds[0] !== firstIds[0]) {
        const properties = viewport.getProperties();
        const camera = viewport.getCamera();
        const asked = pendingRef.current.index;
        const at = asked === null ? Math.max(0, imageIds.indexOf(firstIds[0])) : Math.min(imageIds.length - 1, asked);
        await viewport.setStack(imageIds, at);
        if (abort.signal.aborted) return;
        viewport.setProperties(properties);
        viewport.setCamera(camera);
        viewport.render();
        // scrolling asked for while the stack was being set
        const since = pendingRef.current.index;
        pendingRef.current = { complete: true, index: null };
        if (since !== null && since !== at) await viewport.setImageIdIndex(Math.min(imageIds.length - 1, since));
      }
      pendingRef.current = { complete: true, index: null };
      setCount(imageIds.length);
      onReadyRef.current?.({ renderingEngineId: ids.engine, viewportId: ids.viewport });
      // The rest of the series into Cornerstone's image cache in the background, so scrolling
      // never waits for the network; the cache's size bound (setup.ts) keeps a long series' memory bounded.
      let done = 0;
      for (const imageId of imageIds) {
        void core.imageLoader.loadAndCacheImage(imageId).then(() => undefined, () => undefined).then(() => {
          if (!abort.signal.aborted) setLoaded(++done);
        });
      }

      if (review) {
        core.eventTarget.addEventListener(Events.SEGMENTATION_DATA_MODIFIED, onSegmentationModified);
        core.eventTarget.addEventListener(Events.ANNOTATION_COMPLETED, onAnnotation);
        core.eventTarget.addEventListener(Events.ANNOTATION_MODIFIED, onAnnotation);
        core.eventTarget.addEventListener(Events.ANNOTATION_REMOVED, onAnnotation);
        const labelmaps = new StackLabelmaps(ids.viewport, imageIds);
        labelmapsRef.current = labelmaps;
        const specs = layerSpecs(review);
        setLayers(specs.map((s) => ({ key: s.key, title: s.title, colour: css(s.colour), visible: s.visible, opacity: s.opacity, editable: s.editable })));
        const failed: string[] = [];
        for (const spec of specs) {
          const result = await labelmaps.add(spec, abort.signal);
          if (abort.signal.aborted) return;
          failed.push(...result.failed);
          if (spec.editable) {
            // a mask that failed to load is not painted over: saving would silently drop it
            if (result.failed.length === 0) setEditReady(true);
          }
        }
        if (failed.length) setMaskError(`${failed.length} slice mask${failed.length === 1 ? '' : 's'} failed to load`);
        viewport.render();
        rootRef.current?.setAttribute('data-masks-loaded', 'true');
      }
    })().catch((e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      abort.abort();
      for (const t of timers) clearTimeout(t);
      element.removeEventListener(core.Enums.Events.IMAGE_RENDERED, onRendered);
      core.eventTarget.removeEventListener(Events.SEGMENTATION_DATA_MODIFIED, onSegmentationModified);
      core.eventTarget.removeEventListener(Events.ANNOTATION_COMPLETED, onAnnotation);
      core.eventTarget.removeEventListener(Events.ANNOTATION_MODIFIED, onAnnotation);
      core.eventTarget.removeEventListener(Events.ANNOTATION_REMOVED, onAnnotation);
      try { tools.utilities.cine.stopClip(element); } catch { /* not playing */ }
      // this viewer's measurements and labelmaps go with it (annotation state is global)
      const ours = imageIdsRef.current;
      for (const a of tools.annotation.state.getAllAnnotations()) {
        if (a.metadata?.referencedImageId && ours.has(a.metadata.referencedImageId) && a.annotationUID) tools.annotation.state.removeAnnotation(a.annotationUID);
      }
      labelmapsRef.current?.destroy();
      labelmapsRef.current = null;
      tools.ToolGroupManager.destroyToolGroup(ids.toolGroup);
      onReadyRef.current?.(null);
      engine?.destroy();
      viewportRef.current = null;
      setEditReady(false);
      setLayers([]);
    };
    // One viewport per series, slice list and set of versions: the effect re-runs only when those change.
  }, [studyUid, seriesUid, instanceKey, versionKey]);

  // the threshold brush paints only pixels inside the window on screen, following window/level changes
  useEffect(() => {
    if (tool !== 'threshold' || !voi) return;
    tools.ToolGroupManager.getToolGroup(ids.toolGroup)?.setToolConfiguration(THRESHOLD_BRUSH, {
      threshold: { range: [voi.center - voi.width / 2, voi.center + voi.width / 2], isDynamic: false, dynamicRadius: 0 },
    });
  }, [tool, voi, ids.toolGroup]);

  const chooseTool = (next: Tool) => {
    const group = tools.ToolGroupManager.getToolGroup(ids.toolGroup);
    if (!group) return;
    const editing = (EDIT_TOOLS as Tool[]).includes(next);
    if (editing && (!review?.editable || !editReady)) return;
    if ((MEASURE_TOOLS as Tool[]).includes(next) && !review?.measure) return;
    const { MouseBindings } = tools.Enums;
    for (const [t, name] of Object.entries(TOOL_NAMES) as [Tool, string][]) {
      if (!group.hasTool(name)) continue;
      if ((MEASURE_TOOLS as Tool[]).includes(t)) group.setToolPassive(name);
      else group.setToolPassive(name, { removeAllBindings: [{ mouseButton: MouseBindings.Primary }] } as never);
    }
    group.setToolActive(TOOL_NAMES[next], { bindings: [{ mouseButton: MouseBindings.Primary }] });
    // Right-drag stays window/level and middle-drag pan, whatever the left button does.
    if (next !== 'wl') group.setToolActive(TOOL_NAMES.wl, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
    if (next !== 'pan') group.setToolActive(TOOL_NAMES.pan, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
    setTool(next);
  };
  const choosePreset = (next: PresetName) => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    if (next === 'default') viewport.resetProperties();
    else {
      const w = WINDOW_PRESETS[next];
      viewport.setProperties({ voiRange: { lower: w.center - w.width / 2, upper: w.center + w.width / 2 } });
    }
    setPreset(next);
    viewport.render();
  };
  // before the whole stack is in, scrolling is remembered and applied when it arrives
  // (clamped to the series' length from the props: `count` is still 0 until the first image's stack is set)
  const remember = (at: number) => {
    const target = Math.min(Math.max(0, instanceUids.length - 1), Math.max(0, at));
    pendingRef.current.index = target;
    setIndex(target);
  };
  const move = (delta: number) => {
    if (!pendingRef.current.complete) remember((pendingRef.current.index ?? 0) + delta);
    else viewportRef.current?.scroll(delta);
  };
  const jump = (at: number) => {
    const viewport = viewportRef.current;
    if (!pendingRef.current.complete) remember(at);
    else if (viewport) void viewport.setImageIdIndex(Math.min(count - 1, Math.max(0, at)));
  };
  const zoomBy = (factor: number) => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    viewport.setZoom(viewport.getZoom() * factor);
    viewport.render();
  };
  const fit = () => { viewportRef.current?.resetCamera(); viewportRef.current?.render(); };
  const reset = () => { fit(); choosePreset(startPreset); };
  const toggleCine = () => {
    const element = elementRef.current;
    if (!element || count < 2) return;
    if (playing) tools.utilities.cine.stopClip(element);
    else tools.utilities.cine.playClip(element, { framesPerSecond: CINE_FPS, loop: true });
    setPlaying(!playing);
  };
  const setLayerVisible = (key: string, visible: boolean) => {
    labelmapsRef.current?.setVisible(key, visible);
    setLayers((list) => list.map((l) => (l.key === key ? { ...l, visible } : l)));
    viewportRef.current?.render();
  };
  const setLayerOpacity = (key: string, opacity: number) => {
    labelmapsRef.current?.setOpacity(key, opacity);
    setLayers((list) => list.map((l) => (l.key === key ? { ...l, opacity } : l)));
    viewportRef.current?.render();
  };
  const toggleAllLayers = () => {
    const anyVisible = layers.some((l) => l.visible);
    for (const l of layers) setLayerVisible(l.key, !anyVisible);
  };
  const resizeBrush = (radius: number) => {
    const r = Math.min(50, Math.max(1, radius));
    setBrushRadius(r);
    if (tools.ToolGroupManager.getToolGroup(ids.toolGroup)) tools.utilities.segmentation.setBrushSizeForToolGroup(ids.toolGroup, r);
  };
  const undo = () => { core.utilities.HistoryMemo.DefaultHistoryMemo.undo(); viewportRef.current?.render(); };
  const redo = () => { core.utilities.HistoryMemo.DefaultHistoryMemo.redo(); viewportRef.current?.render(); };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target instanceof HTMLInputElement && target.type === 'range') return;
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.type === 'text')) return;
    const key = event.key;
    const ctrl = event.ctrlKey || event.metaKey;
    let handled = true;
    if (ctrl && (key === 'z' || key === 'Z')) { if (event.shiftKey) redo(); else undo(); }
    else if (ctrl && (key === 'y' || key === 'Y')) redo();
    else if (ctrl) handled = false;
    else if (key === 'ArrowDown' || key === 'ArrowRight' || key === 'PageDown') move(1);
    else if (key === 'ArrowUp' || key === 'ArrowLeft' || key === 'PageUp') move(-1);
    else if (key === 'Home') jump(0);
    else if (key === 'End') jump(count - 1);
    else if (key === '+' || key === '=') zoomBy(1.25);
    else if (key === '-' || key === '_') zoomBy(0.8);
    else if (key === 'f' || key === 'F') fit();
    else if (key === 'r' || key === 'R') reset();
    else if (KEY_TOOLS[key.toLowerCase()]) chooseTool(KEY_TOOLS[key.toLowerCase()]);
    else if (key === '[' && review?.editable) resizeBrush(brushRadius - 1);
    else if (key === ']' && review?.editable) resizeBrush(brushRadius + 1);
    else if ((key === 'm' || key === 'M') && layers.length) toggleAllLayers();
    else if (key === 'c' || key === 'C') toggleCine();
    else if (key === '?') setHelpOpen((open) => !open);
    else if (key === 'Escape' && helpOpen) setHelpOpen(false);
    else if (/^[1-9]$/.test(key) && PRESET_NAMES[Number(key) - 1]) choosePreset(PRESET_NAMES[Number(key) - 1]);
    else handled = false;
    if (handled) event.preventDefault();
  };

  return (
    <div className="image-viewer" ref={rootRef} tabIndex={0} onKeyDown={onKeyDown} data-testid="viewer" data-tool={tool}
      data-engine="cornerstone3d" data-render-mode={mode ?? undefined} data-edit-ready={editReady ? 'true' : undefined}
      aria-label="image viewer: arrow keys or wheel change the slice, question mark lists the shortcuts">
      <Toolbar tool={tool} onTool={chooseTool} preset={preset} onPreset={choosePreset} onFit={fit} onReset={reset}
        helpOpen={helpOpen} onHelp={setHelpOpen} measure={!!review?.measure}
        layers={review ? {
          list: layers, onVisible: setLayerVisible, onOpacity: setLayerOpacity,
          editing: review.editable ? {
            ready: editReady, brushRadius, onBrushRadius: resizeBrush, canUndo: history.canUndo, canRedo: history.canRedo,
            onUndo: undo, onRedo: redo, editedSlices,
            threshold: voi ? `paints ${Math.round(voi.center - voi.width / 2)} to ${Math.round(voi.center + voi.width / 2)} (the window)` : null,
          } : null,
        } : null} />
      <div className="image-viewer-viewport">
        <div ref={elementRef} className="image-viewer-canvas" data-testid="viewer-image" role="img"
          aria-label={`slice ${index + 1} of ${count}`} onContextMenu={(e) => e.preventDefault()} />
        <div className="image-viewer-overlay top-right">
          <div data-testid="slice-number">slice {count ? index + 1 : 0} / {count}</div>
          {playing && <div data-testid="cine-playing">cine {CINE_FPS} fps</div>}
        </div>
        <div className="image-viewer-overlay bottom-left">
          <div data-testid="wl-readout">{voi ? `W: ${Math.round(voi.width)} L: ${Math.round(voi.center)}` : 'W: – L: –'}</div>
          {maskError && <div data-testid="mask-error">{maskError}</div>}
        </div>
        <div className="image-viewer-overlay bottom-right">
          <div data-testid="zoom-readout">{zoom === null ? '' : `Zoom: ${Math.round(zoom * 100)}%`}</div>
        </div>
        {!mode && !error && <div className="image-viewer-status" role="status">Loading series…</div>}
        {error && <div className="image-viewer-status" role="status" data-testid="viewer-error">Series failed to load: {error}</div>}
      </div>
      <div className={count > 0 && loaded >= count ? 'image-viewer-progress done' : 'image-viewer-progress'} data-testid="load-progress"
        data-loaded={loaded} data-total={count} aria-hidden={count > 0 && loaded >= count}>
        <progress value={loaded} max={Math.max(1, count)} aria-label="slices loaded" />
        <span>{loaded} / {count} loaded</span>
      </div>
      <input type="range" className="image-viewer-slider" min={1} max={Math.max(1, count)} value={index + 1}
        onChange={(e) => jump(Number(e.target.value) - 1)} aria-label="slice" data-testid="slice-slider" />
    </div>
  );
}
