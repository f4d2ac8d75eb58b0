'use client';
// A Cornerstone3D stack viewport for one series over our WADO-RS (metadata + frames, decoded by
// the dicom-image-loader's bundled worker): window/level with the shared presets, scroll, zoom,
// pan, cine for multi-frame instances, and the keyboard shortcuts listed under `?`.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import * as core from '@cornerstonejs/core';
import * as tools from '@cornerstonejs/tools';
import { ensureCornerstone, fetchSeriesJson, registerImageIds, type RenderMode } from '../../lib/cornerstone/setup';
import { isPresetName, PRESET_NAMES, WINDOW_PRESETS, type PresetName } from '../../lib/viewer/presets';
import { Toolbar, type Tool } from '../viewer/Toolbar';

export interface StackViewerProps {
  studyUid: string;
  seriesUid: string;
  /** Slices in display order. */
  instanceUids: string[];
  initialPreset?: string;
}

const TOOL_NAMES: Record<'wl' | 'pan' | 'zoom', string> = {
  wl: tools.WindowLevelTool.toolName,
  pan: tools.PanTool.toolName,
  zoom: tools.ZoomTool.toolName,
};
const CINE_FPS = 15;
let nextId = 0;

interface Voi { center: number; width: number }

function voiOf(viewport: core.Types.IStackViewport): Voi | null {
  const range = viewport.getProperties().voiRange;
  if (!range) return null;
  return { center: (range.lower + range.upper) / 2, width: range.upper - range.lower };
}

export function StackViewer({ studyUid, seriesUid, instanceUids, initialPreset }: StackViewerProps) {
  const startPreset: PresetName = isPresetName(initialPreset) ? initialPreset : 'default';
  const rootRef = useRef<HTMLDivElement>(null);
  const elementRef = useRef<HTMLDivElement>(null);
  const viewportRef = useRef<core.Types.IStackViewport | null>(null);
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
  const instanceKey = instanceUids.join('\\');

  useEffect(() => {
    const element = elementRef.current;
    if (!element) return;
    const abort = new AbortController();
    let engine: core.RenderingEngine | null = null;
    const onRendered = () => {
      const viewport = viewportRef.current;
      if (!viewport) return;
      setIndex(viewport.getCurrentImageIdIndex());
      setVoi(voiOf(viewport));
      setZoom(viewport.getZoom());
      rootRef.current?.setAttribute('data-rendered-slice', String(viewport.getCurrentImageIdIndex()));
    };
    (async () => {
      const renderMode = await ensureCornerstone();
      const metadata = await fetchSeriesJson(studyUid, seriesUid, abort.signal);
      if (abort.signal.aborted) return;
      const imageIds = registerImageIds(studyUid, seriesUid, instanceUids, metadata);
      if (imageIds.length === 0) throw new Error('the series has no instances with metadata');
      engine = new core.RenderingEngine(ids.engine);
      engine.enableElement({ viewportId: ids.viewport, type: core.Enums.ViewportType.STACK, element });
      const viewport = engine.getViewport(ids.viewport) as core.Types.IStackViewport;
      viewportRef.current = viewport;
      const group = tools.ToolGroupManager.createToolGroup(ids.toolGroup);
      if (!group) throw new Error('tool group exists');
      group.addTool(tools.WindowLevelTool.toolName);
      group.addTool(tools.PanTool.toolName);
      group.addTool(tools.ZoomTool.toolName);
      group.addTool(tools.StackScrollTool.toolName);
      group.addViewport(ids.viewport, ids.engine);
      const { MouseBindings } = tools.Enums;
      group.setToolActive(tools.WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }, { mouseButton: MouseBindings.Secondary }] });
      group.setToolActive(tools.PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
      group.setToolActive(tools.StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
      element.addEventListener(core.Enums.Events.IMAGE_RENDERED, onRendered);
      setCount(imageIds.length);
      setMode(renderMode);
      await viewport.setStack(imageIds, 0);
      if (startPreset !== 'default') {
        const w = WINDOW_PRESETS[startPreset];
        viewport.setProperties({ voiRange: { lower: w.center - w.width / 2, upper: w.center + w.width / 2 } });
      }
      viewport.render();
      // The rest of the series into Cornerstone's image cache in the background, so scrolling
      // never waits for the network; the cache's own size bound keeps a long series' memory bounded.
      let done = 0;
      for (const imageId of imageIds) {
        void core.imageLoader.loadAndCacheImage(imageId).then(() => undefined, () => undefined).then(() => {
          if (!abort.signal.aborted) setLoaded(++done);
        });
      }
    })().catch((e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      abort.abort();
      element.removeEventListener(core.Enums.Events.IMAGE_RENDERED, onRendered);
      try { tools.utilities.cine.stopClip(element); } catch { /* not playing */ }
      tools.ToolGroupManager.destroyToolGroup(ids.toolGroup);
      engine?.destroy();
      viewportRef.current = null;
    };
    // One viewport per series and slice list: the effect re-runs only when those change.
  }, [studyUid, seriesUid, instanceKey]);

  const chooseTool = (next: Tool) => {
    if (next !== 'wl' && next !== 'pan' && next !== 'zoom') return;
    const group = tools.ToolGroupManager.getToolGroup(ids.toolGroup);
    if (!group) return;
    const { MouseBindings } = tools.Enums;
    for (const name of Object.values(TOOL_NAMES)) group.setToolPassive(name, { removeAllBindings: [{ mouseButton: MouseBindings.Primary }] } as never);
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
  const move = (delta: number) => viewportRef.current?.scroll(delta);
  const jump = (at: number) => {
    const viewport = viewportRef.current;
    if (viewport) void viewport.setImageIdIndex(Math.min(count - 1, Math.max(0, at)));
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

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target instanceof HTMLInputElement && target.type === 'range') return;
    const key = event.key;
    let handled = true;
    if (event.ctrlKey || event.metaKey) handled = false;
    else if (key === 'ArrowDown' || key === 'ArrowRight' || key === 'PageDown') move(1);
    else if (key === 'ArrowUp' || key === 'ArrowLeft' || key === 'PageUp') move(-1);
    else if (key === 'Home') jump(0);
    else if (key === 'End') jump(count - 1);
    else if (key === '+' || key === '=') zoomBy(1.25);
    else if (key === '-' || key === '_') zoomBy(0.8);
    else if (key === 'f' || key === 'F') fit();
    else if (key === 'r' || key === 'R') reset();
    else if (key === 'w' || key === 'W') chooseTool('wl');
    else if (key === 'p' || key === 'P') chooseTool('pan');
    else if (key === 'z' || key === 'Z') chooseTool('zoom');
    else if (key === 'c' || key === 'C') toggleCine();
    else if (key === '?') setHelpOpen((open) => !open);
    else if (key === 'Escape' && helpOpen) setHelpOpen(false);
    else if (/^[1-9]$/.test(key) && PRESET_NAMES[Number(key) - 1]) choosePreset(PRESET_NAMES[Number(key) - 1]);
    else handled = false;
    if (handled) event.preventDefault();
  };

  return (
    <div className="image-viewer" ref={rootRef} tabIndex={0} onKeyDown={onKeyDown} data-testid="viewer" data-tool={tool}
      data-engine="cornerstone3d" data-render-mode={mode ?? undefined}
      aria-label="image viewer: arrow keys or wheel change the slice, question mark lists the shortcuts">
      <Toolbar tool={tool} onTool={chooseTool} preset={preset} onPreset={choosePreset} onFit={fit} onReset={reset}
        helpOpen={helpOpen} onHelp={setHelpOpen} mask={null} />
      <div className="image-viewer-viewport">
        <div ref={elementRef} className="image-viewer-canvas" data-testid="viewer-image" role="img"
          aria-label={`slice ${index + 1} of ${count}`} onContextMenu={(e) => e.preventDefault()} />
        <div className="image-viewer-overlay top-right">
          <div data-testid="slice-number">slice {count ? index + 1 : 0} / {count}</div>
          {playing && <div data-testid="cine-playing">cine {CINE_FPS} fps</div>}
        </div>
        <div className="image-viewer-overlay bottom-left">
          <div data-testid="wl-readout">{voi ? `W: ${Math.round(voi.width)} L: ${Math.round(voi.center)}` : 'W: – L: –'}</div>
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
