import { batchImages, batchSlices, preprocessSlice } from './batch';
import { resampleBilinear, resampleMask } from './resample';
import { rescaleToHu, windowHu } from './window';

describe('windowHu', () => {
  it('maps the window linearly onto [0, 1] and clamps outside it', () => {
    const out = windowHu(Int16Array.from([-1000, -160, 40, 140, 240, 3000]), { center: 40, width: 400 });
    expect(Array.from(out)).toEqual([0, 0, 0.5, 0.75, 1, 1]);
  });
  it('rejects a non-positive width', () => {
    expect(() => windowHu(new Int16Array(1), { center: 0, width: 0 })).toThrow();
  });
  it('rescales stored values to HU', () => {
    expect(Array.from(rescaleToHu(Uint16Array.from([0, 1024, 2000]), 1, -1024))).toEqual([-1024, 0, 976]);
  });
});

describe('resampleBilinear', () => {
  it('is the identity at the same size', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i * 1.5);
    expect(Array.from(resampleBilinear(src, 4, 3, 4, 3))).toEqual(Array.from(src));
  });
  it('halves by averaging 2×2 blocks (half-pixel centres)', () => {
    const src = Float32Array.from([1, 3, 5, 7, 5, 7, 9, 11, 0, 0, 4, 4, 0, 0, 4, 4]);
    expect(Array.from(resampleBilinear(src, 4, 4, 2, 2))).toEqual([4, 8, 0, 4]);
  });
  it('keeps a linear ramp linear when enlarging (inside the clamped border)', () => {
    const src = Float32Array.from([0, 2, 4, 6]);
    const out = resampleBilinear(src, 4, 1, 8, 1);
    expect(out[2]).toBeCloseTo(1.5);
    expect(out[3]).toBeCloseTo(2.5);
    expect(out[0]).toBe(0);
    expect(out[7]).toBe(6);
  });
  it('resamples masks by coverage', () => {
    const mask = new Uint8Array(16);
    mask.set([1, 1], 0);
    mask.set([1, 1], 4);
    mask[10] = 1;
    expect(Array.from(resampleMask(mask, 4, 4, 2, 2))).toEqual([1, 0, 0, 0]);
  });
});

describe('batching', () => {
  it('resamples, windows and packs slices as [N, H, W, 1]', () => {
    const hu = new Int16Array(64 * 64).fill(40);
    hu[0] = 240;
    const batch = batchSlices([{ hu, rows: 64, columns: 64 }, { hu: new Int16Array(16 * 16).fill(-160), rows: 16, columns: 16 }], 16);
    expect(batch.shape).toEqual([2, 16, 16, 1]);
    expect(batch.data).toHaveLength(2 * 256);
    expect(batch.data[5]).toBeCloseTo(0.5);
    expect(batch.data[256 + 7]).toBe(0);
    expect(preprocessSlice({ hu, rows: 64, columns: 64 }, 64)[0]).toBe(1);
    expect(() => batchImages([new Float32Array(10)], 4)).toThrow();
  });
});
