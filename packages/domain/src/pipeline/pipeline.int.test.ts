// The AI pipeline on real services: phantom CT (real DICOM) → ingest → preprocess → infer job
// (debounced by count) → the shipped model on wasm → result, masks, stages, review task, audit.
import { createTestServices, phantomStudy, systemContext, type TestServices } from '@imaging/testing';
import { createLocalEngine, shippedModelDir, unpackBits, type InferenceEngine } from '@imaging/ml';
import { syntheticCtSeries } from '@imaging/dicom';
import { poolSql } from '@imaging/db';
import { ingestInstances } from '../ingest/ingest-instances';
import { preprocessInstance } from '../ingest/preprocess-instance';
import { activeModel, registerShippedModel, type ActiveModel } from '../models/model-registry';
import { markSeriesFailed, prepareSlices, processSeries, seriesSliceRows, type InferenceRuntime } from './process-series';
import { clearSliceInputCache } from './slice-input';
import { sliceMask, studyAiResults, studyProcessing } from './results';
import { studyCost } from '../costs/study-cost';
import type { InferJob } from '@imaging/jobs';

describe('AI pipeline', () => {
  let s: TestServices;
  let engine: InferenceEngine;
  let runtime: InferenceRuntime;
  let model: ActiveModel;

  beforeAll(async () => {
    s = await createTestServices({ inferSettleMs: 0 });
    expect(await registerShippedModel(s)).toMatchObject({ status: 'ACTIVE', created: true });
    expect(await registerShippedModel(s)).toMatchObject({ created: false });
    model = (await activeModel(s))!;
    expect(Object.keys(model.artifacts)).toEqual(expect.arrayContaining(['float16', 'float32', 'uint8']));
    engine = await createLocalEngine({ modelDir: shippedModelDir('v1'), backend: 'wasm' });
    runtime = { engine, model, variant: 'float32', batchSize: 4 };
  });
  afterAll(async () => {
    await engine?.close();
    await s?.close();
  });

  async function inferJobs(seriesId: string): Promise<InferJob[]> {
    const jobs = await s.queues.infer.getJobs(['delayed', 'waiting', 'prioritized', 'wait']);
    return jobs.map((j) => j.data).filter((d) => d.seriesId === seriesId).sort((a, b) => a.preprocessedCount - b.preprocessedCount);
  }

  it('turns an ingested phantom CT into a result, masks, stage figures and a NEW review task', async () => {
    const study = phantomStudy({ seed: 900_003, slices: 12, size: 512, lesionProbability: 1 });
    expect(study.series.label).toBe('lesion');
    const ingested = await ingestInstances(systemContext(s), study.files);
    expect(ingested.every((r) => r.status === 'stored')).toBe(true);
    const seriesId = ingested[0].seriesId!;
    for (const r of ingested) await preprocessInstance(s, r.instanceId!);

    // scheduled once, when the last instance of the series was preprocessed
    const jobs = await inferJobs(seriesId);
    expect(jobs.map((j) => j.preprocessedCount)).toEqual([12]);
    // a job from before the last arrivals is superseded
    expect((await processSeries(s, runtime, { ...jobs[0], preprocessedCount: 6 })).status).toBe('superseded');
    const outcome = await processSeries(s, runtime, jobs[0]);
    expect(outcome).toMatchObject({ status: 'done', slices: 12 });
    if (outcome.status !== 'done') throw new Error('unreachable');
    expect(outcome.stages.map((st) => st.name)).toEqual(['preprocess', 'inference']);

    const ctx = systemContext(s);
    const studyRow = await s.db.study.findUniqueOrThrow({ where: { studyInstanceUid: study.studyInstanceUid } });
    const processing = await studyProcessing(ctx, studyRow.id);
    expect(processing).toHaveLength(1);
    expect(processing[0]).toMatchObject({ state: 'DONE', attempts: 1 });
    expect(processing[0].stages.map((st) => [st.name, st.items])).toEqual([['preprocess', 12], ['inference', 12]]);
    expect(processing[0].stages[1].details).toMatchObject({ backend: 'wasm', variant: 'float32', modelVersion: 'v1', batchSize: 4 });

    const [result] = await studyAiResults(ctx, studyRow.id);
    expect(result).toMatchObject({ modelVersion: 'v1', slices: 12, label: 'lesion' });
    expect(result.lesionCount).toBeGreaterThanOrEqual(1);
    expect(result.totalVolumeMl).toBeGreaterThan(0);

    // masks come back on the image grid and overlap the ground truth
    let inter = 0, predicted = 0, truth = 0;
    for (let i = 0; i < 12; i++) {
      const mask = await sliceMask(ctx, ingested[i].sopInstanceUid!);
      expect([mask.rows, mask.columns, mask.version, mask.source]).toEqual([512, 512, 0, 'AI']);
      const pixels = unpackBits(mask.packed, 512 * 512);
      const gt = study.series.slices[i].mask;
      for (let k = 0; k < pixels.length; k++) { inter += pixels[k] & gt[k]; predicted += pixels[k]; truth += gt[k]; }
    }
    expect(truth).toBeGreaterThan(0);
    expect((2 * inter) / (predicted + truth)).toBeGreaterThan(0.5);

    const task = await s.db.reviewTask.findUniqueOrThrow({ where: { seriesDbId: seriesId } });
    expect(task).toMatchObject({ state: 'NEW', aiLabel: 'lesion' });
    expect(task.aiScore).toBeCloseTo(result.score, 6);
    expect(await s.db.auditEvent.count({ where: { action: 'ai.result', resourceId: seriesId } })).toBe(1);

    // its cost, from the recorded stages and the unit prices
    const cost = await studyCost(ctx, studyRow.id);
    expect(cost.stages.map((st) => st.name)).toEqual(['ingest', 'preprocess', 'inference']);
    expect(cost.stages[0]).toMatchObject({ bytesIn: study.files.reduce((a, f) => a + f.length, 0) });
    expect(cost.stages[0].cpuSeconds).toBeGreaterThan(0);
    expect(cost.stages[2].cpuSeconds).toBeGreaterThan(0);
    expect(cost.stages[2].cost).toBeCloseTo(cost.stages[2].cpuSeconds! * s.config.unitPrices.cpuSecond, 12);
    expect(cost.total).toBeCloseTo(cost.stages.reduce((a, st) => a + st.cost, 0), 12);
    expect(cost.storagePerMonth).toBeGreaterThan(0);

    // a retried job is harmless: still one result, one task, the same masks
    const slicesBefore = await s.db.maskSlice.count();
    expect((await processSeries(s, runtime, jobs[0])).status).toBe('done');
    expect(await s.db.aiResult.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.reviewTask.count({ where: { seriesDbId: seriesId } })).toBe(1);
    expect(await s.db.maskSlice.count()).toBe(slicesBefore);
  });

  it('marks a series FAILED with its error when its pixels cannot be decoded, and skips non-CT series', async () => {
    const { files } = syntheticCtSeries({ seed: 4711, slices: 2, size: 64 });
    const ingested = await ingestInstances(systemContext(s), files);
    const seriesId = ingested[0].seriesId!;
    for (const r of ingested) await preprocessInstance(s, r.instanceId!);
    // damage the stored pixel data of one slice after it was verified (a poisoned input)
    const row = await s.db.instance.findUniqueOrThrow({ where: { id: ingested[1].instanceId! } });
    const bytes = Buffer.from(await s.store.get(row.storageKey));
    await s.store.delete(row.storageKey);
    await s.store.put(row.storageKey, bytes.subarray(0, 400));
    const [job] = (await inferJobs(seriesId)).slice(-1);
    let error: Error | null = null;
    try { await processSeries(s, runtime, job); } catch (e) { error = e as Error; }
    expect(error).not.toBeNull();
    await markSeriesFailed(s, seriesId, (error as { code?: string }).code ?? 'INFERENCE_FAILED', error!.message);
    const study = await s.db.series.findUniqueOrThrow({ where: { id: seriesId } });
    const [processing] = await studyProcessing(systemContext(s), study.studyDbId);
    expect(processing).toMatchObject({ state: 'FAILED' });
    expect(processing.errorCode).toBeTruthy();
    expect(await s.db.reviewTask.count({ where: { seriesDbId: seriesId } })).toBe(0);

    // an MR series is not for this model
    await poolSql(s.db).query(`UPDATE "Series" SET modality = 'MR' WHERE id = $1`, [seriesId]);
    expect(await processSeries(s, runtime, job)).toMatchObject({ status: 'skipped' });
    const [skipped] = await studyProcessing(systemContext(s), study.studyDbId);
    expect(skipped).toMatchObject({ state: 'SKIPPED', errorCode: 'NOT_APPLICABLE' });
  });

  it('takes each slice\'s model input from the storage step in one pass, equal to decoding the stored file again', async () => {
    const study = phantomStudy({ seed: 900_011, slices: 6, size: 512, lesionProbability: 1 });
    const ingested = await ingestInstances(systemContext(s), study.files);
    clearSliceInputCache();
    for (const r of ingested) {
      expect(await preprocessInstance(s, r.instanceId!, { modelInputSize: model.inputSize })).toMatchObject({ frames: 1, storage: 'compressed' });
    }
    const rows = await seriesSliceRows(s, ingested[0].seriesId!);
    const fig = { name: 'preprocess', startedAt: new Date(), durationMs: 0, cpuMs: 0, items: 0, bytesIn: 0, bytesOut: 0 };
    const fromCache = await prepareSlices(s, rows, model.inputSize, fig);
    // nothing read from storage: every input came from the storage step
    expect(fig).toMatchObject({ items: 6, bytesIn: 0, details: { fromCache: 6 } });
    clearSliceInputCache();
    const fig2 = { ...fig, items: 0, bytesIn: 0, details: undefined };
    const decoded = await prepareSlices(s, rows, model.inputSize, fig2);
    expect(fig2.details).toEqual({ fromCache: 0 });
    expect(fig2.bytesIn).toBeGreaterThan(0);
    expect(decoded.map((d) => d.row.id)).toEqual(fromCache.map((d) => d.row.id));
    for (let i = 0; i < decoded.length; i++) {
      expect(Buffer.from(decoded[i].image.buffer).equals(Buffer.from(fromCache[i].image.buffer))).toBe(true);
      expect([decoded[i].key, decoded[i].spacing, decoded[i].statistics]).toEqual([fromCache[i].key, fromCache[i].spacing, fromCache[i].statistics]);
    }
    // a retry of the storage step restores the compressed blob and still verifies
    expect(await preprocessInstance(s, ingested[0].instanceId!, { modelInputSize: model.inputSize })).toMatchObject({ frames: 1, storage: 'already' });
  });
});
