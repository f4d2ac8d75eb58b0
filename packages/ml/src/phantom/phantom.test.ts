import { HU } from './anatomy';
import { Prng } from './prng';
import { generatePhantomSeries, generateTrainingSample } from './series';

describe('Prng', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const draw = (seed: number) => { const r = new Prng(seed); return Array.from({ length: 5 }, () => r.next()); };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(draw(3).every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

describe('generatePhantomSeries', () => {
  const options = { seed: 11, slices: 12, size: 128, lesionProbability: 1 };

  it('is deterministic by seed', () => {
    const a = generatePhantomSeries(options);
    const b = generatePhantomSeries(options);
    const c = generatePhantomSeries({ ...options, seed: 12 });
    expect(a.slices.map((s) => Buffer.from(s.hu.buffer).toString('base64'))).toEqual(b.slices.map((s) => Buffer.from(s.hu.buffer).toString('base64')));
    expect(a.slices.map((s) => Array.from(s.mask))).toEqual(b.slices.map((s) => Array.from(s.mask)));
    expect(Buffer.compare(Buffer.from(a.slices[3].hu.buffer), Buffer.from(c.slices[3].hu.buffer))).not.toBe(0);
  });

  it('labels series and slices consistently with the masks', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const series = generatePhantomSeries({ seed, slices: 10, size: 96 });
      for (const slice of series.slices) {
        expect(slice.hu).toHaveLength(96 * 96);
        expect(slice.hasLesion).toBe(slice.mask.some((v) => v === 1));
        expect(slice.mask.every((v) => v === 0 || v === 1)).toBe(true);
      }
      expect(series.label).toBe(series.slices.some((s) => s.hasLesion) ? 'lesion' : 'none');
      if (series.lesions.length === 0) expect(series.label).toBe('none');
    }
    expect(generatePhantomSeries({ seed: 9, slices: 6, size: 64, lesionProbability: 0 }).label).toBe('none');
  });

  it('draws lesions as 3-D blobs spanning several slices, with their own attenuation', () => {
    const series = generatePhantomSeries({ ...options, slices: 24, size: 256, lesion: { radiusMm: [15, 20] } });
    expect(series.label).toBe('lesion');
    expect(series.slices.filter((s) => s.hasLesion).length).toBeGreaterThanOrEqual(3);
    const lesion = series.lesions[0];
    const mid = series.slices.reduce((best, s) => (Math.abs(s.zMm - lesion.cz) < Math.abs(best.zMm - lesion.cz) ? s : best));
    let sum = 0;
    let n = 0;
    mid.mask.forEach((v, i) => { if (v) { sum += mid.hu[i]; n++; } });
    // lesion pixels average to the lesion's HU within noise (SD 12 HU / √n), unless another lesion overlaps
    if (series.lesions.length === 1) expect(Math.abs(sum / n - lesion.hu)).toBeLessThan(5);
    expect(Math.abs(lesion.contrastHu)).toBeGreaterThanOrEqual(25);
  });

  it('has realistic HU: air outside the body, fat and soft tissue inside', () => {
    const slice = generatePhantomSeries({ seed: 21, slices: 1, size: 256, lesionProbability: 0 }).slices[0];
    const at = (r: number, c: number) => slice.hu[r * 256 + c];
    expect(Math.abs(at(2, 2) - HU.air)).toBeLessThan(30);
    const histogram = { fat: 0, soft: 0 };
    slice.hu.forEach((v) => { if (v > -150 && v < -50) histogram.fat++; if (v > 0 && v < 100) histogram.soft++; });
    expect(histogram.fat).toBeGreaterThan(500);
    expect(histogram.soft).toBeGreaterThan(5000);
    expect(Math.min(...slice.hu)).toBeGreaterThanOrEqual(-1024);
  });
});

describe('generateTrainingSample', () => {
  it('is deterministic, at the requested size, with a label matching the mask', () => {
    const a = generateTrainingSample(5, 64);
    expect(a.hu).toHaveLength(64 * 64);
    expect(Array.from(generateTrainingSample(5, 64).hu)).toEqual(Array.from(a.hu));
    let positives = 0;
    for (let seed = 0; seed < 40; seed++) {
      const sample = generateTrainingSample(seed, 32);
      expect(sample.hasLesion).toBe(sample.mask.some((v) => v === 1));
      if (sample.hasLesion) positives++;
    }
    // lesionProbability defaults to 0.5: both classes must be well represented
    expect(positives).toBeGreaterThan(10);
    expect(positives).toBeLessThan(30);
  });
});
