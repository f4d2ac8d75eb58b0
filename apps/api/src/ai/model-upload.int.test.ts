// Bring your own model over HTTP on a real server: the shipped v1 package, zipped, uploaded by an
// admin becomes a CANDIDATE with its held-out evaluation (curves, confusion matrix, reliability)
// and the gate's verdict, is promoted, and processes a study. Refused packages (wrong output
// shape, damaged or truncated shard, "../" entry, over the bounds) each end with their reason and
// leave no registry row and no files; non-admins are refused. The job is taken from the real
// BullMQ queue and run with the function the worker runs (executeModelUpload).
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { caseSplit, executeModelUpload, registerShippedModel } from '@imaging/domain';
import * as tf from '@tensorflow/tfjs';
import { initBackend, modelToArtifacts, shippedManifest, shippedModelDir } from '@imaging/ml';
import { packageEntries, phantomStudy, renameZipEntry, zipEntries } from '@imaging/testing';
import { startHarness, userCaller, gql, errorCodes, postDicom, anonymous, type Harness, type Caller } from '../testing/harness';
import { runPipeline } from '../testing/pipeline';

jest.setTimeout(5 * 60_000);

let h: Harness;
let admin: Caller;
let reader: Caller;
let secondReader: Caller;
let v1: Record<string, Buffer>;

const UPLOAD_FIELDS = `id state fileName sizeBytes modelName version gatePassed errorCode error
  evaluation { gatePassed gateReasons sets { name slices lesionSlices candidate base auc averagePrecision ece brier
    roc { threshold fpr tpr } pr { threshold precision recall } confusion { threshold labels matrix } reliability { lower upper count meanPredicted observed } } }`;

async function post(caller: Caller, body: Buffer, contentType = 'application/zip') {
  const res = await fetch(`${h.url}/api/models?name=package.zip`, { method: 'POST', headers: { 'content-type': contentType, ...caller.headers }, body });
  return { status: res.status, body: await res.json() as { id: string; state: string; error?: { code: string; message: string } } };
}

/** Uploads, runs the queued job as the worker does, and returns the upload as GraphQL shows it. */
async function uploadAndValidate(zip: Buffer) {
  const res = await post(admin, zip);
  expect(res.status).toBe(202);
  expect(res.body.state).toBe('QUEUED');
  const job = await h.services.queues.modelUpload.getJob(`upload-${res.body.id}`);
  expect(job?.data.uploadId).toBe(res.body.id);
  const outcome = await executeModelUpload(h.services, res.body.id);
  await job!.remove();
  const q = await gql<{ modelUpload: Record<string, any> }>(h, admin, `query($id: ID!) { modelUpload(id: $id) { ${UPLOAD_FIELDS} } }`, { id: res.body.id }); // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON
  expect(q.body.errors).toBeUndefined();
  return { outcome, upload: q.body.data!.modelUpload };
}

async function leftovers() {
  const uploads = path.join(h.services.config.modelDir, '.uploads');
  return {
    versions: (await h.services.db.modelVersion.findMany({ orderBy: { createdAt: 'asc' } })).map((v) => v.version),
    staged: existsSync(uploads) ? await fs.readdir(uploads) : [],
    modelDirs: (await fs.readdir(h.services.config.modelDir)).filter((d) => d !== '.uploads'),
  };
}

/** A refused package: its reason code, and nothing left but the FAILED upload row. */
async function expectRefused(zip: Buffer, code: string, message: RegExp) {
  const before = await leftovers();
  const { outcome, upload } = await uploadAndValidate(zip);
  expect(outcome).toBe('refused');
  expect(upload).toMatchObject({ state: 'FAILED', errorCode: code, version: null, evaluation: null });
  expect(upload.error).toMatch(message);
  expect(await leftovers()).toEqual(before);
  const audit = await h.services.db.auditEvent.findFirst({ where: { action: 'model.validate', resourceId: upload.id } });
  expect(audit).toMatchObject({ outcome: 'FAILURE', details: expect.objectContaining({ code }) });
}

beforeAll(async () => {
  h = await startHarness({
    retrain: { steps: 1, batchSize: 4, learningRate: 0.001, phantomShare: 0.5, gateTolerance: 0.01, heldOutSeries: 2, heldOutSlices: 8 },
    modelUpload: { maxBytes: 1024 * 1024, maxEntries: 8 },
  });
  await registerShippedModel(h.services);
  admin = await userCaller(h, 'ADMIN');
  reader = await userCaller(h, 'RADIOLOGIST');
  secondReader = await userCaller(h, 'RADIOLOGIST');
  v1 = await packageEntries(shippedModelDir('v1'));
});

afterAll(async () => {
  await h?.close();
});

describe('model package upload', () => {
  it('registers the zipped shipped package as a CANDIDATE with its evaluation, which is promoted and processes a study', async () => {
    const { outcome, upload } = await uploadAndValidate(await zipEntries(Object.fromEntries(Object.entries(v1).map(([n, b]) => [`v1/${n}`, b]))));
    expect(outcome).toBe('done');
    expect(upload).toMatchObject({ state: 'SUCCEEDED', modelName: 'lesion-unet-v1', errorCode: null, gatePassed: true });
    expect(upload.version).toMatch(/^lesion-unet-v1-[0-9a-f]{8}$/);
    const phantom = upload.evaluation.sets.find((s: { name: string }) => s.name === 'phantom');
    expect(phantom).toMatchObject({ slices: 16 });
    // the same weights as the active version: the gate compares equal metrics and passes
    expect(phantom.candidate.dice).toBeCloseTo(phantom.base.dice, 9);
    expect(phantom.candidate.dice).toBeGreaterThan(0.5);
    expect(phantom.roc[0]).toEqual({ threshold: null, fpr: 0, tpr: 0 });
    expect(phantom.roc[phantom.roc.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    expect(phantom.auc).toBeCloseTo(phantom.candidate.auc, 9);
    expect(phantom.pr.length).toBeGreaterThan(1);
    expect(phantom.confusion.labels).toEqual(['background', 'lesion']); // the manifest's labels
    const [[tn, fp], [fn, tp]] = phantom.confusion.matrix;
    expect(tn + fp + fn + tp).toBe(16);
    expect(fn + tp).toBe(phantom.lesionSlices);
    expect(phantom.reliability).toHaveLength(10);
    expect(phantom.reliability.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(16);
    expect(upload.evaluation.gatePassed).toBe(true);

    const versions = await gql<{ modelVersions: { version: string; status: string; evaluation: { gatePassed: boolean | null; sets: { name: string; slices: number; auc: number }[] } | null }[] }>(
      h, admin, '{ modelVersions { version status evaluation { gatePassed sets { name slices auc } } } }');
    expect(versions.body.data!.modelVersions.find((v) => v.version === upload.version)).toMatchObject({ status: 'CANDIDATE', evaluation: { gatePassed: true, sets: [{ name: 'phantom' }] } });
    // the shipped version carries its own evaluation (weights/v1/metrics.json, npm run evaluate -w @imaging/ml), registered without a gate
    const shipped = versions.body.data!.modelVersions.find((v) => v.version === 'v1')!;
    expect(shipped.evaluation).toMatchObject({ gatePassed: null, sets: [{ name: 'phantom', slices: 384 }] });
    expect(shipped.evaluation!.sets[0].auc).toBeGreaterThan(0.95);
    const dir = path.join(h.services.config.modelDir, upload.version);
    expect((await fs.readdir(dir)).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    expect(await fs.readdir(path.join(h.services.config.modelDir, '.uploads'))).toEqual([]);
    const audits = await h.services.db.auditEvent.findMany({ where: { resourceId: upload.id }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => [a.action, a.outcome])).toEqual([['model.upload', 'SUCCESS'], ['model.validate', 'SUCCESS']]);

    // behind the same gate as a retrained candidate: it passed, so it is promoted; then it reads a study
    const promoted = await gql<{ promoteModelVersion: { status: string } }>(h, admin, 'mutation($v: String!) { promoteModelVersion(version: $v) { status } }', { v: upload.version });
    expect(promoted.body.data?.promoteModelVersion.status).toBe('ACTIVE');
    const study = phantomStudy({ seed: 71_000, slices: 4, size: 128, lesionProbability: 1 });
    expect((await postDicom(h, admin, study.files, { multipart: true })).status).toBe(200);
    expect((await runPipeline(h.services, study.seriesInstanceUid)).status).toBe('done');
    const result = await h.services.db.aiResult.findFirstOrThrow({ where: { series: { seriesInstanceUid: study.seriesInstanceUid } }, include: { modelVersion: true } });
    expect(result.modelVersion.version).toBe(upload.version);
    // back to the shipped version for the rest
    expect((await gql(h, admin, 'mutation { promoteModelVersion(version: "v1") { status } }')).body.errors).toBeUndefined();
  });

  it('is evaluated on the held-out reviewed cases of the newest labelled-case set as well', async () => {
    // a phantom study whose series falls in the held-out split, read by the AI and corrected to "none" by two readers
    let seed = 72_000;
    while (caseSplit(phantomStudy({ seed, slices: 4, size: 128, lesionProbability: 1 }).seriesInstanceUid) !== 'heldout') seed++;
    const study = phantomStudy({ seed, slices: 4, size: 128, lesionProbability: 1 });
    expect((await postDicom(h, admin, study.files, { multipart: true })).status).toBe(200);
    expect((await runPipeline(h.services, study.seriesInstanceUid)).status).toBe('done');
    const task = await h.services.db.reviewTask.findFirstOrThrow({ where: { series: { seriesInstanceUid: study.seriesInstanceUid } } });
    for (const r of [reader, secondReader]) {
      expect((await gql(h, r, 'mutation($id: ID!) { claimReviewTask(id: $id) { state } }', { id: task.id })).body.errors).toBeUndefined();
      const res = await gql<{ submitReview: { state: string } }>(h, r, 'mutation($input: SubmitReviewInput!) { submitReview(input: $input) { state } }',
        { input: { taskId: task.id, decision: 'CORRECT', label: 'none', masks: [] } });
      expect(res.body.errors).toBeUndefined();
      if (res.body.data!.submitReview.state !== 'SECOND_READ') break;
    }
    expect((await gql(h, admin, 'mutation { buildLabelledCaseSet { id heldOut } }')).body.errors).toBeUndefined();
    const { outcome, upload } = await uploadAndValidate(await zipEntries(v1));
    expect(outcome).toBe('done');
    const reviewed = upload.evaluation.sets.find((s: { name: string }) => s.name === 'reviewed');
    // the reader's truth: no lesion on any of the 4 slices
    expect(reviewed).toMatchObject({ slices: 4, lesionSlices: 0 });
    expect(reviewed.confusion.matrix[1]).toEqual([0, 0]);
    expect(reviewed.candidate.sliceF1).toBe(reviewed.base.sliceF1);
    expect(reviewed.auc).toBeNull(); // one class only: the ROC curve is undefined
  });

  it('validates and evaluates a bring-your-own package the engine cannot run, and promotion refuses it', async () => {
    // 32² segmentation only, sigmoid output, its shard named as tfjs converters name them
    await initBackend('wasm');
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' })] });
    const a = await modelToArtifacts(model);
    model.dispose();
    const zip = await zipEntries({
      'manifest.json': JSON.stringify({ ...shippedManifest('tiny-byom', 32), output: { type: 'segmentation', activation: 'sigmoid' } }),
      'model.json': JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] }),
      'group1-shard1of1.bin': Buffer.from(a.weightData as ArrayBuffer),
    });
    const { outcome, upload } = await uploadAndValidate(zip);
    expect(outcome).toBe('done');
    expect(upload).toMatchObject({ state: 'SUCCEEDED', modelName: 'tiny-byom' });
    expect(upload.evaluation.sets[0]).toMatchObject({ name: 'phantom', slices: 16 });
    const promoted = await gql(h, admin, 'mutation($v: String!) { promoteModelVersion(version: $v) { status } }', { v: upload.version });
    expect(errorCodes(promoted)).toEqual(['CONFLICT']);
    expect(promoted.body.errors![0].extensions).toMatchObject({ reason: 'NOT_RUNNABLE' });
    expect((await h.services.db.modelVersion.findUniqueOrThrow({ where: { version: upload.version } })).status).toBe('CANDIDATE');
  });

  it('refuses a package whose declared output does not match the model', async () => {
    const manifest = JSON.parse(v1['manifest.json'].toString('utf8'));
    manifest.output = { ...manifest.output, maskOutput: 1, probabilityOutput: 0 };
    await expectRefused(await zipEntries({ ...v1, 'manifest.json': JSON.stringify(manifest) }), 'OUTPUT_SHAPE_MISMATCH', /output 1 \(mask\) has shape \[1, 1\]/);
  });

  it('refuses a truncated shard and a damaged archive entry', async () => {
    await expectRefused(await zipEntries({ ...v1, 'weights.bin': v1['weights.bin'].subarray(0, v1['weights.bin'].length - 8) }), 'WEIGHTS_MISMATCH', /the shards hold/);
    const stored = await zipEntries(v1, { compress: false });
    const at = stored.indexOf(v1['weights.bin'].subarray(1000, 1016));
    expect(at).toBeGreaterThan(0);
    stored[at] ^= 0xff;
    await expectRefused(stored, 'ARCHIVE_CORRUPT', /weights.bin fails its CRC-32 check/);
  });

  it('refuses an entry that climbs out of the package, and nothing is written outside', async () => {
    const zip = renameZipEntry(await zipEntries({ ...v1, 'xx/evil.json': '{}' }), 'xx/evil.json', '../evil.json');
    await expectRefused(zip, 'ARCHIVE_UNSAFE_PATH', /invalid relative path/);
    expect(existsSync(path.join(h.services.config.modelDir, 'evil.json'))).toBe(false);
    expect(existsSync(path.join(h.services.config.modelDir, '..', 'evil.json'))).toBe(false);
  });

  it('refuses packages over the bounds: the upload itself, what it inflates to, and its entry count', async () => {
    const before = await leftovers();
    const big = await post(admin, Buffer.alloc(1024 * 1024 + 1, 7));
    expect(big.status).toBe(413);
    expect(big.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await leftovers()).toEqual(before);
    expect(await h.services.db.modelUpload.count({ where: { sizeBytes: { gt: 1024 * 1024 } } })).toBe(0);
    // 2 MiB of zeros deflate to a few KiB: refused from the central directory, before inflating
    await expectRefused(await zipEntries({ ...v1, 'extra.bin': Buffer.alloc(2 * 1024 * 1024) }), 'PACKAGE_TOO_LARGE', /over the 1048576-byte bound/);
    await expectRefused(await zipEntries(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}.txt`, 'x']))), 'ARCHIVE_TOO_MANY_ENTRIES', /9 entries, over the bound of 8/);
    await expectRefused(Buffer.from('not a zip at all'), 'ARCHIVE_INVALID', /not a readable zip/);
  });

  it('refuses non-admins and other media types before reading the body', async () => {
    const zip = await zipEntries(v1);
    const before = await h.services.db.modelUpload.count();
    expect((await post(reader, zip)).body.error?.code).toBe('FORBIDDEN');
    expect((await post(anonymous, zip)).status).toBe(401);
    expect((await post(admin, zip, 'application/json')).body.error?.code).toBe('BAD_USER_INPUT');
    expect(await h.services.db.modelUpload.count()).toBe(before);
    const q = await gql(h, reader, '{ modelUploads { id } }');
    expect(errorCodes(q)).toEqual(['FORBIDDEN']);
  });
});
