import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init-backend';
import { buildUNet } from '../model/unet';
import { batchImages } from '../preprocess/batch';
import { summariseFindings } from './findings';
import { predictBatch } from './predict';

function cube(size: number, depth: number, boxes: [number, number, number, number][]): Uint8Array[] {
  // boxes: [slice0, slice1, row/col start, edge length]
  const masks = Array.from({ length: depth }, () => new Uint8Array(size * size));
  for (const [z0, z1, start, edge] of boxes) {
    for (let z = z0; z <= z1; z++) for (let r = start; r < start + edge; r++) for (let c = start; c < start + edge; c++) masks[z][r * size + c] = 1;
  }
  return masks;
}

describe('summariseFindings', () => {
  it('counts 3-D connected lesions and their volumes', () => {
    const masks = cube(16, 6, [[0, 2, 1, 3], [3, 5, 10, 4]]);
    const summary = summariseFindings(masks, 0.5, 2);
    expect(summary.lesionCount).toBe(2);
    // 27 and 48 voxels of 0.5 × 0.5 × 2 mm = 0.5 µL each
    expect(summary.lesions.map((l) => l.voxels).sort((a, b) => a - b)).toEqual([27, 48]);
    expect(summary.totalVolumeMl).toBeCloseTo(75 * 0.0005, 12);
    expect(summary.lesions[0].sliceRange).toEqual([0, 2]);
    expect(summary.lesions[0].centroid).toEqual([1, 2, 2]);
  });
  it('joins diagonal neighbours across slices, applies minVoxels and anisotropic spacing', () => {
    const masks = cube(8, 3, []);
    masks[0][0] = 1;
    masks[1][9] = 1; // (row 1, col 1): diagonal neighbour in the next slice
    masks[2][63] = 1;
    expect(summariseFindings(masks, 1, 1).lesionCount).toBe(2);
    expect(summariseFindings(masks, 1, 1, { minVoxels: 2 }).lesionCount).toBe(1);
    expect(summariseFindings(masks, [2, 3], 5).totalVolumeMl).toBeCloseTo(3 * 0.03, 12);
    expect(summariseFindings([], 1, 1).lesionCount).toBe(0);
  });
});

describe('predictBatch', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  it('returns one mask and one probability per slice, optionally at the original size', async () => {
    const model = buildUNet({ inputSize: 32 });
    const batch = batchImages([new Float32Array(32 * 32).fill(0.5), new Float32Array(32 * 32)], 32);
    const before = tf.memory().numTensors;
    const at32 = await predictBatch(model, batch);
    expect(at32.masks).toHaveLength(2);
    expect(at32.masks[0]).toHaveLength(32 * 32);
    expect(at32.probabilities).toHaveLength(2);
    const at64 = await predictBatch(model, batch, { outputSize: 64, threshold: 0.3 });
    expect(at64.masks[1]).toHaveLength(64 * 64);
    expect(at64.maskSize).toBe(64);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
