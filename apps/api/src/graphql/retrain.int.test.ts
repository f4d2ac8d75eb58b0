// The retraining loop, end to end on a real server: a deliberately weak model (packages/ml/
// weights/weak64: the production architecture at 64², trained for only 250 steps) reads phantom studies; radiologists correct them over GraphQL
// with the phantoms' exact truth; the case set is frozen; a retrain run fine-tunes in a worker
// thread and the candidate's Dice rises; the gate passes it and it is promoted. Then corrupted
// corrections (a square of "lesion" in the air on every slice, lesion slices marked where there
// are none) make a candidate the gate refuses, and its promotion is refused with the reasons.
// Everything is audited.
//
// The retrain job is taken from the real BullMQ queue and run with the function the worker runs
// (executeRetrain); the worker process itself is covered by apps/worker's tests.
import { executeRetrain, registerModelDirectory } from '@imaging/domain';
import { packBits, shippedModelDir } from '@imaging/ml';
import { phantomStudy, type PhantomStudy } from '@imaging/testing';
import { startHarness, userCaller, gql, errorCodes, postDicom, type Harness, type Caller } from '../testing/harness';
import { runPipeline } from '../testing/pipeline';

// two fine-tuning runs of 250 steps on wasm: minutes, not seconds
jest.setTimeout(10 * 60_000);

let h: Harness;
let admin: Caller;
let readers: Caller[];

const RETRAIN_FIELDS = 'id state caseSetVersion baseVersion plannedVersion candidateVersion backend step steps losses { step loss } error errorCode gate { passed tolerance reasons sets { name slices lesionSlices } rows { set metric base candidate delta worse } }';

type Run = {
  id: string; state: string; plannedVersion: string; candidateVersion: string | null; step: number; steps: number; losses: { step: number; loss: number }[];
  error: string | null; gate: { passed: boolean; reasons: string[]; sets: { name: string; slices: number }[]; rows: { set: string; metric: string; base: number | null; candidate: number | null; worse: boolean }[] } | null;
};

/** Ingests a phantom study and runs the pipeline on it with the active model; returns its review task. */
async function ingestAndRead(study: PhantomStudy): Promise<{ taskId: string; aiLabel: string; sops: string[] }> {
  const stored = await postDicom(h, admin, study.files, { multipart: true });
  expect(stored.status).toBe(200);
  const outcome = await runPipeline(h.services, study.seriesInstanceUid);
  expect(outcome.status).toBe('done');
  const task = await h.services.db.reviewTask.findFirstOrThrow({ where: { series: { seriesInstanceUid: study.seriesInstanceUid } } });
  return { taskId: task.id, aiLabel: task.aiLabel!, sops: stored.body.results.map((r: { sopInstanceUid: string }) => r.sopInstanceUid) };
}

/**
 * What a reader submits: a correction with the mask of every slice (`maskOf`, at image size), or
 * for a series without a lesion a correction to "none" (which clears whatever the AI marked).
 */
function decisionFor(task: { taskId: string; sops: string[] }, label: string, maskOf: ((i: number) => Uint8Array) | null) {
  const masks = maskOf ? task.sops.map((sopInstanceUid, i) => ({ sopInstanceUid, data: Buffer.from(packBits(maskOf(i))).toString('base64') })) : [];
  return { taskId: task.taskId, decision: 'CORRECT', label, masks };
}

/** First read, and the second read where the workflow asks for one, both with the same decision. */
async function review(input: Record<string, unknown>) {
  const taskId = input.taskId as string;
  for (const reader of readers) {
    const claimed = await gql(h, reader, 'mutation($id: ID!) { claimReviewTask(id: $id) { state } }', { id: taskId });
    expect(claimed.body.errors).toBeUndefined();
    const res = await gql<{ submitReview: { state: string } }>(h, reader, 'mutation($input: SubmitReviewInput!) { submitReview(input: $input) { state } }', { input });
    expect(res.body.errors).toBeUndefined();
    if (res.body.data!.submitReview.state !== 'SECOND_READ') return res.body.data!.submitReview.state;
  }
  throw new Error('still waiting for a read after two readers');
}

async function startAndRunRetrain(steps: number, caseSetId: string | null = null): Promise<Run> {
  const started = await gql<{ startRetrain: Run }>(h, admin, `mutation($steps: Int, $set: ID) { startRetrain(steps: $steps, caseSetId: $set) { ${RETRAIN_FIELDS} } }`, { steps, set: caseSetId });
  expect(started.body.errors).toBeUndefined();
  const run = started.body.data!.startRetrain;
  expect(run).toMatchObject({ state: 'QUEUED', step: 0, steps });
  // one run at a time
  expect(errorCodes(await gql(h, admin, 'mutation { startRetrain { id } }'))).toEqual(['CONFLICT']);
  const job = await h.services.queues.retrain.getJob(`run-${run.id}`);
  expect(job?.data.runId).toBe(run.id);
  await expect(executeRetrain(h.services, run.id)).resolves.toBe('done');
  await job!.remove();
  const done = await gql<{ trainingRun: Run }>(h, admin, `query($id: ID!) { trainingRun(id: $id) { ${RETRAIN_FIELDS} } }`, { id: run.id });
  expect(done.body.errors).toBeUndefined();
  return done.body.data!.trainingRun;
}

const metric = (run: Run, set: string, name: string) => run.gate!.rows.find((r) => r.set === set && r.metric === name)!;

beforeAll(async () => {
  h = await startHarness({
    mlBackend: 'wasm', reviewSecondReadShare: 0,
    // a 96-slice phantom held-out set (production: 384); the gate's noise floor scales with it
    retrain: { steps: 10, batchSize: 8, learningRate: 0.003, phantomShare: 0.5, gateTolerance: 0.01, heldOutSeries: 6, heldOutSlices: 16 },
  });
  admin = await userCaller(h, 'ADMIN');
  readers = [await userCaller(h, 'RADIOLOGIST'), await userCaller(h, 'RADIOLOGIST')];
  await expect(registerModelDirectory(h.services, 'weak', shippedModelDir('weak64'))).resolves.toMatchObject({ status: 'ACTIVE' });
});
afterAll(() => h.close());

describe('retraining on reviewed cases', () => {
  it('refuses callers without model:manage and bad arguments, and has nothing to learn from before any review', async () => {
    expect(errorCodes(await gql(h, readers[0], 'mutation { startRetrain { id } }'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, readers[0], 'query { trainingRuns { id } }'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, admin, 'mutation { startRetrain(steps: 0) { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, 'mutation { startRetrain(caseSetId: "nope") { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, 'mutation { buildLabelledCaseSet(rejectedPolicy: "keep") { id } }'))).toEqual(['BAD_USER_INPUT']);
    const empty = await gql(h, admin, 'mutation { buildLabelledCaseSet { id } }');
    expect(errorCodes(empty)).toEqual(['CONFLICT']);
    expect(empty.body.errors![0].message).toMatch(/no FINAL reviews/);
    expect(await h.services.db.trainingRun.count()).toBe(0);
  });

  it('fine-tunes on corrected reviews: Dice rises, the gate passes, the candidate is promoted', async () => {
    const studies = Array.from({ length: 10 }, (_, i) => phantomStudy({ seed: 61_000 + i, slices: 16, size: 128, lesionProbability: i % 5 === 4 ? 0 : 1 }));
    for (const study of studies) {
      const task = await ingestAndRead(study);
      const truth = study.series.slices;
      const decision = decisionFor(task, study.series.label, study.series.label === 'lesion' ? (i) => truth[i].mask : null);
      await expect(review(decision)).resolves.toBe('FINAL');
    }
    const built = await gql<{ buildLabelledCaseSet: Record<string, unknown> }>(h, admin, 'mutation { buildLabelledCaseSet { version cases slices lesionSlices train heldOut excluded byLabel { key count } bySource { key count } } }');
    expect(built.body.errors).toBeUndefined();
    const set = built.body.data!.buildLabelledCaseSet;
    expect(set).toMatchObject({ version: 1, cases: 10, slices: 160, excluded: 0 });
    expect(set.byLabel).toEqual(expect.arrayContaining([{ key: 'lesion', count: 8 }, { key: 'none', count: 2 }]));
    expect((set.train as number) + (set.heldOut as number)).toBe(10);
    const truthLesionSlices = studies.reduce((n, s) => n + s.series.slices.filter((sl) => sl.hasLesion).length, 0);
    expect(set.lesionSlices).toBe(truthLesionSlices);

    const run = await startAndRunRetrain(250);
    expect(run).toMatchObject({ state: 'SUCCEEDED', baseVersion: 'weak', plannedVersion: 'v1', candidateVersion: 'v1', step: 250, error: null });
    expect(run.losses.length).toBeGreaterThan(0);
    expect(run.losses[run.losses.length - 1].step).toBe(250);
    const firstLoss = run.losses.slice(0, 3).reduce((a, p) => a + p.loss, 0) / 3;
    const lastLoss = run.losses.slice(-3).reduce((a, p) => a + p.loss, 0) / 3;
    expect(lastLoss).toBeLessThan(firstLoss);
    const dice = metric(run, 'phantom', 'dice');
    process.stderr.write(`\n[retrain] corrected reviews: phantom held-out Dice ${dice.base!.toFixed(3)} → ${dice.candidate!.toFixed(3)}; gate ${run.gate!.passed ? 'passed' : `refused: ${run.gate!.reasons.join('; ')}`}`);
    expect(dice.base!).toBeLessThan(0.25);
    expect(dice.candidate!).toBeGreaterThan(dice.base! + 0.25);
    expect(run.gate).toMatchObject({ passed: true, reasons: [] });
    expect(run.gate!.sets.find((s) => s.name === 'phantom')).toMatchObject({ slices: 96 });

    // the candidate is registered with its variants and can be compared and promoted
    const compared = await gql<{ compareModelVersions: { metrics: { metric: string; a: number | null; b: number | null }[] } }>(h, admin, 'query { compareModelVersions(a: "weak", b: "v1") { a { version status } b { version status artifacts { variant } } metrics { metric a b delta } } }');
    expect(compared.body.errors).toBeUndefined();
    expect(compared.body.data!.compareModelVersions).toMatchObject({ a: { version: 'weak', status: 'ACTIVE' }, b: { version: 'v1', status: 'CANDIDATE', artifacts: [{ variant: 'float16' }, { variant: 'float32' }, { variant: 'uint8' }] } });
    const promoted = await gql(h, admin, 'mutation { promoteModelVersion(version: "v1") { version status } }');
    expect(promoted.body.data).toEqual({ promoteModelVersion: { version: 'v1', status: 'ACTIVE' } });
  });

  it('refuses a candidate trained on corrupted labels, with the reasons, and keeps the active model', async () => {
    const studies = Array.from({ length: 8 }, (_, i) => phantomStudy({ seed: 62_000 + i, slices: 16, size: 128, lesionProbability: 1 }));
    // a systematic labelling error: a 48×48 square of air in the corner marked as lesion on every slice
    const square = new Uint8Array(128 * 128);
    for (let y = 0; y < 48; y++) square.fill(1, y * 128, y * 128 + 48);
    for (const study of studies) {
      const task = await ingestAndRead(study);
      await expect(review(decisionFor(task, 'lesion', () => square))).resolves.toBe('FINAL');
    }
    const rebuilt = await gql<{ buildLabelledCaseSet: { id: string; version: number; cases: number; bySource: { key: string; count: number }[] } }>(h, admin, 'mutation { buildLabelledCaseSet { id version cases bySource { key count } } }');
    expect(rebuilt.body.data!.buildLabelledCaseSet).toMatchObject({ version: 2, cases: 18 });
    const run = await startAndRunRetrain(250, rebuilt.body.data!.buildLabelledCaseSet.id);
    expect(run).toMatchObject({ state: 'SUCCEEDED', caseSetVersion: 2, baseVersion: 'v1', candidateVersion: 'v2' });
    const worse = run.gate!.rows.filter((r) => r.worse);
    process.stderr.write(`\n[retrain] corrupted labels: gate ${run.gate!.passed ? 'passed' : 'refused'}: ${run.gate!.reasons.join('; ')}\n`);
    expect(run.gate!.passed).toBe(false);
    expect(worse.length).toBeGreaterThan(0);
    expect(run.gate!.reasons).toHaveLength(worse.length);
    for (const r of worse) expect(r.candidate!).toBeLessThan(r.base!);

    const refused = await gql(h, admin, 'mutation { promoteModelVersion(version: "v2") { version } }');
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.body.errors![0].message).toContain(`failed the evaluation gate: ${run.gate!.reasons[0]}`);
    expect(refused.body.errors![0].extensions).toMatchObject({ reason: 'GATE_REFUSED' });
    const versions = await gql<{ modelVersions: { version: string; status: string }[] }>(h, admin, 'query { modelVersions { version status } }');
    expect(versions.body.data!.modelVersions).toEqual(expect.arrayContaining([{ version: 'v1', status: 'ACTIVE' }, { version: 'v2', status: 'CANDIDATE' }, { version: 'weak', status: 'RETIRED' }]));
    // rolling back to an earlier version stays possible
    const rollback = await gql(h, admin, 'mutation { promoteModelVersion(version: "weak") { version status } }');
    expect(rollback.body.data).toEqual({ promoteModelVersion: { version: 'weak', status: 'ACTIVE' } });

    const audit = await h.services.db.auditEvent.findMany({ where: { action: { startsWith: 'model.' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.outcome])).toEqual(expect.arrayContaining([
      ['model.caseset.build', 'SUCCESS'], ['model.retrain.start', 'SUCCESS'], ['model.retrain.finish', 'SUCCESS'],
      ['model.promote', 'SUCCESS'], ['model.promote', 'DENIED'], ['model.rollback', 'SUCCESS'],
    ]));
    const denied = audit.find((a) => a.outcome === 'DENIED')!;
    expect((denied.details as { reasons: string[] }).reasons.length).toBeGreaterThan(0);
  });
});
