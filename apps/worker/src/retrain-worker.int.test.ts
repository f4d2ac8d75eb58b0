// The built worker process runs the whole loop's machine side: it reads an ingested study with the
// active model, and after a radiologist's approval it takes the retrain job from the queue,
// fine-tunes in its training thread, writes the candidate under MODEL_DIR and registers it with its
// curves; an uploaded model package is taken from the model-upload queue and validated in its thread.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  buildLabelledCaseSet, claimReviewTask, createUser, ingestInstances, preprocessInstance, receiveModelUpload, registerModelDirectory, startRetrain, submitReview,
  type DomainContext,
} from '@imaging/domain';
import { shippedModelDir } from '@imaging/ml';
import { createTestServices, packageEntries, phantomStudy, systemContext, until, zipEntries, type TestServices } from '@imaging/testing';
import { spawnWorker } from './testing/worker-process';

describe('retraining in the worker process', () => {
  let s: TestServices;
  let worker: ChildProcess | null = null;
  beforeAll(async () => {
    s = await createTestServices({
      inferSettleMs: 0, reviewSecondReadShare: 0,
      // a few steps and a tiny held-out set: this checks the wiring, retrain.int.test (api) the learning
      retrain: { steps: 3, batchSize: 2, learningRate: 0.001, phantomShare: 0.5, gateTolerance: 0.01, heldOutSeries: 1, heldOutSlices: 4 },
    });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await s.close();
  });

  it('reads a study, then fine-tunes, evaluates and registers a candidate from the retrain queue', async () => {
    await registerModelDirectory(s, 'weak', shippedModelDir('weak64'));
    worker = spawnWorker(s, { ML_BACKEND: 'wasm' });

    const study = phantomStudy({ seed: 63_001, slices: 8, size: 64, lesionProbability: 1 });
    const ingested = await ingestInstances(systemContext(s), study.files);
    for (const r of ingested) await preprocessInstance(s, r.instanceId!);
    const task = await until(() => s.db.reviewTask.findFirst({ where: { seriesDbId: ingested[0].seriesId! } }), 'the worker to read the series', { timeoutMs: 120_000 });

    const user = await createUser(systemContext(s), { email: 'reader@example.org', password: 'correct horse battery staple', role: 'RADIOLOGIST' });
    const reader: DomainContext = { ...s, principal: { kind: 'user', id: user.id, email: user.email, role: 'RADIOLOGIST', sessionId: 'test' }, requestId: 'test-reader' };
    await claimReviewTask(reader, task.id);
    await expect(submitReview(reader, task.id, { decision: 'APPROVE' })).resolves.toMatchObject({ state: 'FINAL' });

    await expect(buildLabelledCaseSet(systemContext(s))).resolves.toMatchObject({ version: 1, counts: { cases: 1, bySource: { approved: 1 } } });
    const run = await startRetrain(systemContext(s), { steps: 3 });
    const done = await until(async () => {
      const r = await s.db.trainingRun.findUniqueOrThrow({ where: { id: run.id } });
      return r.state === 'SUCCEEDED' || r.state === 'FAILED' ? r : null;
    }, 'the worker to finish the training run', { timeoutMs: 180_000 });
    expect(done).toMatchObject({ state: 'SUCCEEDED', step: 3, backend: 'wasm', error: null });
    expect((done.losses as { step: number }[]).map((p) => p.step).pop()).toBe(3);
    expect(typeof done.gatePassed).toBe('boolean');

    const candidate = await s.db.modelVersion.findUniqueOrThrow({ where: { id: done.candidateModelVersionId! }, include: { artifacts: true } });
    expect(candidate).toMatchObject({ version: run.params.version, status: 'CANDIDATE', inputSize: 64 });
    expect(candidate.artifacts.map((a) => a.variant).sort()).toEqual(['float16', 'float32', 'uint8']);
    for (const a of candidate.artifacts) {
      expect(a.location.startsWith(s.config.modelDir)).toBe(true);
      expect(existsSync(path.join(a.location, 'weights.bin'))).toBe(true);
    }
    expect(await s.db.auditEvent.count({ where: { action: 'model.retrain.finish', resourceId: run.id, outcome: 'SUCCESS' } })).toBe(1);
    // the candidate carries its curves per held-out set, as an uploaded version does
    const evaluation = candidate.evaluation as { sets: { name: string; curves: { curves: { roc: unknown[] }; reliability: { bins: unknown[] } } }[] };
    expect(evaluation.sets[0].name).toBe('phantom');
    expect(evaluation.sets[0].curves.curves.roc.length).toBeGreaterThan(1);
    expect(evaluation.sets[0].curves.reliability.bins).toHaveLength(10);

    // an uploaded package (the shipped v1, zipped) is validated and evaluated by the worker's model-upload consumer
    const zip = await zipEntries(await packageEntries(shippedModelDir('v1')));
    const upload = await receiveModelUpload(systemContext(s), { fileName: 'v1.zip', contentType: 'application/zip', declaredBytes: zip.length, body: Readable.from([zip]) });
    const validated = await until(async () => {
      const u = await s.db.modelUpload.findUniqueOrThrow({ where: { id: upload.id } });
      return u.state === 'SUCCEEDED' || u.state === 'FAILED' ? u : null;
    }, 'the worker to validate the uploaded package', { timeoutMs: 120_000 });
    expect(validated).toMatchObject({ state: 'SUCCEEDED', errorCode: null, modelName: expect.any(String) });
    expect((await s.db.modelVersion.findUniqueOrThrow({ where: { id: validated.modelVersionId! } })).status).toBe('CANDIDATE');
  }, 300_000);
});
