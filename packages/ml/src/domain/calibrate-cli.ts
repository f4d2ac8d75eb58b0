// Calibrates the phantom domain and writes src/domain/phantom-calibration.ts (committed):
//  - input: header geometry and per-slice HU statistics of phantom series across the generator's
//    parameters (seeds, sizes, z positions, lesions), widened by a declared margin;
//  - output: predicted-mask fraction per slice of the shipped model on the held-out phantoms.
// Then it checks the held-out series against the result and prints how many would be refused.
// Usage (from packages/ml, after tsc): node dist/domain/calibrate-cli.js [--backend wasm] [--series 400] [--model v1]
// The output bound belongs to the weights: it is also written as weights/<model>/domain-output.json,
// and only --model v1 (the shipped model) rewrites phantom-calibration.ts.
import { promises as fs } from 'fs';
import * as path from 'path';
import { BackendName, initBackend } from '../backend/init-backend';
import { createLocalEngine, shippedModelDir } from '../infer/engine';
import { FIELD_OF_VIEW_MM } from '../phantom/anatomy';
import { generatePhantomSeries } from '../phantom/series';
import { batchImages, preprocessSlice } from '../preprocess/batch';
import { HELD_OUT_SEEDS, HELD_OUT_SLICES } from '../train/report';
import { checkSeriesInput, checkSeriesOutput, maskFractions, type SliceDescription } from './check-domain';
import type { Bound, ModelDomain } from './model-domain';
import { flattenStatistics, sliceStatistics } from './slice-statistics';

/** Series sizes the generator is used at (tests, demo data, held-out set, training at 2×128). */
const SIZES = [64, 128, 256, 512];
/** Calibration seeds: disjoint from training streams (1e6·seed) and the held-out 900_001… */
const FIRST_SEED = 700_001;
const SLICES_PER_SERIES = 6;
/** Slices far apart (mm) so a few per series sample the whole z range (0–400 mm). */
const CALIBRATION_SPACING_MM = 60;
/** Series thickness the generator writes (default 3 mm); the phantom slices themselves are ideal
 * thin sections, so the declared range covers thin to standard reconstructions around it. */
const SLICE_THICKNESS_MM: Bound = { min: 0.5, max: 5 };
/** Body size varies ±10 % by seed (anatomy.ts rx 135–165 mm): a field of view within ±10 % shows
 * the body at a scale the model has seen. */
const FIELD_OF_VIEW_TOLERANCE = 0.1;
/** Widening of the measured [0.5 %, 99.5 %] range: a quarter of its width plus an absolute slack. */
const WIDEN_FRACTION = 0.25;
const SLACK_FRACTION = 0.005;
const SLACK_HU = 10;
const MAX_OUTLIER_SLICE_FRACTION = 0.1;
/** Output bound: twice the widest marking on a held-out phantom slice. */
const OUTPUT_MARGIN = 2;

function quantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const round = (v: number) => Math.round(v * 1e5) / 1e5;

function widen(name: string, values: number[]): Bound & { p005: number; p995: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const p005 = quantile(sorted, 0.005), p995 = quantile(sorted, 0.995);
  const isFraction = !name.endsWith('Hu');
  const margin = WIDEN_FRACTION * (p995 - p005) + (isFraction ? SLACK_FRACTION : SLACK_HU);
  let min = p005 - margin, max = p995 + margin;
  if (isFraction) { min = Math.max(0, min); max = Math.min(1, max); }
  return { min: round(min), max: round(max), p005: round(p005), p995: round(p995) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (flag: string, fallback: string) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : fallback; };
  const backend = await initBackend(arg('--backend', 'wasm') as BackendName);
  const seriesCount = Number(arg('--series', '400'));
  const modelName = arg('--model', 'v1');

  // input: statistics of phantom slices at every size the generator is used at
  const perStatistic: Record<string, number[]> = {};
  const spacings: number[] = [];
  let slices = 0;
  for (let n = 0; n < seriesCount; n++) {
    const size = SIZES[n % SIZES.length];
    // as many lesion-positive as lesion-free series at every size
    const lesionProbability = Math.floor(n / SIZES.length) % 2;
    const series = generatePhantomSeries({ seed: FIRST_SEED + n, slices: SLICES_PER_SERIES, size, sliceThicknessMm: CALIBRATION_SPACING_MM, lesionProbability });
    spacings.push(series.pixelSpacingMm);
    for (const slice of series.slices) {
      for (const [name, value] of Object.entries(flattenStatistics(sliceStatistics(slice.hu, size, size)))) (perStatistic[name] ??= []).push(value);
      slices++;
    }
  }
  const measured = Object.fromEntries(Object.entries(perStatistic).map(([name, values]) => [name, widen(name, values)]));
  const sliceStatisticsBounds = Object.fromEntries(Object.entries(measured).map(([name, b]) => [name, { min: b.min, max: b.max }]));

  // output: the shipped model on the held-out phantoms, resampled the way inference does it
  const engine = await createLocalEngine({ modelDir: shippedModelDir(modelName), backend: backend as BackendName });
  const modelSize = engine.inputSize;
  const fractions: number[] = [];
  const heldOutInputs: { seed: number; slices: SliceDescription[] }[] = [];
  const heldOutMasks: Uint8Array[][] = [];
  for (const seed of HELD_OUT_SEEDS) {
    const series = generatePhantomSeries({ seed, slices: HELD_OUT_SLICES, size: 512 });
    const images = series.slices.map((s) => preprocessSlice({ hu: s.hu, rows: 512, columns: 512 }, modelSize));
    // (a 64-pixel model reads 512² series too: the spacing bound is the model's own grid)
    const masks: Uint8Array[] = [];
    for (let i = 0; i < images.length; i += 8) masks.push(...(await engine.predict(batchImages(images.slice(i, i + 8), modelSize))).masks);
    fractions.push(...maskFractions(masks));
    heldOutMasks.push(masks);
    heldOutInputs.push({
      seed,
      slices: series.slices.map((s) => ({ rows: 512, columns: 512, pixelSpacingMm: [series.pixelSpacingMm, series.pixelSpacingMm], sliceThicknessMm: series.sliceThicknessMm, statistics: sliceStatistics(s.hu, 512, 512) })),
    });
  }
  await engine.close();
  const sortedFractions = [...fractions].sort((a, b) => a - b);
  const outputP995 = quantile(sortedFractions, 0.995);
  const outputMax = sortedFractions[sortedFractions.length - 1];

  const calibration = {
    calibratedAt: new Date().toISOString().slice(0, 10),
    backend,
    input: {
      generator: 'generatePhantomSeries', firstSeed: FIRST_SEED, series: seriesCount, slices, sizes: SIZES,
      fieldOfViewMm: { min: round(FIELD_OF_VIEW_MM * (1 - FIELD_OF_VIEW_TOLERANCE)), max: round(FIELD_OF_VIEW_MM * (1 + FIELD_OF_VIEW_TOLERANCE)) },
      rows: { min: Math.min(...SIZES), max: Math.max(...SIZES) },
      pixelSpacingMm: { min: round(Math.min(...spacings) * (1 - FIELD_OF_VIEW_TOLERANCE)), max: round(Math.max(...spacings)) },
      sliceThicknessMm: SLICE_THICKNESS_MM,
      maxOutlierSliceFraction: MAX_OUTLIER_SLICE_FRACTION,
      sliceStatistics: sliceStatisticsBounds,
      measured,
    },
    output: {
      model: `${modelName}/float32`, heldOutSeeds: [HELD_OUT_SEEDS[0], HELD_OUT_SEEDS[HELD_OUT_SEEDS.length - 1]], slices: fractions.length,
      sliceMaskFractionP995: round(outputP995), sliceMaskFractionMax: round(outputMax), margin: OUTPUT_MARGIN,
      maxSliceMaskFraction: round(OUTPUT_MARGIN * outputMax),
    },
  };

  // how the held-out phantoms fare against what was just calibrated (they must all pass)
  const domain: ModelDomain = {
    name: 'calibration', source: 'calibrate-cli', modalities: ['CT'], bodyParts: [],
    fieldOfViewMm: calibration.input.fieldOfViewMm, rows: calibration.input.rows, square: true,
    pixelSpacingMm: { min: calibration.input.pixelSpacingMm.min }, sliceThicknessMm: SLICE_THICKNESS_MM,
    sliceStatistics: sliceStatisticsBounds, maxOutlierSliceFraction: MAX_OUTLIER_SLICE_FRACTION,
    output: { maxSliceMaskFraction: calibration.output.maxSliceMaskFraction },
  };
  const refused = heldOutInputs.map((h, i) => ({
    seed: h.seed,
    input: checkSeriesInput(domain, modelSize, { modality: 'CT', bodyPartExamined: null }, h.slices),
    output: checkSeriesOutput(domain, heldOutMasks[i]),
  })).filter((r) => !r.input.inDomain || !r.output.inDomain);
  const heldOutCheck = { series: heldOutInputs.length, refused: refused.length, reasons: refused.map((r) => ({ seed: r.seed, input: r.input.reasons, output: r.output.reasons })) };
  console.log(JSON.stringify({ ...calibration.output, heldOutCheck }, null, 2));

  const outputFile = path.join(shippedModelDir(modelName), 'domain-output.json');
  await fs.writeFile(outputFile, `${JSON.stringify({ ...calibration.output, calibratedAt: calibration.calibratedAt, heldOutRefused: heldOutCheck.refused }, null, 2)}\n`);
  console.log(`wrote ${outputFile}`);
  if (modelName !== 'v1') return;
  const file = path.resolve(__dirname, '..', '..', 'src', 'domain', 'phantom-calibration.ts');
  const body = `// Written by calibrate-cli.ts (npm run calibrate-domain -w @imaging/ml); do not edit by hand.\n`
    + `// Held-out phantom series refused by this calibration: ${heldOutCheck.refused} of ${heldOutCheck.series}.\n`
    + `export const PHANTOM_CALIBRATION = ${JSON.stringify({ ...calibration, heldOutCheck: { series: heldOutCheck.series, refused: heldOutCheck.refused } }, null, 2)};\n`;
  await fs.writeFile(file, body);
  console.log(`wrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
