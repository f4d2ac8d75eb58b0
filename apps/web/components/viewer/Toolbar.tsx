'use client';
// The viewer's controls: interaction tools, window presets, fit / reset, mask display and
// editing (brush size, undo / redo), and the keyboard shortcut help.
import { useId } from 'react';
import { PRESET_NAMES, type PresetName } from '../../lib/viewer/presets';

export type Tool = 'wl' | 'pan' | 'zoom' | 'brush' | 'eraser';

const TOOL_LABELS: Record<Tool, { label: string; key: string }> = {
  wl: { label: 'W/L', key: 'W' },
  pan: { label: 'Pan', key: 'P' },
  zoom: { label: 'Zoom', key: 'Z' },
  brush: { label: 'Brush', key: 'B' },
  eraser: { label: 'Eraser', key: 'E' },
};

export const SHORTCUTS: [string, string][] = [
  ['Wheel, ↑ ↓, PgUp PgDn', 'previous / next slice'],
  ['Home / End', 'first / last slice'],
  ['Ctrl+wheel, + −', 'zoom'],
  ['F / R', 'fit to window / reset view and window'],
  ['Right-drag', 'window / level (→ width, ↓ level)'],
  ['Middle-drag', 'pan'],
  ['W P Z', 'window/level, pan, zoom tool'],
  ['B E', 'brush, eraser (editable masks)'],
  ['[ ]', 'smaller / larger brush'],
  ['1 – 6', 'window presets'],
  ['M', 'mask on / off'],
  ['Ctrl+Z, Ctrl+Y or Ctrl+Shift+Z', 'undo, redo'],
  ['?', 'this help'],
];

export interface ToolbarProps {
  tool: Tool;
  onTool: (tool: Tool) => void;
  preset: PresetName | null;
  onPreset: (preset: PresetName) => void;
  onFit: () => void;
  onReset: () => void;
  mask: null | {
    visible: boolean;
    onVisible: (visible: boolean) => void;
    opacity: number;
    onOpacity: (opacity: number) => void;
    editing: null | {
      brushRadius: number;
      onBrushRadius: (radius: number) => void;
      canUndo: boolean;
      canRedo: boolean;
      onUndo: () => void;
      onRedo: () => void;
      editedSlices: number;
    };
  };
  helpOpen: boolean;
  onHelp: (open: boolean) => void;
}

function ToolButton({ tool, active, onTool }: { tool: Tool; active: boolean; onTool: (tool: Tool) => void }) {
  const { label, key } = TOOL_LABELS[tool];
  return (
    <button type="button" className={active ? 'small' : 'small secondary'} aria-pressed={active} title={`${label} (${key})`} onClick={() => onTool(tool)} data-testid={`tool-${tool}`}>
      {label}
    </button>
  );
}

export function Toolbar(props: ToolbarProps) {
  const { tool, onTool, preset, onPreset, mask } = props;
  const helpId = useId();
  const tools: Tool[] = mask?.editing ? ['wl', 'pan', 'zoom', 'brush', 'eraser'] : ['wl', 'pan', 'zoom'];
  return (
    <div className="image-viewer-toolbar" role="toolbar" aria-label="viewer tools">
      <div className="image-viewer-group" role="group" aria-label="tool">
        {tools.map((t) => <ToolButton key={t} tool={t} active={t === tool} onTool={onTool} />)}
      </div>
      <div className="image-viewer-group" role="group" aria-label="window preset">
        {PRESET_NAMES.map((p, i) => (
          <button key={p} type="button" className={p === preset ? 'small' : 'small secondary'} aria-pressed={p === preset} title={`${p} (${i + 1})`} onClick={() => onPreset(p)} data-testid={`preset-${p}`}>{p}</button>
        ))}
      </div>
      <div className="image-viewer-group" role="group" aria-label="view">
        <button type="button" className="small secondary" title="Fit to window (F)" onClick={props.onFit} data-testid="fit">Fit</button>
        <button type="button" className="small secondary" title="Reset view and window (R)" onClick={props.onReset} data-testid="reset">Reset</button>
      </div>
      {mask && (
        <div className="image-viewer-group" role="group" aria-label="mask">
          <label className="image-viewer-check">
            <input type="checkbox" checked={mask.visible} onChange={(e) => mask.onVisible(e.target.checked)} data-testid="mask-toggle" /> Mask
          </label>
          <label className="image-viewer-range">
            <span>Opacity</span>
            <input type="range" min={0} max={100} value={Math.round(mask.opacity * 100)} onChange={(e) => mask.onOpacity(Number(e.target.value) / 100)} aria-label="mask opacity" data-testid="mask-opacity" />
          </label>
          {mask.editing && (
            <>
              <label className="image-viewer-range">
                <span>Brush {mask.editing.brushRadius}</span>
                <input type="range" min={1} max={50} value={mask.editing.brushRadius} onChange={(e) => mask.editing?.onBrushRadius(Number(e.target.value))} aria-label="brush radius in image pixels" data-testid="brush-size" />
              </label>
              <button type="button" className="small secondary" title="Undo (Ctrl+Z)" disabled={!mask.editing.canUndo} onClick={mask.editing.onUndo} data-testid="undo">Undo</button>
              <button type="button" className="small secondary" title="Redo (Ctrl+Y)" disabled={!mask.editing.canRedo} onClick={mask.editing.onRedo} data-testid="redo">Redo</button>
              <span className="image-viewer-edited" data-testid="edited-count">{mask.editing.editedSlices} {mask.editing.editedSlices === 1 ? 'slice' : 'slices'} edited</span>
            </>
          )}
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
