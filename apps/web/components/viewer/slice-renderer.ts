// Draws one slice on the viewport canvas: the greyscale image through a display LUT (or a
// server-rendered PNG), the mask as a coloured layer, and the brush outline. Offscreen canvases
// hold the image and mask at native resolution, so zoom and pan are a single drawImage each.
import { applyDisplayLut, buildDisplayLut, type StoredPixels, type Window } from '../../lib/viewer/pixels';
import type { ImagePlacement, Size } from '../../lib/viewer/viewport';

const MASK_RGBA = 0xff3c3cff; // opaque red-orange as little-endian RGBA (R in the low byte)

export interface GreyscaleSource { kind: 'pixels'; key: string; pixels: StoredPixels; rows: number; columns: number; slope: number; intercept: number; invert: boolean }
export interface BitmapSource { kind: 'bitmap'; bitmap: ImageBitmap; rows: number; columns: number }

export interface Frame {
  image: GreyscaleSource | BitmapSource;
  window: Window;
  placement: ImagePlacement;
  mask: { data: Uint8Array; revision: number; opacity: number } | null;
  brush: { x: number; y: number; radius: number } | null; // canvas CSS px and image px
}

function offscreen(): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d');
  if (!context) throw new Error('2D canvas is not available');
  return { canvas, context };
}

export class SliceRenderer {
  private readonly image = offscreen();
  private readonly mask = offscreen();
  private imageKey = '';
  private imageData: ImageData | null = null;
  private lut: Uint32Array | null = null;
  private lutKey = '';
  private maskData: Uint8Array | null = null;
  private maskRevision = -1;

  /** Blanks `target`, sized `viewport` CSS px at `pixelRatio` device px each; null if it has no 2D context. */
  clear(target: HTMLCanvasElement, viewport: Size, pixelRatio: number): CanvasRenderingContext2D | null {
    const width = Math.max(1, Math.round(viewport.width * pixelRatio));
    const height = Math.max(1, Math.round(viewport.height * pixelRatio));
    if (target.width !== width) target.width = width;
    if (target.height !== height) target.height = height;
    const context = target.getContext('2d');
    if (!context) return null;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = '#000';
    context.fillRect(0, 0, width, height);
    return context;
  }

  /** Paints `frame` on `target` (see clear). */
  draw(target: HTMLCanvasElement, viewport: Size, pixelRatio: number, frame: Frame): void {
    const context = this.clear(target, viewport, pixelRatio);
    if (!context) return;
    context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);

    const { placement, image } = frame;
    const drawWidth = image.columns * placement.scaleX;
    const drawHeight = image.rows * placement.scaleY;
    // Linear interpolation like Cornerstone's default; the mask below shows its exact pixels.
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    if (image.kind === 'pixels') {
      this.prepareGreyscale(image, frame.window);
      context.drawImage(this.image.canvas, placement.left, placement.top, drawWidth, drawHeight);
    } else {
      context.drawImage(image.bitmap, placement.left, placement.top, drawWidth, drawHeight);
    }
    if (frame.mask && frame.mask.opacity > 0) {
      this.prepareMask(frame.mask.data, frame.mask.revision, image.rows, image.columns);
      context.imageSmoothingEnabled = false;
      context.globalAlpha = frame.mask.opacity;
      context.drawImage(this.mask.canvas, placement.left, placement.top, drawWidth, drawHeight);
      context.globalAlpha = 1;
    }
    if (frame.brush) {
      context.beginPath();
      context.ellipse(frame.brush.x, frame.brush.y, frame.brush.radius * placement.scaleX, frame.brush.radius * placement.scaleY, 0, 0, 2 * Math.PI);
      context.strokeStyle = '#ffd84d';
      context.lineWidth = 1;
      context.stroke();
    }
  }

  private prepareGreyscale(source: GreyscaleSource, window: Window): void {
    const lutKey = `${source.pixels.constructor.name}|${source.slope}|${source.intercept}|${window.center}|${window.width}|${source.invert}`;
    const imageKey = `${source.key}|${lutKey}`;
    if (imageKey === this.imageKey) return;
    if (lutKey !== this.lutKey || !this.lut) {
      this.lut = buildDisplayLut(source.pixels, { slope: source.slope, intercept: source.intercept, window, invert: source.invert });
      this.lutKey = lutKey;
    }
    const { canvas, context } = this.image;
    if (canvas.width !== source.columns) canvas.width = source.columns;
    if (canvas.height !== source.rows) canvas.height = source.rows;
    // One ImageData per image size, reused while window/level is dragged.
    if (this.imageData?.width !== source.columns || this.imageData.height !== source.rows) this.imageData = context.createImageData(source.columns, source.rows);
    const data = this.imageData;
    applyDisplayLut(source.pixels, this.lut, new Uint32Array(data.data.buffer));
    context.putImageData(data, 0, 0);
    this.imageKey = imageKey;
  }

  private prepareMask(mask: Uint8Array, revision: number, rows: number, columns: number): void {
    if (mask === this.maskData && revision === this.maskRevision) return;
    const { canvas, context } = this.mask;
    if (canvas.width !== columns) canvas.width = columns;
    if (canvas.height !== rows) canvas.height = rows;
    const data = context.createImageData(columns, rows);
    const out = new Uint32Array(data.data.buffer);
    for (let i = 0; i < out.length; i++) out[i] = mask[i] ? MASK_RGBA : 0;
    context.putImageData(data, 0, 0);
    this.maskData = mask;
    this.maskRevision = revision;
  }
}
