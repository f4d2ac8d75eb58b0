import { generatePhantomSeries } from '../phantom/series';
import { checkSeriesInput, checkSeriesOutput, type SliceDescription } from './check-domain';
import { PHANTOM_CT_DOMAIN } from './model-domain';
import { sliceStatistics } from './slice-statistics';

const CT = { modality: 'CT', bodyPartExamined: null };

function phantomSlices(seed: number, size: number, slices = 3): SliceDescription[] {
  const series = generatePhantomSeries({ seed, slices, size, lesionProbability: 1 });
  return series.slices.map((s) => ({
    rows: size, columns: size, pixelSpacingMm: [series.pixelSpacingMm, series.pixelSpacingMm], sliceThicknessMm: series.sliceThicknessMm,
    statistics: sliceStatistics(s.hu, size, size),
  }));
}

/** A phantom slice with a CT table under the body and gas-filled bowel loops (HU -400) in it. */
function withTableAndGas(slice: SliceDescription, hu: Int16Array): SliceDescription {
  const n = slice.rows;
  const out = Float32Array.from(hu);
  for (let r = Math.floor(n * 0.86); r < Math.floor(n * 0.9); r++) for (let c = Math.floor(n * 0.1); c < Math.floor(n * 0.9); c++) out[r * n + c] = 200;
  for (let r = Math.floor(n * 0.55); r < Math.floor(n * 0.62); r++) for (let c = Math.floor(n * 0.3); c < Math.floor(n * 0.6); c++) out[r * n + c] = -400;
  return { ...slice, statistics: sliceStatistics(out, n, n) };
}

describe('slice statistics', () => {
  it('finds the body, fills its holes (lungs) and measures the tissue mix', () => {
    const n = 64;
    const hu = new Float32Array(n * n).fill(-1000);
    for (let r = 16; r < 48; r++) for (let c = 16; c < 48; c++) hu[r * n + c] = 40;
    for (let r = 24; r < 32; r++) for (let c = 24; c < 32; c++) hu[r * n + c] = -850; // a "lung" inside
    hu[2 * n + 2] = 500; // a speck outside the body
    const stats = sliceStatistics(hu, n, n);
    expect(stats.bodyFraction).toBeCloseTo(1024 / 4096, 6);
    expect(stats.bands.lung).toBeCloseTo(64 / 1024, 6);
    expect(stats.bands.softTissue).toBeCloseTo(960 / 1024, 6);
    expect(stats.outsideNonAirFraction).toBeCloseTo(1 / (4096 - 1024), 6);
    expect(stats.p50Hu).toBe(40);
    expect(() => sliceStatistics(hu, n, n + 1)).toThrow();
  });
});

describe('input check', () => {
  it('accepts phantom series at the sizes the generator is used at', () => {
    for (const [seed, size] of [[41, 128], [42, 256], [43, 512]]) {
      const check = checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, phantomSlices(seed, size));
      expect(check.reasons).toEqual([]);
      expect(check.inDomain).toBe(true);
    }
  });

  it('refuses a coarser grid than the model reads, another field of view, modality, body part and thickness, each with its code', () => {
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, phantomSlices(44, 64)).reasons.map((r) => r.code)).toEqual(['GRID', 'PIXEL_SPACING']);
    // the same slices read by a 64-pixel model are fine
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 64, CT, phantomSlices(44, 64)).inDomain).toBe(true);
    const slices = phantomSlices(45, 128);
    const wide = slices.map((s) => ({ ...s, pixelSpacingMm: [500 / 128, 500 / 128] as [number, number] }));
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, wide).reasons.map((r) => r.code)).toEqual(['FIELD_OF_VIEW', 'PIXEL_SPACING']);
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, slices.map((s) => ({ ...s, pixelSpacingMm: null }))).reasons.map((r) => r.code)).toEqual(['FIELD_OF_VIEW']);
    const header = checkSeriesInput(PHANTOM_CT_DOMAIN, 128, { modality: 'MR', bodyPartExamined: 'head' }, slices.map((s) => ({ ...s, sliceThicknessMm: 10 })));
    expect(header.reasons.map((r) => r.code)).toEqual(['MODALITY', 'BODY_PART', 'SLICE_THICKNESS']);
    expect(header.reasons[1].message).toContain('HEAD');
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 128, { modality: 'CT', bodyPartExamined: 'ABDOMEN' }, slices).inDomain).toBe(true);
  });

  it('refuses phantom geometry with real-CT content: a table outside the body and gas inside it', () => {
    const series = generatePhantomSeries({ seed: 46, slices: 3, size: 256 });
    const slices = phantomSlices(46, 256).map((s, i) => withTableAndGas(s, series.slices[i].hu));
    const check = checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, slices);
    expect(check.reasons.map((r) => r.code)).toEqual(['HU_STATISTICS']);
    expect(check.outlierSlices).toBe(3);
    expect(check.statistics.outsideNonAirFraction.outsideSlices).toBe(3);
    expect(check.statistics['band.intermediate'].median).toBeGreaterThan(PHANTOM_CT_DOMAIN.sliceStatistics['band.intermediate'].max);
    expect(check.reasons[0].message).toMatch(/3 of 3 slices/);
  });

  it('tolerates a single odd slice in a long series but not in a short one', () => {
    const series = generatePhantomSeries({ seed: 47, slices: 12, size: 128 });
    const slices = phantomSlices(47, 128, 12);
    slices[5] = withTableAndGas(slices[5], series.slices[5].hu);
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, slices)).toMatchObject({ inDomain: true, outlierSlices: 1 });
    expect(checkSeriesInput(PHANTOM_CT_DOMAIN, 128, CT, slices.slice(4, 7)).inDomain).toBe(false);
  });
});

describe('output check', () => {
  const size = 128;
  const mask = (fraction: number) => { const m = new Uint8Array(size * size); m.fill(1, 0, Math.round(fraction * m.length)); return m; };

  it('passes lesion-sized masks and refuses a model that marks a large part of a slice', () => {
    const bound = PHANTOM_CT_DOMAIN.output.maxSliceMaskFraction;
    expect(bound).toBeGreaterThan(0.01);
    expect(bound).toBeLessThan(0.2);
    expect(checkSeriesOutput(PHANTOM_CT_DOMAIN, [mask(0), mask(0.01), mask(bound * 0.9)])).toMatchObject({ inDomain: true, reasons: [], slicesOverBound: 0 });
    const lit = checkSeriesOutput(PHANTOM_CT_DOMAIN, [mask(0.01), mask(35_000 / 262_144), mask(0.3)]);
    expect(lit).toMatchObject({ inDomain: false, slicesOverBound: 2, maxSliceMaskFraction: 0.3 });
    expect(lit.reasons.map((r) => r.code)).toEqual(['OUTPUT_MASK_FRACTION']);
  });
});
