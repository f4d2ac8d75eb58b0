// Mouse / pen interaction on the viewer canvas: the left button uses the chosen tool, the right
// button always does window/level and the middle button pans, as in most PACS viewers.
import { useRef, type PointerEvent } from 'react';
import { paintSegment } from '../../lib/viewer/mask';
import type { Window } from '../../lib/viewer/pixels';
import { canvasToImage, zoomAt, type ImagePlacement, type Point, type Size, type ViewState } from '../../lib/viewer/viewport';
import type { Tool } from './Toolbar';

/** The slice a brush stroke may paint on, and the mask it starts from (null: empty). */
export interface PaintTarget { sopInstanceUid: string; rows: number; columns: number; base: Uint8Array | null }

export interface Stroke { sopInstanceUid: string; data: Uint8Array; revision: number }

interface PointerToolsOptions {
  tool: Tool;
  brushRadius: number;
  voiWindow: Window | null;
  view: ViewState;
  size: Size;
  placement: ImagePlacement | null;
  paintTarget: PaintTarget | null;
  onWindow: (window: Window) => void;
  onView: (view: ViewState) => void;
  onStroke: (sopInstanceUid: string, mask: Uint8Array) => void;
  redraw: () => void;
  focusViewer: () => void;
}

type Drag =
  | { action: 'wl'; start: Point; window: Window; sensitivity: number }
  | { action: 'pan' | 'zoom'; start: Point; view: ViewState }
  | { action: 'paint'; value: 0 | 1; last: Point; changed: boolean; target: PaintTarget };

const ZOOM_PER_PX = 0.01;

function localPoint(event: PointerEvent<HTMLCanvasElement>): Point {
  const rect = event.currentTarget.getBoundingClientRect();
  return { x: event.clientX - rect.left, y: event.clientY - rect.top };
}

export function usePointerTools(options: PointerToolsOptions) {
  const latest = useRef(options);
  latest.current = options;
  const drag = useRef<Drag | null>(null);
  const stroke = useRef<Stroke | null>(null);
  const hover = useRef<Point | null>(null);
  const revision = useRef(0);

  const paintTo = (point: Point) => {
    const d = drag.current;
    const { placement, brushRadius } = latest.current;
    if (d?.action !== 'paint' || !placement || !stroke.current) return;
    const at = canvasToImage(point, placement);
    if (paintSegment(stroke.current.data, d.target.rows, d.target.columns, d.last, at, brushRadius, d.value)) {
      d.changed = true;
      stroke.current.revision = ++revision.current;
    }
    d.last = at;
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    const o = latest.current;
    o.focusViewer();
    const start = localPoint(event);
    const action = event.button === 1 ? 'pan' : event.button === 2 ? 'wl' : event.button === 0 ? o.tool : null;
    if (action === 'wl' && o.voiWindow) {
      // Sensitivity follows the window's own scale: a CT lung window moves faster than a brain one.
      drag.current = { action, start, window: o.voiWindow, sensitivity: Math.max(1, o.voiWindow.width / 256) };
    } else if (action === 'pan' || action === 'zoom') {
      drag.current = { action, start, view: o.view };
    } else if ((action === 'brush' || action === 'eraser') && o.paintTarget && o.placement) {
      const target = o.paintTarget;
      const data = target.base ? target.base.slice() : new Uint8Array(target.rows * target.columns);
      stroke.current = { sopInstanceUid: target.sopInstanceUid, data, revision: ++revision.current };
      drag.current = { action: 'paint', value: action === 'brush' ? 1 : 0, last: canvasToImage(start, o.placement), changed: false, target };
      paintTo(start);
      o.redraw();
    } else {
      return;
    }
    event.currentTarget.setPointerCapture(event.pointerId);
    event.preventDefault();
  };

  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const o = latest.current;
    const point = localPoint(event);
    hover.current = point;
    const d = drag.current;
    if (!d) {
      if (o.tool === 'brush' || o.tool === 'eraser') o.redraw(); // the brush outline follows the pointer
      return;
    }
    if (d.action === 'wl') {
      const dx = point.x - d.start.x;
      const dy = point.y - d.start.y;
      o.onWindow({ center: d.window.center + dy * d.sensitivity, width: Math.max(1, d.window.width + dx * d.sensitivity) });
    } else if (d.action === 'pan') {
      o.onView({ ...d.view, panX: d.view.panX + point.x - d.start.x, panY: d.view.panY + point.y - d.start.y });
    } else if (d.action === 'zoom') {
      o.onView(zoomAt(d.view, Math.exp(-(point.y - d.start.y) * ZOOM_PER_PX), d.start, o.size));
    } else {
      paintTo(point);
      o.redraw();
    }
  };

  const finish = () => {
    const d = drag.current;
    drag.current = null;
    if (d?.action !== 'paint') return;
    const finished = stroke.current;
    stroke.current = null;
    if (finished && d.changed) latest.current.onStroke(finished.sopInstanceUid, finished.data);
    else latest.current.redraw();
  };

  const onPointerLeave = () => {
    hover.current = null;
    if (!drag.current) latest.current.redraw();
  };

  return {
    handlers: { onPointerDown, onPointerMove, onPointerUp: finish, onPointerCancel: finish, onPointerLeave },
    /** The stroke being painted, drawn instead of the saved mask until it ends. */
    stroke: () => stroke.current,
    hover: () => hover.current,
  };
}
