'use client';
// A client-side image viewer for one series: native pixels drawn on a canvas through the
// modality and VOI LUTs (server-rendered PNGs where we cannot decode), window/level, zoom, pan,
// slice scrolling, progressive loading, and an optional mask overlay that readers can edit.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { InstanceMeta } from '../../lib/viewer/metadata';
import type { LoadedSlice } from '../../lib/viewer/dicomweb';
import { fullRangeWindow, type Window } from '../../lib/viewer/pixels';
import { isPresetName, PRESET_NAMES, WINDOW_PRESETS, type PresetName } from '../../lib/viewer/presets';
import { FIT, placeImage, zoomAt, type ImageGeometry, type ImagePlacement, type Size, type ViewState } from '../../lib/viewer/viewport';
import { MaskEdits } from '../../lib/viewer/mask-edits';
import { SliceRenderer, type Frame } from './slice-renderer';
import { Toolbar, type Tool } from './Toolbar';
import { useMasks } from './use-masks';
import { useRenderedFrame, useSeries } from './use-series';
import { usePointerTools, type PaintTarget } from './use-pointer-tools';

export interface ViewerMaskOptions {
  editable: boolean;
  version?: number;
  /** Called after each stroke, undo or redo with every edited slice's mask (0/1 per pixel; do not modify). */
  onChange?: (edited: Map<string, Uint8Array>) => void;
}

export interface ViewerProps {
  studyUid: string;
  seriesUid: string;
  /** Slices in display order. */
  instanceUids: string[];
  mask?: ViewerMaskOptions;
  initialPreset?: string;
}

const KEY_ZOOM_FACTOR = 1.25;
const WHEEL_STEP_PX = 50;
const LINE_PX = 40; // WheelEvent.DOM_DELTA_LINE, as browsers scroll a line
const SLIDER_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageUp', 'PageDown', 'Home', 'End']);

/** Whether a focused control inside the viewer uses this key itself (typing, moving a slider). */
function ownsKey(target: HTMLElement, key: string): boolean {
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  if (target.type === 'range') return SLIDER_KEYS.has(key);
  return target.type !== 'checkbox' && target.type !== 'button';
}

/** The file's own window (first value, PS3.3 §C.11.2.1.2), else the slice's full range. */
function defaultWindow(meta: InstanceMeta | undefined, slice: LoadedSlice | undefined): Window | null {
  if (meta?.windowCenter != null && meta.windowWidth != null && meta.windowWidth > 0) return { center: meta.windowCenter, width: meta.windowWidth };
  if (slice?.kind === 'pixels') return fullRangeWindow(slice.pixels, meta?.rescaleSlope ?? 1, meta?.rescaleIntercept ?? 0);
  return null;
}

function presetWindow(preset: PresetName, meta: InstanceMeta | undefined, slice: LoadedSlice | undefined): Window | null {
  return preset === 'default' ? defaultWindow(meta, slice) : WINDOW_PRESETS[preset];
}

export function Viewer({ studyUid, seriesUid, instanceUids, mask, initialPreset }: ViewerProps) {
  const count = instanceUids.length;
  const startPreset: PresetName = isPresetName(initialPreset) ? initialPreset : 'default';
  const [index, setIndex] = useState(0);
  const [preset, setPreset] = useState<PresetName | null>(startPreset);
  const [voiWindow, setVoiWindow] = useState<Window | null>(startPreset === 'default' ? null : WINDOW_PRESETS[startPreset]);
  const [view, setView] = useState<ViewState>(FIT);
  const [tool, setTool] = useState<Tool>('wl');
  const [brushRadius, setBrushRadius] = useState(5);
  const [maskVisible, setMaskVisible] = useState(true);
  const [maskOpacity, setMaskOpacity] = useState(0.4);
  const [helpOpen, setHelpOpen] = useState(false);
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  const [, setHistoryRevision] = useState(0);
  const rootRef = useRef<HTMLDivElement>(null);
  const viewportRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const renderer = useRef<SliceRenderer | null>(null);
  const edits = useRef(new MaskEdits());

  const series = useMemo(() => ({ studyUid, seriesUid }), [studyUid, seriesUid]);
  const { meta, metaError, loader, progress, preview } = useSeries(series, instanceUids, index);
  const sopInstanceUid = instanceUids[index];
  const early = preview?.meta.sopInstanceUid === sopInstanceUid ? preview : null;
  const slice = loader?.get(sopInstanceUid) ?? early?.slice;
  const sliceError = loader?.errorOf(sopInstanceUid);
  const sliceMeta = meta?.get(sopInstanceUid) ?? early?.meta;
  const needsPng = slice?.kind === 'rendered' || (!slice && !!sliceError);
  const bitmap = useRenderedFrame(series, sopInstanceUid, voiWindow, needsPng);
  const masks = useMasks(!!mask, mask?.version, instanceUids, index);

  // The first slice that arrives sets the default window, unless a preset was asked for.
  useEffect(() => {
    if (voiWindow || preset !== 'default') return;
    const initial = defaultWindow(sliceMeta, slice);
    if (initial) setVoiWindow(initial);
  }, [voiWindow, preset, sliceMeta, slice]);

  useEffect(() => {
    const element = viewportRef.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setSize({ width: entry.contentRect.width, height: entry.contentRect.height }));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  let image: Frame['image'] | null = null;
  if (slice?.kind === 'pixels') {
    image = {
      kind: 'pixels', key: sopInstanceUid, pixels: slice.pixels, rows: slice.rows, columns: slice.columns,
      slope: sliceMeta?.rescaleSlope ?? 1, intercept: sliceMeta?.rescaleIntercept ?? 0, invert: sliceMeta?.photometricInterpretation === 'MONOCHROME1',
    };
  } else if (bitmap) {
    image = { kind: 'bitmap', bitmap, rows: bitmap.height, columns: bitmap.width };
  }
  const geometry: ImageGeometry | null = image && { rows: image.rows, columns: image.columns, pixelSpacing: sliceMeta?.pixelSpacing ?? null };
  const placement: ImagePlacement | null = geometry && size.width > 0 && size.height > 0 ? placeImage(view, size, geometry) : null;

  const loadedMask = mask ? masks.get(sopInstanceUid) : undefined;
  const maskMismatch = !!(loadedMask && geometry && (loadedMask.rows !== geometry.rows || loadedMask.columns !== geometry.columns));
  const savedMask = (): Uint8Array | null => edits.current.get(sopInstanceUid) ?? (loadedMask && !maskMismatch ? loadedMask.mask : null);
  // Painting starts once we know whether the slice has a mask, so an edit never hides a late one.
  // A mask that failed to load is not painted over: saving would silently drop it.
  const paintTarget: PaintTarget | null = mask?.editable && geometry && loadedMask !== undefined && !maskMismatch && !masks.failed(sopInstanceUid)
    ? { sopInstanceUid, rows: geometry.rows, columns: geometry.columns, base: savedMask() }
    : null;

  const drawRef = useRef<() => void>(() => undefined);
  const notifyChange = () => mask?.onChange?.(edits.current.snapshot());
  const pointer = usePointerTools({
    tool, brushRadius, voiWindow, view, size, placement, paintTarget,
    onWindow: (next) => { setVoiWindow(next); setPreset(null); },
    onView: setView,
    onStroke: (target, data) => {
      edits.current.commit(target, data);
      setHistoryRevision((n) => n + 1);
      notifyChange();
    },
    redraw: () => drawRef.current(),
    focusViewer: () => rootRef.current?.focus({ preventScroll: true }),
  });

  useLayoutEffect(() => {
    drawRef.current = () => {
      const canvas = canvasRef.current;
      if (!canvas) return;
      renderer.current ??= new SliceRenderer();
      const pixelRatio = window.devicePixelRatio || 1;
      if (!image || !placement || (!voiWindow && image.kind === 'pixels')) {
        // Never leave the previous slice on screen under this slice's number.
        renderer.current.clear(canvas, size, pixelRatio);
        rootRef.current?.removeAttribute('data-rendered-slice');
        return;
      }
      const stroke = pointer.stroke();
      const maskData = stroke?.sopInstanceUid === sopInstanceUid ? stroke.data : savedMask();
      const hover = pointer.hover();
      renderer.current.draw(canvas, size, pixelRatio, {
        image,
        window: voiWindow ?? { center: 0, width: 1 }, // a PNG already carries its window
        placement,
        mask: mask && maskVisible && maskData ? { data: maskData, revision: stroke?.revision ?? 0, opacity: maskOpacity } : null,
        brush: paintTarget && hover && (tool === 'brush' || tool === 'eraser') ? { ...hover, radius: brushRadius } : null,
      });
      rootRef.current?.setAttribute('data-rendered-slice', String(index));
    };
    drawRef.current();
  });

  const move = useCallback((delta: number) => setIndex((i) => Math.min(count - 1, Math.max(0, i + delta))), [count]);
  const chooseTool = (next: Tool) => setTool(next);
  const choosePreset = (next: PresetName) => {
    const w = presetWindow(next, sliceMeta, slice);
    setPreset(next);
    if (w) setVoiWindow(w);
  };
  const zoomBy = (factor: number) => setView((v) => zoomAt(v, factor, { x: size.width / 2, y: size.height / 2 }, size));
  const fit = () => setView(FIT);
  const reset = () => { setView(FIT); choosePreset(startPreset); };
  const afterHistory = (touched: string | null) => {
    if (!touched) return;
    const at = instanceUids.indexOf(touched);
    if (at >= 0) setIndex(at); // show the slice that changed, like any editor's undo
    setHistoryRevision((n) => n + 1);
    notifyChange();
  };
  const undo = () => afterHistory(edits.current.undo());
  const redo = () => afterHistory(edits.current.redo());

  // The wheel listener must be non-passive to keep the page from scrolling under the viewer.
  const wheelRef = useRef<(event: WheelEvent) => void>(() => undefined);
  const wheelDelta = useRef(0);
  wheelRef.current = (event: WheelEvent) => {
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      const rect = canvasRef.current?.getBoundingClientRect();
      const anchor = rect ? { x: event.clientX - rect.left, y: event.clientY - rect.top } : { x: size.width / 2, y: size.height / 2 };
      setView((v) => zoomAt(v, Math.exp(-event.deltaY * 0.002), anchor, size));
    } else {
      // Trackpads send many small deltas, wheels one large one per notch: one slice per WHEEL_STEP_PX.
      const unit = event.deltaMode === 1 ? LINE_PX : event.deltaMode === 2 ? size.height : 1;
      wheelDelta.current += event.deltaY * unit;
      if (Math.abs(wheelDelta.current) >= WHEEL_STEP_PX) {
        move(wheelDelta.current > 0 ? 1 : -1);
        wheelDelta.current = 0;
      }
    }
  };
  useEffect(() => {
    const element = viewportRef.current;
    if (!element) return;
    const listener = (event: WheelEvent) => wheelRef.current(event);
    element.addEventListener('wheel', listener, { passive: false });
    return () => element.removeEventListener('wheel', listener);
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const key = event.key;
    if (ownsKey(event.target as HTMLElement, key)) return;
    const ctrl = event.ctrlKey || event.metaKey;
    let handled = true;
    if (ctrl && (key === 'z' || key === 'Z')) { if (event.shiftKey) redo(); else undo(); }
    else if (ctrl && (key === 'y' || key === 'Y')) redo();
    else if (ctrl) handled = false;
    else if (key === 'ArrowDown' || key === 'ArrowRight' || key === 'PageDown') move(1);
    else if (key === 'ArrowUp' || key === 'ArrowLeft' || key === 'PageUp') move(-1);
    else if (key === 'Home') setIndex(0);
    else if (key === 'End') setIndex(count - 1);
    else if (key === '+' || key === '=') zoomBy(KEY_ZOOM_FACTOR);
    else if (key === '-' || key === '_') zoomBy(1 / KEY_ZOOM_FACTOR);
    else if (key === 'f' || key === 'F') fit();
    else if (key === 'r' || key === 'R') reset();
    else if (key === 'w' || key === 'W') chooseTool('wl');
    else if (key === 'p' || key === 'P') chooseTool('pan');
    else if (key === 'z' || key === 'Z') chooseTool('zoom');
    else if ((key === 'b' || key === 'B') && mask?.editable) chooseTool('brush');
    else if ((key === 'e' || key === 'E') && mask?.editable) chooseTool('eraser');
    else if (key === '[' && mask?.editable) setBrushRadius((r) => Math.max(1, r - 1));
    else if (key === ']' && mask?.editable) setBrushRadius((r) => Math.min(50, r + 1));
    else if ((key === 'm' || key === 'M') && mask) setMaskVisible((v) => !v);
    else if (key === '?') setHelpOpen((open) => !open);
    else if (key === 'Escape' && helpOpen) setHelpOpen(false);
    else if (/^[1-9]$/.test(key) && PRESET_NAMES[Number(key) - 1]) choosePreset(PRESET_NAMES[Number(key) - 1]);
    else handled = false;
    if (handled) event.preventDefault();
  };

  const done = progress.loaded + progress.failed;
  const zoomPercent = placement ? Math.round(placement.scaleX * 100) : null;
  const status = !meta && !geometry ? 'Loading series…' : !geometry ? (sliceError && !needsPng ? `Slice failed to load: ${sliceError}` : 'Loading slice…') : null;
  return (
    <div className="image-viewer" ref={rootRef} tabIndex={0} onKeyDown={onKeyDown} data-testid="viewer" data-tool={tool}
      aria-label="image viewer: arrow keys or wheel change the slice, question mark lists the shortcuts">
      <Toolbar
        tool={tool} onTool={chooseTool} preset={preset} onPreset={choosePreset} onFit={fit} onReset={reset}
        helpOpen={helpOpen} onHelp={setHelpOpen}
        mask={mask ? {
          visible: maskVisible, onVisible: setMaskVisible, opacity: maskOpacity, onOpacity: setMaskOpacity,
          editing: mask.editable ? {
            brushRadius, onBrushRadius: setBrushRadius, canUndo: edits.current.canUndo, canRedo: edits.current.canRedo,
            onUndo: undo, onRedo: redo, editedSlices: edits.current.editedCount,
          } : null,
        } : null}
      />
      <div className="image-viewer-viewport" ref={viewportRef}>
        <canvas ref={canvasRef} className="image-viewer-canvas" data-testid="viewer-image" role="img"
          aria-label={`slice ${index + 1} of ${count}`} onContextMenu={(e) => e.preventDefault()}
          onMouseDown={(e) => { if (e.button === 1) e.preventDefault(); /* no autoscroll: middle-drag pans */ }} {...pointer.handlers} />
        <div className="image-viewer-overlay top-left">
          <div data-testid="overlay-patient">{sliceMeta?.patientName ?? ''}</div>
          <div data-testid="overlay-series">{sliceMeta?.seriesDescription ?? ''}</div>
        </div>
        <div className="image-viewer-overlay top-right">
          <div data-testid="slice-number">slice {index + 1} / {count}</div>
          {sliceMeta?.instanceNumber != null && <div>Im: {sliceMeta.instanceNumber}</div>}
        </div>
        <div className="image-viewer-overlay bottom-left">
          <div data-testid="wl-readout">{voiWindow ? `W: ${Math.round(voiWindow.width)} L: ${Math.round(voiWindow.center)}` : 'W: – L: –'}</div>
          {needsPng && <div title={slice?.kind === 'rendered' ? slice.reason : sliceError}>server-rendered</div>}
          {mask && loadedMask === undefined && <div>mask loading…</div>}
          {mask && masks.failed(sopInstanceUid) && <div>mask failed to load</div>}
          {maskMismatch && <div>mask size differs from the image; not shown</div>}
        </div>
        <div className="image-viewer-overlay bottom-right">
          <div data-testid="zoom-readout">{zoomPercent === null ? '' : `Zoom: ${zoomPercent}%`}</div>
        </div>
        {status && <div className="image-viewer-status" role="status">{status}</div>}
        {metaError && <div className="image-viewer-status" role="status">Series details unavailable ({metaError}); showing server-rendered images</div>}
        <div className={done >= progress.total ? 'image-viewer-progress done' : 'image-viewer-progress'} data-testid="load-progress"
          data-loaded={progress.loaded} data-failed={progress.failed} data-total={progress.total} aria-hidden={done >= progress.total}>
          <progress value={done} max={Math.max(1, progress.total)} aria-label="slices loaded" />
          <span>{done} / {progress.total} loaded{progress.failed ? ` (${progress.failed} failed)` : ''}</span>
        </div>
      </div>
      <input type="range" className="image-viewer-slider" min={1} max={Math.max(1, count)} value={index + 1}
        onChange={(e) => setIndex(Number(e.target.value) - 1)} aria-label="slice" data-testid="slice-slider" />
    </div>
  );
}
