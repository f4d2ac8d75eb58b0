'use client';
// The viewer's controls: interaction and measurement tools, window presets, fit / reset, the
// segmentation layers (toggle, opacity, colour per annotation version), labelmap editing tools
// (brush, eraser, threshold brush, scissors, brush size, undo / redo), and the shortcut help.
import { useId } from 'react';
import { PRESET_NAMES, type PresetName } from '../../lib/presets';

export type NavigationTool = 'wl' | 'pan' | 'zoom';
export type MeasureTool = 'length' | 'bidirectional' | 'angle' | 'ellipse' | 'rectangle' | 'probe';
export type EditTool = 'brush' | 'eraser' | 'threshold' | 'scissors';
export type Tool = NavigationTool | MeasureTool | EditTool;

export const NAVIGATION_TOOLS: NavigationTool[] = ['wl', 'pan', 'zoom'];
export const MEASURE_TOOLS: MeasureTool[] = ['length', 'bidirectional', 'angle', 'ellipse', 'rectangle', 'probe'];
export const EDIT_TOOLS: EditTool[] = ['brush', 'eraser', 'threshold', 'scissors'];

export const TOOL_LABELS: Record<Tool, { label: string; key: string }> = {
  wl: { label: 'W/L', key: 'W' },
  pan: { label: 'Pan', key: 'P' },
  zoom: { label: 'Zoom', key: 'Z' },
  length: { label: 'Length', key: 'L' },
  bidirectional: { label: 'Bidir.', key: 'D' },
  angle: { label: 'Angle', key: 'A' },
  ellipse: { label: 'Ellipse', key: 'O' },
  rectangle: { label: 'Rect.', key: 'Q' },
  probe: { label: 'Probe', key: 'V' },
  brush: { label: 'Brush', key: 'B' },
  eraser: { label: 'Eraser', key: 'E' },
  threshold: { label: 'Threshold', key: 'T' },
  scissors: { label: 'Scissors', key: 'S' },
};

export const SHORTCUTS: [string, string][] = [
  ['Wheel, ↑ ↓, PgUp PgDn', 'previous / next slice'],
  ['Home / End', 'first / last slice'],
  ['+ −', 'zoom'],
  ['F / R', 'fit to window / reset view and window'],
  ['Right-drag', 'window / level'],
  ['Middle-drag', 'pan'],
  ['W P Z', 'window/level, pan, zoom tool'],
  ['L D A', 'length, bidirectional, angle'],
  ['O Q V', 'elliptical ROI, rectangle ROI, probe (HU)'],
  ['B E T S', 'brush, eraser, threshold brush (inside the window), rectangle scissors (editable masks)'],
  ['[ ]', 'smaller / larger brush'],
  ['1 – 6', 'window presets'],
  ['C', 'cine (multi-frame)'],
  ['M', 'masks on / off'],
  ['Ctrl+Z, Ctrl+Y or Ctrl+Shift+Z', 'undo, redo'],
  ['?', 'this help'],
];

export interface LayerControl {
  key: string;
  title: string;
  /** CSS colour of the layer's segment. */
  colour: string;
  visible: boolean;
  opacity: number;
  editable: boolean;
}

export interface ToolbarProps {
  tool: Tool;
  onTool: (tool: Tool) => void;
  preset: PresetName | null;
  onPreset: (preset: PresetName) => void;
  onFit: () => void;
  onReset: () => void;
  /** Measurement tools on offer. */
  measure: boolean;
  layers: null | {
    list: LayerControl[];
    onVisible: (key: string, visible: boolean) => void;
    onOpacity: (key: string, opacity: number) => void;
    /** null: not editable; else the editing controls (ready: masks loaded, painting allowed). */
    editing: null | {
      ready: boolean;
      brushRadius: number;
      onBrushRadius: (radius: number) => void;
      canUndo: boolean;
      canRedo: boolean;
      onUndo: () => void;
      onRedo: () => void;
      editedSlices: number;
      threshold: string | null;
    };
  };
  helpOpen: boolean;
  onHelp: (open: boolean) => void;
}

function ToolButton({ tool, active, onTool, disabled }: { tool: Tool; active: boolean; onTool: (tool: Tool) => void; disabled?: boolean }) {
  const { label, key } = TOOL_LABELS[tool];
  return (
    <button type="button" className={active ? 'small' : 'small secondary'} aria-pressed={active} title={`${label} (${key})`} onClick={() => onTool(tool)}
      disabled={disabled} data-testid={`tool-${tool}`}>
      {label}
    </button>
  );
}

export function Toolbar(props: ToolbarProps) {
  const { tool, onTool, preset, onPreset, layers } = props;
  const helpId = useId();
  const editing = layers?.editing ?? null;
  return (
    <div className="image-viewer-toolbar" role="toolbar" aria-label="viewer tools">
      <div className="image-viewer-group" role="group" aria-label="tool">
        {NAVIGATION_TOOLS.map((t) => <ToolButton key={t} tool={t} active={t === tool} onTool={onTool} />)}
      </div>
      {props.measure && (
        <div className="image-viewer-group" role="group" aria-label="measure">
          {MEASURE_TOOLS.map((t) => <ToolButton key={t} tool={t} active={t === tool} onTool={onTool} />)}
        </div>
      )}
      <div className="image-viewer-group" role="group" aria-label="window preset">
        {PRESET_NAMES.map((p, i) => (
          <button key={p} type="button" className={p === preset ? 'small' : 'small secondary'} aria-pressed={p === preset} title={`${p} (${i + 1})`} onClick={() => onPreset(p)} data-testid={`preset-${p}`}>{p}</button>
        ))}
      </div>
      <div className="image-viewer-group" role="group" aria-label="view">
        <button type="button" className="small secondary" title="Fit to window (F)" onClick={props.onFit} data-testid="fit">Fit</button>
        <button type="button" className="small secondary" title="Reset view and window (R)" onClick={props.onReset} data-testid="reset">Reset</button>
      </div>
      {layers && layers.list.length > 0 && (
        <div className="image-viewer-group image-viewer-layers" role="group" aria-label="masks">
          {layers.list.map((layer) => (
            <span key={layer.key} className="image-viewer-layer" data-testid="mask-layer" data-layer={layer.key}>
              <label className="image-viewer-check">
                <input type="checkbox" checked={layer.visible} onChange={(e) => layers.onVisible(layer.key, e.target.checked)} data-testid={`layer-toggle-${layer.key}`} />
                <span className="image-viewer-swatch" style={{ background: layer.colour }} aria-hidden /> {layer.title}
              </label>
              <input type="range" min={0} max={100} value={Math.round(layer.opacity * 100)} onChange={(e) => layers.onOpacity(layer.key, Number(e.target.value) / 100)}
                aria-label={`${layer.title} opacity`} data-testid={`layer-opacity-${layer.key}`} />
            </span>
          ))}
        </div>
      )}
      {editing && (
        <div className="image-viewer-group" role="group" aria-label="mask editing">
          {EDIT_TOOLS.map((t) => <ToolButton key={t} tool={t} active={t === tool} onTool={onTool} disabled={!editing.ready} />)}
          <label className="image-viewer-range">
            <span>Brush {editing.brushRadius}</span>
            <input type="range" min={1} max={50} value={editing.brushRadius} onChange={(e) => editing.onBrushRadius(Number(e.target.value))} aria-label="brush size" data-testid="brush-size" />
          </label>
          {tool === 'threshold' && editing.threshold && <span className="muted" data-testid="threshold-range">{editing.threshold}</span>}
          <button type="button" className="small secondary" title="Undo (Ctrl+Z)" disabled={!editing.canUndo} onClick={editing.onUndo} data-testid="undo">Undo</button>
          <button type="button" className="small secondary" title="Redo (Ctrl+Y)" disabled={!editing.canRedo} onClick={editing.onRedo} data-testid="redo">Redo</button>
          <span className="image-viewer-edited" data-testid="edited-count">{editing.ready ? `${editing.editedSlices} ${editing.editedSlices === 1 ? 'slice' : 'slices'} edited` : 'masks loading…'}</span>
        </div>
      )}
      <div className="image-viewer-help">
        <button type="button" className="small secondary" aria-expanded={props.helpOpen} aria-controls={helpId} title="Keyboard shortcuts (?)" onClick={() => props.onHelp(!props.helpOpen)} data-testid="help-toggle">?</button>
        {props.helpOpen && (
          <section id={helpId} className="image-viewer-shortcuts" aria-label="keyboard shortcuts" data-testid="help">
            <table>
              <tbody>
                {SHORTCUTS.map(([keys, action]) => <tr key={keys}><th scope="row">{keys}</th><td>{action}</td></tr>)}
              </tbody>
            </table>
          </section>
        )}
      </div>
    </div>
  );
}
