// Where the image sits on the canvas: fit to the viewport keeping the physical aspect ratio
// (PixelSpacing, PS3.3 §10.7.1.3), then zoom and pan. Pure: numbers in, numbers out.

export interface ViewState { zoom: number; panX: number; panY: number } // zoom 1 = fit; pan in CSS px
export interface Size { width: number; height: number }
export interface ImageGeometry { rows: number; columns: number; pixelSpacing: [number, number] | null }
export interface Point { x: number; y: number }
/** Screen pixels per image pixel along x and y, and the image's top-left corner on the canvas. */
export interface ImagePlacement { scaleX: number; scaleY: number; left: number; top: number }

export const FIT: ViewState = { zoom: 1, panX: 0, panY: 0 };
export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 40;

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

export function placeImage(view: ViewState, viewport: Size, image: ImageGeometry): ImagePlacement {
  const [rowSpacing, columnSpacing] = image.pixelSpacing ?? [1, 1];
  const physicalWidth = image.columns * columnSpacing;
  const physicalHeight = image.rows * rowSpacing;
  const fit = Math.min(viewport.width / physicalWidth, viewport.height / physicalHeight);
  const scaleX = fit * view.zoom * columnSpacing;
  const scaleY = fit * view.zoom * rowSpacing;
  return {
    scaleX,
    scaleY,
    left: viewport.width / 2 + view.panX - (image.columns * scaleX) / 2,
    top: viewport.height / 2 + view.panY - (image.rows * scaleY) / 2,
  };
}

/** Canvas point (CSS px) → image coordinates (columns, rows; pixel (i, j) spans [i, i+1)). */
export function canvasToImage(point: Point, placement: ImagePlacement): Point {
  return { x: (point.x - placement.left) / placement.scaleX, y: (point.y - placement.top) / placement.scaleY };
}

/** The view zoomed by `factor` keeping the image point under `anchor` (canvas CSS px) where it is. */
export function zoomAt(view: ViewState, factor: number, anchor: Point, viewport: Size): ViewState {
  const zoom = clampZoom(view.zoom * factor);
  const applied = zoom / view.zoom;
  // The image centre sits at viewport centre + pan; scaling about the anchor moves it by (1 − k).
  const cx = viewport.width / 2 + view.panX;
  const cy = viewport.height / 2 + view.panY;
  const newCx = anchor.x + (cx - anchor.x) * applied;
  const newCy = anchor.y + (cy - anchor.y) * applied;
  return { zoom, panX: newCx - viewport.width / 2, panY: newCy - viewport.height / 2 };
}
