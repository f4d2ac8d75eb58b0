#!/usr/bin/env node
// Fine-tuning (the platform's retrain job: @imaging/ml fineTune) timed on a chosen tfjs backend
// (plain CommonJS, no build step; same module resolution as gpu-check.js).
//
//   node gpu-retrain.js <webgpu|wasm|cpu> [--model weak64|v1] [--out FILE.json] [--steps N]
//                       [--held-out-series N] [--keep DIR]
//     weak64 (default): baseDir weights/weak64 (64² input, a deliberately weak model), 250 steps,
//       batch 8, lr 0.003, phantomShare 0.5, seed 1, tolerance 0.01, on reviewed cases made from 10
//       phantom series (seeds 61000..61009, 16 slices at 128², every fifth series lesion-free,
//       as apps/api's retrain integration test builds them), phantom held-out set
//       HELD_OUT_SEEDS.slice(0, 6) x 16 slices, no reviewed held-out cases.
//     v1: the same with baseDir weights/v1 (128² input), 60 steps: full-size fine-tuning steps.
//   Writes one JSON (wall time, ms/step from onStep's elapsedMs, final loss, the phantom set's base
//   and candidate Dice, the gate verdict, the candidate's metrics.json) to --out.
//   Exit codes: 0 done, 2 the backend did not start, 1 anything else.
//   node gpu-retrain.js merge --into bench/results/gpu.json FILE.json...
//     merges those results into the file under "fineTune" (a summary table per backend and model,
//     and the runs), keeping everything else in it.
//
// env: ML_NODE_MODULES  see gpu-common.js.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { req, argv, opt } = require('./gpu-common');

const backendName = argv[0] || 'wasm';
const MODELS = {
  weak64: { baseDir: 'weak64', steps: 250 },
  v1: { baseDir: 'v1', steps: 60 },
};
const modelKey = opt('model', 'weak64');
if (!MODELS[modelKey]) { console.error(`unknown --model ${modelKey} (weak64|v1)`); process.exit(1); }
const STEPS = Number(opt('steps', MODELS[modelKey].steps));
const HELD_OUT_SERIES = Number(opt('held-out-series', 6));
const outFile = path.resolve(opt('out', path.join(process.env.OUT || '.', `gpu-retrain-${backendName}-${modelKey}.json`)));
const keepDir = opt('keep', null);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const log = (...a) => console.log(`[gpu-retrain ${backendName} ${modelKey}]`, ...a);
const round = (v, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);
const errInfo = (e) => ({ name: e && e.name, message: String((e && e.message) || e), code: e && e.code, stack: e && e.stack ? String(e.stack).split('\n').slice(0, 10).join('\n') : undefined });
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
function median(xs) { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; }
function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reviewed slices exactly as the retrain integration test makes them, at the model's input size. */
function reviewedCases(ml, size) {
  const cases = [];
  for (let s = 0; s < 10; s++) {
    const series = ml.generatePhantomSeries({ seed: 61000 + s, slices: 16, size: 128, lesionProbability: s % 5 === 4 ? 0 : 1 });
    for (const slice of series.slices) {
      const image = ml.preprocessSlice({ hu: slice.hu, rows: 128, columns: 128 }, size);
      const mask = ml.resampleMask(slice.mask, 128, 128, size, size);
      cases.push({ image, mask, hasLesion: mask.some((v) => v !== 0) });
    }
  }
  return cases;
}

async function main() {
  const t0 = now();
  const result = {
    backend: backendName, model: modelKey, startedAt: new Date().toISOString(), node: process.version,
    host: { hostname: os.hostname(), cpus: os.cpus().length, cpuModel: (os.cpus()[0] || {}).model },
  };
  const save = () => writeJson(outFile, result);
  const ml = req('@imaging/ml');
  const tf = req('@tensorflow/tfjs');
  result.tfjsVersion = tf.version.tfjs;

  let t = now();
  try {
    result.initBackendReturned = await ml.initBackend(backendName);
  } catch (e) {
    result.initError = errInfo(e);
    result.wallMs = round(now() - t0);
    save();
    log('initBackend failed:', result.initError.message);
    return 2;
  }
  result.initMs = round(now() - t);
  result.activeBackend = tf.getBackend();
  if (backendName === 'webgpu') {
    const be = tf.backend();
    result.tfjsAdapterInfo = be.adapterInfo ? { ...be.adapterInfo } : null;
  }
  log('initBackend ->', result.initBackendReturned, `(${result.initMs} ms)`);

  const mlRoot = path.dirname(req.resolve('@imaging/ml/package.json'));
  const baseDir = path.join(mlRoot, 'weights', MODELS[modelKey].baseDir);
  const size = JSON.parse(fs.readFileSync(path.join(baseDir, 'model.json'), 'utf8')).modelTopology.config.layers[0].config.batch_input_shape[1];
  t = now();
  const cases = reviewedCases(ml, size);
  result.cases = { slices: cases.length, lesionSlices: cases.filter((c) => c.hasLesion).length, size, generateMs: round(now() - t) };
  const outDir = keepDir ? path.resolve(keepDir) : fs.mkdtempSync(path.join(os.tmpdir(), `gpu-retrain-${backendName}-${modelKey}-`));
  const options = {
    baseDir, outDir, cases, heldOutCases: [],
    phantomHeldOut: { seeds: ml.HELD_OUT_SEEDS.slice(0, HELD_OUT_SERIES), slicesPerSeries: 16 },
    steps: STEPS, batchSize: 8, learningRate: 0.003, phantomShare: 0.5, seed: 1, tolerance: 0.01,
  };
  result.options = { ...options, cases: undefined, baseDir: path.relative(mlRoot, baseDir) };
  log(`${cases.length} reviewed slices (${result.cases.lesionSlices} with lesion) at ${size}², ${STEPS} steps, held-out ${HELD_OUT_SERIES} series`);
  save();

  const progress = [];
  options.onStep = (p) => {
    progress.push(p);
    if (p.step === 0 || (p.step + 1) % 25 === 0 || p.step + 1 === STEPS) {
      log(`step ${p.step + 1}/${STEPS} loss ${p.loss.toFixed(4)} at ${p.elapsedMs} ms`);
      // progress so far, so that a run killed by its time box still leaves its step times
      result.partial = { stepsDone: p.step + 1, elapsedMs: p.elapsedMs, stepElapsedMs: progress.map((q) => q.elapsedMs), losses: progress.map((q) => round(q.loss, 5)) };
      save();
    }
  };
  t = now();
  let res;
  try {
    res = await ml.fineTune(options);
  } catch (e) {
    result.error = errInfo(e);
    result.stepsBeforeError = progress.length;
    result.wallMs = round(now() - t0);
    save();
    log('fineTune failed after', progress.length, 'steps:', result.error.message);
    log(result.error.stack);
    return 1;
  }
  const fineTuneMs = now() - t;
  const at = progress.map((p) => p.elapsedMs);
  const deltas = at.map((v, i) => v - (i ? at[i - 1] : 0));
  const warm = deltas.slice(1);
  const trainMs = at.length ? at[at.length - 1] : 0;
  const phantom = res.sets.find((s) => s.name === 'phantom');
  let metrics = null;
  try { metrics = JSON.parse(fs.readFileSync(path.join(outDir, 'metrics.json'), 'utf8')); } catch { /* missing */ }
  const variant = (k) => metrics && metrics.variants && metrics.variants[k];
  delete result.partial;
  Object.assign(result, {
    resultBackend: res.backend,
    steps: res.steps,
    fineTuneWallMs: round(fineTuneMs),
    trainingMs: trainMs,
    afterTrainingMs: round(fineTuneMs - trainMs), // save + held-out evaluation (base, candidate, float16, uint8) + quantisation
    msPerStep: {
      mean: round(trainMs / Math.max(1, at.length)), first: deltas[0],
      warmMean: round(mean(warm)), warmMedian: median(warm), warmMin: Math.min(...warm), warmMax: Math.max(...warm),
    },
    finalLoss: round(res.finalLoss, 6), // mean of the last 25 steps, as fineTune reports it
    lastStepLoss: progress.length ? round(progress[progress.length - 1].loss, 6) : null,
    losses: progress.map((p) => round(p.loss, 5)),
    phantom: phantom ? {
      slices: phantom.slices, lesionSlices: phantom.lesionSlices,
      baseDice: round(phantom.base.dice, 5), candidateDice: round(phantom.candidate.dice, 5),
      base: phantom.base, candidate: phantom.candidate,
    } : null,
    gate: { passed: res.gate.passed, reasons: res.gate.reasons, tolerance: res.gate.tolerance },
    variants: metrics ? {
      float16: variant('float16') && { sizeBytes: variant('float16').sizeBytes, agreementWithFloat32: variant('float16').agreementWithFloat32, dice: variant('float16').metrics && variant('float16').metrics.segmentation.dice },
      uint8: variant('uint8') && { sizeBytes: variant('uint8').sizeBytes, agreementWithFloat32: variant('uint8').agreementWithFloat32, dice: variant('uint8').metrics && variant('uint8').metrics.segmentation.dice },
      float32SizeBytes: variant('float32') && variant('float32').sizeBytes,
    } : null,
    outDirFiles: fs.readdirSync(outDir),
    memory: tf.memory(),
    wallMs: round(now() - t0),
    finishedAt: new Date().toISOString(),
  });
  save();
  log(`done: ${res.steps} steps in ${trainMs} ms (warm ${result.msPerStep.warmMean} ms/step, first ${deltas[0]} ms), after-training ${result.afterTrainingMs} ms, final loss ${result.finalLoss}`);
  log(`phantom Dice ${result.phantom && result.phantom.baseDice} -> ${result.phantom && result.phantom.candidateDice}; gate ${res.gate.passed ? 'PASSED' : 'FAILED'}${res.gate.reasons.length ? ': ' + res.gate.reasons.join('; ') : ''}; wall ${result.wallMs} ms`);
  if (!keepDir) fs.rmSync(outDir, { recursive: true, force: true });
  log('wrote', outFile);
  return 0;
}

function merge() {
  const into = path.resolve(opt('into', 'bench/results/gpu.json'));
  const files = argv.slice(1).filter((a, i, all) => a !== '--into' && all[i - 1] !== '--into');
  const target = fs.existsSync(into) ? JSON.parse(fs.readFileSync(into, 'utf8')) : {};
  const runs = {};
  const summary = {};
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(f, 'utf8'));
    const key = `${r.backend}-${r.model}`;
    runs[key] = r;
    if (!r.error && !r.initError && r.steps === undefined) {
      // killed before fineTune returned (time box): step times from the saved progress or the log
      let at = r.partial ? r.partial.stepElapsedMs.map((v, i) => [i + 1, v]) : [];
      const logFile = f.replace(/\.json$/, '.log');
      if (fs.existsSync(logFile)) {
        const fromLog = [...fs.readFileSync(logFile, 'utf8').matchAll(/step (\d+)\/\d+ loss \S+ at (\d+) ms/g)].map((m) => [Number(m[1]), Number(m[2])]);
        if (fromLog.length > at.length) at = fromLog;
      }
      const last = at[at.length - 1];
      const warm = at.length > 1 ? (last[1] - at[0][1]) / (last[0] - at[0][0]) : NaN;
      summary[key] = { incomplete: 'killed before fineTune returned (no Dice, no gate)', stepsDone: last && last[0], elapsedMsAtLastReport: last && last[1],
        firstStepMs: at.length && at[0][0] === 1 ? at[0][1] : undefined, msPerStepAfterFirst: round(warm) };
      continue;
    }
    summary[key] = r.error || r.initError
      ? { failed: (r.error || r.initError).message, stepsBeforeError: r.stepsBeforeError }
      : {
        host: r.host && r.host.cpuModel, adapter: r.tfjsAdapterInfo ? r.tfjsAdapterInfo.description || r.tfjsAdapterInfo.vendor : undefined,
        inputSize: r.cases && r.cases.size, steps: r.steps, batchSize: 8,
        msPerStepWarmMean: r.msPerStep.warmMean, msPerStepWarmMedian: r.msPerStep.warmMedian, firstStepMs: r.msPerStep.first,
        trainingMs: r.trainingMs, afterTrainingMs: r.afterTrainingMs, fineTuneWallMs: r.fineTuneWallMs, wallMs: r.wallMs,
        finalLoss: r.finalLoss, phantomDice: r.phantom && { base: r.phantom.baseDice, candidate: r.phantom.candidateDice },
        gatePassed: r.gate.passed, gateReasons: r.gate.reasons,
      };
  }
  target.fineTune = {
    mergedAt: new Date().toISOString(),
    setup: 'scripts/bench/gpu-retrain.js: fineTune from weights/weak64 (64², 250 steps) or weights/v1 (128², 60 steps), batch 8, lr 0.003, phantomShare 0.5, seed 1, tolerance 0.01; reviewed cases: 10 phantom series (seeds 61000+s, 16 slices, 128², s%5==4 lesion-free); held-out: HELD_OUT_SEEDS.slice(0,6) x 16 slices',
    summary, runs,
  };
  writeJson(into, target);
  console.log(JSON.stringify(summary, null, 1));
  return 0;
}

(backendName === 'merge' ? Promise.resolve(merge()) : main()).then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
