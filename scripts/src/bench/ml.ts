// bench:ml — inference speed of the shipped model on the configured backend (wasm by default):
// images/s at batch 1, 4, 8, 16 for the float32 / float16 / uint8 weights, a thread pool of 1 vs 2
// models, and the whole path upload → AI result for a 200-slice 512² phantom study through the real
// API and worker processes (goal: under 60 s on 2 cores).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { processEnv } from '@imaging/config';
import { createApiKey, registerShippedModel } from '@imaging/domain';
import {
  MODEL_VARIANTS, batchImages, createInferencePool, heldOutImages, initBackend, loadModelDir, measureThroughput, shippedModelDir, type BackendName,
} from '@imaging/ml';
import { corpusDir, createTestServices, phantomStudy, systemContext } from '@imaging/testing';
import { createLocalEngine } from '@imaging/ml';
import { evaluateRealCase } from './real-case';
import { realCtGuard } from './real-ct-guard';
import { repoRoot } from '../paths';
import { writeBenchResult } from './report';
import { runUploadClient, writeUploadFolder } from './orthanc';

const BATCH_SIZES = [1, 4, 8, 16];
const E2E_SLICES = 200;
const GOAL_SECONDS = 60;

async function variantThroughput(backend: BackendName) {
  await initBackend(backend);
  const out: Record<string, { batchSize: number; imagesPerSecond: number; msPerBatch: number }[]> = {};
  for (const variant of MODEL_VARIANTS) {
    const model = await loadModelDir(shippedModelDir('v1', variant));
    out[variant] = (await measureThroughput(model, BATCH_SIZES, 5)).map((r) => ({ ...r, imagesPerSecond: +r.imagesPerSecond.toFixed(1), msPerBatch: +r.msPerBatch.toFixed(1) }));
    model.dispose();
    console.log(`${variant}: ${out[variant].map((r) => `batch ${r.batchSize}: ${r.imagesPerSecond} img/s`).join(', ')}`);
  }
  return out;
}

/** The same 128 images through a pool of 1 and of 2 model threads, batches of 8 in flight together. */
async function poolThroughput(backend: BackendName) {
  const images = heldOutImages({ seeds: [900_500, 900_501, 900_502, 900_503], slicesPerSeries: 32, modelSize: 128 }).map((i) => i.image);
  const out: { threads: number; imagesPerSecond: number }[] = [];
  for (const threads of [1, 2]) {
    const pool = await createInferencePool({ modelDir: shippedModelDir('v1'), backend, threads });
    await pool.predict(batchImages(images.slice(0, 8), 128)); // warm-up
    const start = performance.now();
    const batches = [];
    for (let i = 0; i < images.length; i += 8) batches.push(pool.predict(batchImages(images.slice(i, i + 8), 128)));
    await Promise.all(batches);
    const seconds = (performance.now() - start) / 1000;
    await pool.close();
    out.push({ threads, imagesPerSecond: +(images.length / seconds).toFixed(1) });
    console.log(`pool of ${threads} thread(s): ${out.at(-1)!.imagesPerSecond} img/s`);
  }
  return out;
}

function startProcess(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(repoRoot(), script)], { env: { ...processEnv(), ...env, LOG_LEVEL: 'warn' }, stdio: 'inherit' });
}

async function uploadToResult() {
  const services = await createTestServices({ logLevel: 'warn' });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = {
    DATABASE_URL: services.databaseUrl, REDIS_URL: services.config.redisUrl!, QUEUE_PREFIX: services.config.queuePrefix,
    STORAGE_DIR: services.config.storageDir, API_PORT: String(port), WORKER_METRICS_PORT: '0',
  };
  await registerShippedModel(services);
  const api = startProcess('apps/api/dist/main.js', env);
  const worker = startProcess('apps/worker/dist/main.js', env);
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300 && !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    const study = phantomStudy({ seed: 900_777, slices: E2E_SLICES, size: 512, lesionProbability: 1 });
    const { key } = await createApiKey(systemContext(services), { name: 'bench', role: 'INTEGRATOR' });
    const folder = writeUploadFolder(study.files);
    const start = performance.now();
    const upload = await runUploadClient(folder, `${url}/api/instances`, 4, `Bearer ${key}`);
    const uploadedAt = performance.now();
    for (;;) {
      const p = await services.db.seriesProcessing.findFirst({ where: { series: { seriesInstanceUid: study.seriesInstanceUid } } });
      if (p?.state === 'DONE') break;
      if (p?.state === 'FAILED') throw new Error(`processing failed: ${p.error}`);
      if (performance.now() - start > 600_000) throw new Error('no AI result after 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const doneAt = performance.now();
    const series = await services.db.series.findUniqueOrThrow({ where: { seriesInstanceUid: study.seriesInstanceUid } });
    const stages = await services.db.processingStage.findMany({ where: { seriesDbId: series.id } });
    const result = await services.db.aiResult.findFirstOrThrow({ where: { seriesDbId: series.id } });
    return {
      slices: E2E_SLICES, size: 512, uploadSeconds: +upload.seconds.toFixed(2),
      uploadToResultSeconds: +((doneAt - start) / 1000).toFixed(2), afterUploadSeconds: +((doneAt - uploadedAt) / 1000).toFixed(2),
      goalSeconds: GOAL_SECONDS, stages: stages.map((s) => ({ name: s.name, durationMs: s.durationMs, cpuMs: s.cpuMs, items: s.items })),
      result: { label: result.label, score: +result.score.toFixed(3), lesionCount: result.lesionCount, volumeMl: +result.totalVolumeMl.toFixed(1), truthLesions: study.series.lesions.length },
    };
  } finally {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await services.close();
  }
}

async function main() {
  const backend = (processEnv().ML_BACKEND ?? 'wasm') as BackendName;
  const throughput = await variantThroughput(backend);
  const pool = await poolThroughput(backend);
  const engine = await createLocalEngine({ modelDir: shippedModelDir('v1'), backend });
  const realCase = await evaluateRealCase(corpusDir(), engine);
  console.log(`real CT (ct-3slice) against its liver SEG, model run unguarded: label ${realCase.label}, Dice ${realCase.diceWithSeg.toFixed(3)} (out of distribution: the model finds focal lesions)`);
  const guard = await realCtGuard(corpusDir(), engine);
  await engine.close();
  for (const g of guard) {
    const st = g.statistics;
    console.log(`guard ${g.files[0]} (${g.slices} sl, fov ${g.fieldOfViewMm?.join('×') ?? '?'} mm): ${g.inputInDomain ? 'IN DOMAIN' : `OUT_OF_DOMAIN ${g.reasonCodes.join(',')}`}`
      + ` | intermediate ${st['band.intermediate']}, outside-body non-air ${st.outsideNonAirFraction}, body ${st.bodyFraction}`
      + ` | model would mark ${(g.maxSliceMaskFraction * 100).toFixed(1)} % of a slice (output check ${g.outputInDomain ? 'passes' : 'refuses'})`);
  }
  const e2e = await uploadToResult();
  console.log(`upload → AI result, ${E2E_SLICES} × 512²: ${e2e.uploadToResultSeconds} s (goal < ${GOAL_SECONDS} s); upload ${e2e.uploadSeconds} s`);
  writeBenchResult('ml', { backend, throughput, pool, realCase, domainGuard: guard, uploadToResult: e2e });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
