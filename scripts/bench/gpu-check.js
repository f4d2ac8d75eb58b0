#!/usr/bin/env node
// GPU check and benchmark of @imaging/ml on a chosen tfjs backend (plain CommonJS, no build step).
//
//   node gpu-check.js <webgpu|wasm|cpu> [--out DIR] [--ref DIR] [--train-steps N] [--min-ms N]
//     initialises the backend through the pipeline's own initBackend/createLocalEngine, loads the
//     shipped v1 model (float32, float16, uint8), times engine.predict at batch 1/8/32/64 on
//     held-out phantom slices (first batch timed separately and discarded), runs a few trainModel
//     steps on a fresh buildUNet({ inputSize: 128 }), writes DIR/gpu-check-<backend>.json and the
//     raw outputs used for the agreement check to the --ref folder.
//   node gpu-check.js compare [--a webgpu] [--b wasm] --ref DIR --out DIR
//     compares the two backends' outputs (Dice of the masks, max probability difference) and
//     merges everything into DIR/gpu.json.
//
// env: ML_NODE_MODULES  see gpu-common.js.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { req, argv, opt } = require('./gpu-common');

const mode = argv[0] || 'wasm';
const outDir = path.resolve(opt('out', process.env.OUT || '.'));
const refDir = path.resolve(opt('ref', path.join(os.tmpdir(), 'gpu-check-ref')));
const VARIANTS = ['float32', 'float16', 'uint8'];
const BATCH_SIZES = (opt('batches', '1,8,32,64')).split(',').map(Number);
const MIN_MS = Number(opt('min-ms', 1500));
const MAX_TIMED_BATCHES = Number(opt('max-batches', 400));
const TRAIN_STEPS = Number(opt('train-steps', 20));
const SERIES = Number(opt('series', 4));
const SLICES = Number(opt('slices', 32));
const AGREEMENT_BATCH = 32;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const log = (...a) => console.log(`[gpu-check ${mode}]`, ...a);
const round = (v, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);
const errInfo = (e) => ({ name: e && e.name, message: String((e && e.message) || e), stack: e && e.stack ? String(e.stack).split('\n').slice(0, 8).join('\n') : undefined });
function median(xs) { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; }
function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

function adapterInfoOf(adapter) {
  if (!adapter) return null;
  const info = adapter.info || {};
  const pick = {};
  for (const k of ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize', 'isFallbackAdapter']) {
    try { if (info[k] !== undefined) pick[k] = info[k]; } catch { /* getter threw */ }
  }
  if (pick.isFallbackAdapter === undefined && adapter.isFallbackAdapter !== undefined) pick.isFallbackAdapter = adapter.isFallbackAdapter;
  let features = [];
  try { features = [...adapter.features]; } catch { /* none */ }
  const limits = {};
  for (const k of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup']) {
    try { limits[k] = adapter.limits[k]; } catch { /* none */ }
  }
  return { info: pick, features, limits };
}

/** When webgpu does not start: ask Dawn directly what it sees (adapter list, errors). */
async function diagnoseWebgpu() {
  const out = {};
  try {
    const dawn = await import(req.resolve('webgpu'));
    try {
      const a = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
      out.defaultAdapter = adapterInfoOf(a);
    } catch (e) { out.defaultAdapterError = errInfo(e); }
    try {
      const a = await dawn.create(['adapter=__no_such_adapter__']).requestAdapter();
      out.bogusAdapter = a ? 'returned an adapter' : 'null';
    } catch (e) { out.adapterList = String(e && e.message || e); }
  } catch (e) { out.importError = errInfo(e); }
  return out;
}

async function runBackend(name) {
  const result = {
    requestedBackend: name, startedAt: new Date().toISOString(), node: process.version,
    host: { hostname: os.hostname(), cpus: os.cpus().length, cpuModel: (os.cpus()[0] || {}).model, memGiB: round(os.totalmem() / 2 ** 30, 1) },
    env: { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH || null, VK_DRIVER_FILES: process.env.VK_DRIVER_FILES || null, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES || null },
  };
  const outFile = path.join(outDir, `gpu-check-${name}.json`);
  const save = () => writeJson(outFile, result);

  const ml = req('@imaging/ml');
  const tf = req('@tensorflow/tfjs');
  result.tfjsVersion = tf.version.tfjs;

  // 1. backend, through the pipeline's own initBackend
  let t = now();
  try {
    result.initBackendReturned = await ml.initBackend(name);
  } catch (e) {
    result.initError = { ...errInfo(e), code: e && e.code };
    log('initBackend failed:', result.initError.message);
    if (name === 'webgpu') result.webgpuDiagnosis = await diagnoseWebgpu();
    save();
    log('diagnosis:', JSON.stringify(result.webgpuDiagnosis || null, null, 1));
    return 2;
  }
  result.initMs = round(now() - t);
  result.activeBackend = tf.getBackend();
  log('initBackend ->', result.initBackendReturned, '| tf.getBackend() =', result.activeBackend, `| ${result.initMs} ms`);
  if (name === 'webgpu') {
    const be = tf.backend();
    result.tfjsAdapterInfo = be.adapterInfo ? { ...be.adapterInfo } : null;
    result.supportTimestampQuery = be.supportTimestampQuery;
    try {
      const adapter = await globalThis.navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
      result.adapter = adapterInfoOf(adapter);
    } catch (e) { result.adapterError = errInfo(e); }
    log('adapter.info:', JSON.stringify(result.adapter && result.adapter.info), '| tfjs adapterInfo:', JSON.stringify(result.tfjsAdapterInfo));
  }
  if (name === 'wasm') {
    for (const f of ['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT']) {
      try { result[f] = await tf.env().getAsync(f); } catch { /* flag unknown */ }
    }
  }
  // Synchronous read-back probe (tensor.dataSync on a device-resident tensor).
  try {
    const y = tf.tidy(() => tf.square(tf.tensor1d([1, 2, 3])));
    const v = y.dataSync();
    y.dispose();
    result.dataSyncProbe = { ok: true, value: Array.from(v) };
  } catch (e) {
    result.dataSyncProbe = { ok: false, error: errInfo(e) };
  }
  log('dataSync probe:', JSON.stringify(result.dataSyncProbe.ok ? result.dataSyncProbe : result.dataSyncProbe.error.message));
  save();

  // 2. held-out style input
  t = now();
  const images = ml.heldOutImages({ seeds: ml.HELD_OUT_SEEDS.slice(0, SERIES), slicesPerSeries: SLICES, modelSize: 128 });
  result.input = { series: SERIES, slicesPerSeries: SLICES, images: images.length, modelSize: 128, seriesSize: 512, generateMs: round(now() - t) };
  const pixels = 128 * 128;
  const batchOf = (start, count) => ml.batchImages(Array.from({ length: count }, (_, i) => images[(start + i) % images.length].image), 128);
  log(`input: ${images.length} images (${SERIES} series x ${SLICES} slices) in ${result.input.generateMs} ms`);

  // 3. inference per variant and batch size
  fs.mkdirSync(refDir, { recursive: true });
  result.inference = {};
  for (const variant of VARIANTS) {
    const r = (result.inference[variant] = { batches: {} });
    try {
      const dir = ml.shippedModelDir('v1', variant);
      t = now();
      const engine = await ml.createLocalEngine({ modelDir: dir, backend: name });
      r.engineLoadMs = round(now() - t);
      r.engineBackend = engine.backend;
      r.inputSize = engine.inputSize;
      for (const B of BATCH_SIZES) {
        // first batch (shader compile / weight upload / shape-specific work), discarded
        t = now();
        await engine.predict(batchOf(0, B));
        const firstMs = now() - t;
        const times = [];
        let start = B;
        const t0 = now();
        while (times.length < 3 || (now() - t0 < MIN_MS && times.length < MAX_TIMED_BATCHES)) {
          const batch = batchOf(start, B);
          start += B;
          const tb = now();
          await engine.predict(batch);
          times.push(now() - tb);
        }
        const total = times.reduce((a, b) => a + b, 0);
        r.batches[B] = {
          firstBatchMs: round(firstMs), timedBatches: times.length, images: times.length * B,
          meanMsPerBatch: round(total / times.length, 3), medianMsPerBatch: round(median(times), 3),
          minMsPerBatch: round(Math.min(...times), 3), imagesPerSec: round((times.length * B) / (total / 1000), 1),
        };
        log(`${variant} batch ${B}: ${r.batches[B].imagesPerSec} images/s (median ${r.batches[B].medianMsPerBatch} ms/batch, first ${r.batches[B].firstBatchMs} ms, ${times.length} batches)`);
        save();
      }
      // outputs for the agreement check: the engine's masks and probabilities on all images
      const masks = new Uint8Array(images.length * pixels);
      const probs = [];
      for (let s = 0; s < images.length; s += AGREEMENT_BATCH) {
        const n = Math.min(AGREEMENT_BATCH, images.length - s);
        const p = await engine.predict(batchOf(s, n));
        p.masks.forEach((m, i) => masks.set(m, (s + i) * pixels));
        probs.push(...p.probabilities);
      }
      await engine.close();
      // pixel probabilities (sigmoid of the mask logits) from the same model files, same backend
      const model = await ml.loadModelDir(dir);
      const pix = new Float32Array(images.length * pixels);
      for (let s = 0; s < images.length; s += AGREEMENT_BATCH) {
        const n = Math.min(AGREEMENT_BATCH, images.length - s);
        const b = batchOf(s, n);
        const y = tf.tidy(() => tf.sigmoid(ml.runUNet(model, tf.tensor4d(b.data, b.shape))[0]));
        pix.set(await y.data(), s * pixels);
        y.dispose();
      }
      model.dispose();
      fs.writeFileSync(path.join(refDir, `${name}-${variant}.masks.bin`), masks);
      fs.writeFileSync(path.join(refDir, `${name}-${variant}.pix.bin`), Buffer.from(pix.buffer));
      writeJson(path.join(refDir, `${name}-${variant}.probs.json`), probs);
      let on = 0;
      for (let i = 0; i < masks.length; i++) on += masks[i];
      r.maskPixelsOn = on;
      r.meanLesionProbability = round(probs.reduce((a, b) => a + b, 0) / probs.length, 5);
    } catch (e) {
      r.error = errInfo(e);
      log(`${variant} failed:`, r.error.message);
    }
    save();
  }

  // 4. training steps on a fresh model
  const tr = (result.training = { steps: TRAIN_STEPS, batchSize: 8, inputSize: 128 });
  try {
    t = now();
    for (let i = 0; i < 3; i++) ml.trainingImages(77_000_000 + i * 8, 8, 128);
    tr.dataGenMsPerBatch = round((now() - t) / 3);
    const model = ml.buildUNet({ inputSize: 128 });
    const stepMs = [];
    let last = now();
    const t0 = last;
    const res = await ml.trainModel(model, {
      steps: TRAIN_STEPS, batchSize: 8, learningRate: 0.003, seed: 77_000_000,
      onStep: () => { const n = now(); stepMs.push(n - last); last = n; },
    });
    tr.totalMs = round(now() - t0);
    tr.completedSteps = res.steps;
    tr.firstStepMs = round(stepMs[0]);
    const warm = stepMs.slice(1);
    tr.warmMeanStepMs = round(warm.reduce((a, b) => a + b, 0) / Math.max(1, warm.length));
    tr.warmMedianStepMs = round(median(warm));
    tr.warmStepsPerSec = round(1000 / tr.warmMeanStepMs, 3);
    tr.warmStepsPerSecExclDataGen = round(1000 / Math.max(1e-9, tr.warmMeanStepMs - tr.dataGenMsPerBatch), 3);
    tr.stepMs = stepMs.map((v) => round(v, 1));
    tr.losses = res.losses.map((v) => round(v, 6));
    tr.finiteLosses = res.losses.every(Number.isFinite);
    model.dispose();
    log(`training: ${res.steps} steps, first ${tr.firstStepMs} ms, warm ${tr.warmMeanStepMs} ms/step = ${tr.warmStepsPerSec} steps/s (data gen ${tr.dataGenMsPerBatch} ms/batch), loss ${tr.losses[0]} -> ${tr.losses[tr.losses.length - 1]}`);
  } catch (e) {
    tr.error = errInfo(e);
    log('training failed:', tr.error.message);
  }
  result.memory = tf.memory();
  result.finishedAt = new Date().toISOString();
  save();
  log('wrote', outFile);
  return 0;
}

function compare(a, b) {
  const readJson = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
  const ra = readJson(path.join(outDir, `gpu-check-${a}.json`));
  const rb = readJson(path.join(outDir, `gpu-check-${b}.json`));
  const agreement = {};
  for (const variant of VARIANTS) {
    const files = (n) => ['masks.bin', 'pix.bin', 'probs.json'].map((s) => path.join(refDir, `${n}-${variant}.${s}`));
    const [ma, pa, qa] = files(a);
    const [mb, pb, qb] = files(b);
    if (![ma, pa, qa, mb, pb, qb].every((f) => fs.existsSync(f))) { agreement[variant] = { error: 'outputs missing for one backend' }; continue; }
    const A = new Uint8Array(fs.readFileSync(ma));
    const Bm = new Uint8Array(fs.readFileSync(mb));
    const bufA = fs.readFileSync(pa);
    const bufB = fs.readFileSync(pb);
    const PA = new Float32Array(bufA.buffer, bufA.byteOffset, bufA.byteLength / 4);
    const PB = new Float32Array(bufB.buffer, bufB.byteOffset, bufB.byteLength / 4);
    const QA = readJson(qa);
    const QB = readJson(qb);
    const pixels = 128 * 128;
    const nImages = A.length / pixels;
    let inter = 0, sa = 0, sb = 0, differing = 0;
    const perImage = [];
    for (let n = 0; n < nImages; n++) {
      let i2 = 0, s1 = 0, s2 = 0;
      for (let p = n * pixels; p < (n + 1) * pixels; p++) {
        const x = A[p], y = Bm[p];
        i2 += x & y; s1 += x; s2 += y; if (x !== y) differing++;
      }
      inter += i2; sa += s1; sb += s2;
      perImage.push(s1 + s2 === 0 ? 1 : (2 * i2) / (s1 + s2));
    }
    let maxPix = 0, sumPix = 0;
    for (let i = 0; i < PA.length; i++) { const d = Math.abs(PA[i] - PB[i]); sumPix += d; if (d > maxPix) maxPix = d; }
    let maxProb = 0;
    for (let i = 0; i < QA.length; i++) maxProb = Math.max(maxProb, Math.abs(QA[i] - QB[i]));
    agreement[variant] = {
      images: nImages, dice: sa + sb === 0 ? 1 : round((2 * inter) / (sa + sb), 6),
      meanPerImageDice: round(perImage.reduce((x, y) => x + y, 0) / nImages, 6), minPerImageDice: round(Math.min(...perImage), 6),
      differingMaskPixels: differing, maskPixelsOn: { [a]: sa, [b]: sb },
      maxAbsLesionProbabilityDiff: maxProb, maxAbsPixelProbabilityDiff: maxPix, meanAbsPixelProbabilityDiff: sumPix / PA.length,
    };
  }
  let trainingLossDiff = null;
  if (ra && rb && ra.training && rb.training && ra.training.losses && rb.training.losses) {
    const la = ra.training.losses, lb = rb.training.losses;
    const n = Math.min(la.length, lb.length);
    trainingLossDiff = { steps: n, maxAbsLossDiff: Math.max(...Array.from({ length: n }, (_, i) => Math.abs(la[i] - lb[i]))), firstStep: [la[0], lb[0]], lastStep: [la[n - 1], lb[n - 1]] };
  }
  // summary table
  const summary = { imagesPerSec: {}, firstBatchMs: {}, trainingStepsPerSec: {} };
  for (const r of [ra, rb]) {
    if (!r) continue;
    const key = r.requestedBackend;
    summary.imagesPerSec[key] = {};
    summary.firstBatchMs[key] = {};
    for (const variant of VARIANTS) {
      const inf = r.inference && r.inference[variant];
      if (!inf) continue;
      summary.imagesPerSec[key][variant] = Object.fromEntries(Object.entries(inf.batches).map(([B, v]) => [B, v.imagesPerSec]));
      summary.firstBatchMs[key][variant] = Object.fromEntries(Object.entries(inf.batches).map(([B, v]) => [B, v.firstBatchMs]));
    }
    summary.trainingStepsPerSec[key] = r.training ? (r.training.error ? `failed: ${r.training.error.message}` : r.training.warmStepsPerSec) : null;
  }
  const merged = { generatedAt: new Date().toISOString(), summary, agreement: { between: [a, b], variants: agreement, trainingLossDiff }, runs: { [a]: ra, [b]: rb } };
  writeJson(path.join(outDir, 'gpu.json'), merged);
  console.log(JSON.stringify({ summary, agreement: merged.agreement }, null, 1));
  return 0;
}

(async () => {
  let code;
  if (mode === 'compare') code = compare(opt('a', 'webgpu'), opt('b', 'wasm'));
  else code = await runBackend(mode);
  process.exit(code);
})().catch((e) => { console.error(e); process.exit(1); });
