// Bilinear resampling with half-pixel centres (the convention of tf.image.resizeBilinear with
// halfPixelCenters), so masks and images resampled here line up with each other.

export type PixelArray = Float32Array | Int16Array | Uint8Array | Uint16Array;

export function resampleBilinear(src: PixelArray, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Float32Array {
  if (src.length !== srcWidth * srcHeight) throw new Error(`resampleBilinear: ${src.length} values for ${srcWidth}×${srcHeight}`);
  const dst = new Float32Array(dstWidth * dstHeight);
  const sx = srcWidth / dstWidth;
  const sy = srcHeight / dstHeight;
  for (let row = 0; row < dstHeight; row++) {
    const fy = Math.min(Math.max((row + 0.5) * sy - 0.5, 0), srcHeight - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcHeight - 1);
    const wy = fy - y0;
    for (let col = 0; col < dstWidth; col++) {
      const fx = Math.min(Math.max((col + 0.5) * sx - 0.5, 0), srcWidth - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcWidth - 1);
      const wx = fx - x0;
      const top = src[y0 * srcWidth + x0] * (1 - wx) + src[y0 * srcWidth + x1] * wx;
      const bottom = src[y1 * srcWidth + x0] * (1 - wx) + src[y1 * srcWidth + x1] * wx;
      dst[row * dstWidth + col] = top * (1 - wy) + bottom * wy;
    }
  }
  return dst;
}

/** Resamples a binary mask: bilinear coverage, then ≥ 0.5 (area-preserving for smooth shapes). */
export function resampleMask(mask: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Uint8Array {
  const coverage = resampleBilinear(mask, srcWidth, srcHeight, dstWidth, dstHeight);
  const out = new Uint8Array(coverage.length);
  for (let i = 0; i < coverage.length; i++) out[i] = coverage[i] >= 0.5 ? 1 : 0;
  return out;
}
