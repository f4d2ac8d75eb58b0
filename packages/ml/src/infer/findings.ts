// Lesion findings from a stack of slice masks: 3-D connected components (26-connectivity, so a
// lobulated lesion touching itself diagonally across slices stays one lesion) and volumes.

export interface LesionFinding {
  voxels: number;
  volumeMl: number;
  /** First and last slice index holding the lesion. */
  sliceRange: [number, number];
  /** Centroid in (slice, row, column) voxel coordinates. */
  centroid: [number, number, number];
}

export interface FindingsSummary {
  lesionCount: number;
  totalVolumeMl: number;
  lesions: LesionFinding[];
}

export interface FindingsOptions {
  /** Components smaller than this are ignored as noise (default 1 voxel: keep everything). */
  minVoxels?: number;
}

/**
 * masks: one square row-major mask per slice, in slice order. pixelSpacingMm: in-plane spacing
 * (one number, or [row, column] as in DICOM PixelSpacing). Volumes use slice thickness as the
 * voxel depth (assumes contiguous slices).
 */
export function summariseFindings(masks: Uint8Array[], pixelSpacingMm: number | [number, number], sliceThicknessMm: number,
  options: FindingsOptions = {}): FindingsSummary {
  if (masks.length === 0) return { lesionCount: 0, totalVolumeMl: 0, lesions: [] };
  const size = Math.round(Math.sqrt(masks[0].length));
  if (size * size !== masks[0].length || masks.some((m) => m.length !== masks[0].length)) {
    throw new Error('summariseFindings: masks must be square and of equal size');
  }
  const [rowMm, colMm] = typeof pixelSpacingMm === 'number' ? [pixelSpacingMm, pixelSpacingMm] : pixelSpacingMm;
  const voxelMl = (rowMm * colMm * sliceThicknessMm) / 1000;
  const depth = masks.length;
  const plane = size * size;
  const visited = new Uint8Array(depth * plane);
  const queue = new Int32Array(depth * plane);
  const lesions: LesionFinding[] = [];
  for (let start = 0; start < depth * plane; start++) {
    const z0 = Math.floor(start / plane);
    if (visited[start] || !masks[z0][start - z0 * plane]) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    visited[start] = 1;
    let sz = 0, sr = 0, sc = 0, zMin = z0, zMax = z0;
    while (head < tail) {
      const index = queue[head++];
      const z = Math.floor(index / plane);
      const r = Math.floor((index - z * plane) / size);
      const c = index - z * plane - r * size;
      sz += z; sr += r; sc += c;
      if (z < zMin) zMin = z;
      if (z > zMax) zMax = z;
      for (let dz = -1; dz <= 1; dz++) {
        const nz = z + dz;
        if (nz < 0 || nz >= depth) continue;
        for (let dr = -1; dr <= 1; dr++) {
          const nr = r + dr;
          if (nr < 0 || nr >= size) continue;
          for (let dc = -1; dc <= 1; dc++) {
            const nc = c + dc;
            if (nc < 0 || nc >= size) continue;
            const n = nz * plane + nr * size + nc;
            if (!visited[n] && masks[nz][nr * size + nc]) {
              visited[n] = 1;
              queue[tail++] = n;
            }
          }
        }
      }
    }
    if (tail < (options.minVoxels ?? 1)) continue;
    lesions.push({ voxels: tail, volumeMl: tail * voxelMl, sliceRange: [zMin, zMax], centroid: [sz / tail, sr / tail, sc / tail] });
  }
  return { lesionCount: lesions.length, totalVolumeMl: lesions.reduce((v, l) => v + l.volumeMl, 0), lesions };
}
