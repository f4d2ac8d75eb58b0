// The out-of-distribution guard through the real pipeline: every real CT series of the shared
// corpus (ingest → preprocess → infer job → shipped model on wasm) ends OUT_OF_DOMAIN with its
// reason, no lesion label, no findings, no masks and a flagged review task; a phantom series
// still gets its lesion findings.
import { createTestServices, phantomStudy, readCorpusFile, readManifest, systemContext, type TestServices } from '@imaging/testing';
import { createLocalEngine, shippedModelDir, type InferenceEngine } from '@imaging/ml';
import type { InferJob } from '@imaging/jobs';
import { ingestInstances } from '../ingest/ingest-instances';
import { preprocessInstance } from '../ingest/preprocess-instance';
import { activeModel, registerShippedModel } from '../models/model-registry';
import { processSeries, type InferenceRuntime } from './process-series';
import { studyAiResults } from './results';

describe('AI domain guard', () => {
  let s: TestServices;
  let engine: InferenceEngine;
  let runtime: InferenceRuntime;

  beforeAll(async () => {
    s = await createTestServices({ inferSettleMs: 0 });
    await registerShippedModel(s);
    engine = await createLocalEngine({ modelDir: shippedModelDir('v1'), backend: 'wasm' });
    runtime = { engine, model: (await activeModel(s))!, variant: 'float32', batchSize: 4 };
  });
  afterAll(async () => {
    await engine?.close();
    await s?.close();
  });

  async function lastInferJob(seriesId: string): Promise<InferJob> {
    const jobs = (await s.queues.infer.getJobs(['delayed', 'waiting', 'prioritized', 'wait'])).map((j) => j.data).filter((d) => d.seriesId === seriesId);
    return jobs.sort((a, b) => b.preprocessedCount - a.preprocessedCount)[0];
  }

  async function ingestAndPreprocess(files: Buffer[]): Promise<string[]> {
    const ingested = await ingestInstances(systemContext(s), files);
    const stored = ingested.filter((r) => r.status === 'stored' && r.instanceId);
    for (const r of stored) await preprocessInstance(s, r.instanceId!);
    return [...new Set(stored.map((r) => r.seriesId!))];
  }

  it('a phantom series stays in the domain and keeps its findings', async () => {
    const study = phantomStudy({ seed: 910_021, slices: 6, size: 256, lesionProbability: 1 });
    const [seriesId] = await ingestAndPreprocess(study.files);
    const outcome = await processSeries(s, runtime, await lastInferJob(seriesId));
    expect(outcome).toMatchObject({ status: 'done', aiStatus: 'COMPLETE', domainReasonCode: null, label: 'lesion' });
    const row = await s.db.aiResult.findFirstOrThrow({ where: { seriesDbId: seriesId } });
    expect(row).toMatchObject({ status: 'COMPLETE', domainReasonCode: null, domainReason: null, label: 'lesion' });
    expect(row.lesionCount).toBeGreaterThanOrEqual(1);
    expect(await s.db.maskSlice.count({ where: { annotation: { seriesDbId: seriesId } } })).toBeGreaterThan(0);
    expect(await s.db.reviewTask.findUniqueOrThrow({ where: { seriesDbId: seriesId } })).toMatchObject({ outOfDomain: false, aiLabel: 'lesion' });
  });

  it('every real CT series of the corpus ends OUT_OF_DOMAIN with a reason, no lesion and a flagged review task', async () => {
    const rows = readManifest().filter((r) => r.expect === 'ok' && r.modality === 'CT' && r.frames === '1' && r.photometric.startsWith('MONOCHROME'));
    const seriesIds = await ingestAndPreprocess(rows.map(readCorpusFile));
    expect(seriesIds.length).toBeGreaterThanOrEqual(10);
    const report: string[] = [];
    let dcmqi = false;
    for (const seriesId of seriesIds) {
      const series = await s.db.series.findUniqueOrThrow({ where: { id: seriesId } });
      const outcome = await processSeries(s, runtime, await lastInferJob(seriesId));
      expect(outcome).toMatchObject({ status: 'done', aiStatus: 'OUT_OF_DOMAIN', label: 'unknown', score: 0, lesionCount: 0 });
      const [result] = await studyAiResults(systemContext(s), series.studyDbId);
      expect(result).toMatchObject({ status: 'OUT_OF_DOMAIN', label: 'unknown', lesionCount: 0, totalVolumeMl: 0 });
      expect(result.domainReasonCode).toMatch(/^[A-Z_]+$/);
      expect(result.domainReason!.length).toBeGreaterThan(10);
      expect((result.findings as { lesions: unknown[] }).lesions).toEqual([]);
      expect(await s.db.maskSlice.count({ where: { annotation: { seriesDbId: seriesId } } })).toBe(0);
      const task = await s.db.reviewTask.findUniqueOrThrow({ where: { seriesDbId: seriesId } });
      expect(task).toMatchObject({ state: 'NEW', outOfDomain: true, aiLabel: null, aiScore: null });
      const check = result.domainCheck as { input: { fieldOfViewMm: number[] | null; statistics: Record<string, { median: number }> } };
      if (series.seriesInstanceUid === rows.find((r) => r.path.includes('ct-3slice'))!.series_uid) {
        dcmqi = true;
        // a real abdominal CT at 415 mm: wider than the phantoms, with a table and gas they never have
        expect(result.domainReasonCode).toBe('FIELD_OF_VIEW');
        expect(check.input.statistics['band.intermediate'].median).toBeGreaterThan(0.02);
        expect(check.input.statistics.outsideNonAirFraction.median).toBeGreaterThan(0.02);
      }
      const st = check.input.statistics;
      report.push([
        series.seriesInstanceUid.slice(-24), `${result.slices} sl`, `fov ${check.input.fieldOfViewMm?.join('×') ?? '-'}`, result.domainReasonCode,
        `intermediate ${st['band.intermediate'].median}`, `outside ${st.outsideNonAirFraction.median}`, `body ${st.bodyFraction.median}`,
      ].join(' | '));
    }
    expect(dcmqi).toBe(true);
    // the per-series verdicts, for the record
    console.log(report.join('\n'));
  });
});
