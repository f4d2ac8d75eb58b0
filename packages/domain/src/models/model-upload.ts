// Bring your own model: an admin uploads a model package (a zip of manifest.json, model.json and
// its weight shards). The API streams it, bounded, into MODEL_DIR/.uploads/<id>.zip and records a
// QUEUED ModelUpload (audited model.upload); the `model-upload` job unpacks it with bounds, loads,
// probes and evaluates it in a worker thread against the ACTIVE model on the held-out phantom set
// and the held-out reviewed / imported-SEG cases, and registers it as a CANDIDATE with its
// evaluation and the gate's verdict (audited model.validate). A refused package ends FAILED with
// its reason code and leaves no registry row and no files.
import { createHash, randomUUID } from 'crypto';
import { createWriteStream, promises as fs } from 'fs';
import * as path from 'path';
import type { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { appendAudit, inSqlTransaction, poolSql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Invalid, NotFound, TooLarge } from '@imaging/errors';
import {
  ModelPackageError, SOFT_TISSUE_WINDOW, readPackageManifest, runPackageEvaluationThread, unzipModelPackage,
  type BackendName, type CaseSetImages, type ModelManifest, type PackageEvaluation,
} from '@imaging/ml';
import { auditBase, type DomainContext, type Services } from '../context';
import { activeModel } from './model-registry';
import { loadCaseImages } from './retrain';

export type ModelUploadState = 'QUEUED' | 'VALIDATING' | 'EVALUATING' | 'SUCCEEDED' | 'FAILED';

export interface ModelUploadView {
  id: string;
  state: ModelUploadState;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  modelName: string | null;
  version: string | null;
  evaluation: Omit<PackageEvaluation, 'manifest'> | null;
  gatePassed: boolean | null;
  errorCode: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const UPLOAD_SELECT = `
  SELECT u.id, u.state::text AS state, u."fileName", u."sizeBytes"::float8 AS "sizeBytes", u.sha256, u."modelName", v.version,
         u.evaluation, u."gatePassed", u."errorCode", u.error, u."createdAt", u."startedAt", u."finishedAt"
    FROM "ModelUpload" u LEFT JOIN "ModelVersion" v ON v.id = u."modelVersionId"`;

const uploadsDir = (services: Services) => path.join(path.resolve(services.config.modelDir), '.uploads');
const stagedZip = (services: Services, id: string) => path.join(uploadsDir(services), `${id}.zip`);
const stagingDir = (services: Services, id: string) => path.join(uploadsDir(services), id);

const ZIP_TYPES = new Set(['application/zip', 'application/x-zip-compressed']);

export interface ReceiveModelUploadInput {
  fileName: string;
  contentType: string;
  /** Content-Length when the client sent one. */
  declaredBytes: number | null;
  body: Readable;
}

/** Streams an uploaded package to its staging file (bounded), records it QUEUED and enqueues its validation. */
export async function receiveModelUpload(ctx: DomainContext, input: ReceiveModelUploadInput): Promise<ModelUploadView> {
  requirePermission(ctx.principal, 'model:manage');
  const maxBytes = ctx.config.modelUpload.maxBytes;
  if (!ZIP_TYPES.has(input.contentType.split(';')[0].trim().toLowerCase())) {
    throw new Invalid('a model package is uploaded as application/zip (manifest.json, model.json and its weight shards)', { reason: 'UNSUPPORTED_PACKAGE_TYPE' });
  }
  if (input.declaredBytes !== null && input.declaredBytes > maxBytes) throw new TooLarge(`the package is ${input.declaredBytes} bytes, over the ${maxBytes}-byte bound (MODEL_UPLOAD_MAX_BYTES)`);
  const fileName = path.basename(input.fileName || 'package.zip').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'package.zip';
  const id = randomUUID();
  const file = stagedZip(ctx, id);
  await fs.mkdir(uploadsDir(ctx), { recursive: true });
  const hash = createHash('sha256');
  let sizeBytes = 0;
  try {
    await pipeline(input.body, async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        sizeBytes += chunk.length;
        if (sizeBytes > maxBytes) throw new TooLarge(`the package is over the ${maxBytes}-byte bound (MODEL_UPLOAD_MAX_BYTES)`);
        hash.update(chunk);
        yield chunk;
      }
    }, createWriteStream(file, { flags: 'wx' }));
    if (sizeBytes === 0) throw new Invalid('the upload is empty', { reason: 'ARCHIVE_INVALID' });
    const sha256 = hash.digest('hex');
    await inSqlTransaction(ctx.db, async (sql) => {
      await sql.query(
        `INSERT INTO "ModelUpload" (id, state, "fileName", "sizeBytes", sha256, "createdById", "createdAt") VALUES ($1::uuid, 'QUEUED', $2, $3, $4, $5, now())`,
        [id, fileName, sizeBytes, sha256, ctx.principal.kind === 'user' ? ctx.principal.id : null]);
      await appendAudit(sql, { ...auditBase(ctx), action: 'model.upload', resourceType: 'ModelUpload', resourceId: id, outcome: 'SUCCESS', details: { fileName, sizeBytes, sha256 } });
    });
  } catch (err) {
    await fs.rm(file, { force: true });
    throw err;
  }
  try {
    await ctx.queues.enqueueModelUpload({ uploadId: id, requestId: ctx.requestId });
  } catch (err) {
    // not queued: nothing will validate it, so it ends here rather than waiting forever
    await refuse(ctx, id, 'ENQUEUE_FAILED', `the validation job could not be queued: ${(err as Error).message}`);
    throw err;
  }
  return getModelUpload(ctx, id);
}

export async function getModelUpload(ctx: DomainContext, id: string): Promise<ModelUploadView> {
  requirePermission(ctx.principal, 'model:manage');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Invalid('id must be a UUID');
  const [row] = await poolSql(ctx.db).query<ModelUploadView>(`${UPLOAD_SELECT} WHERE u.id = $1::uuid`, [id]);
  if (!row) throw new NotFound(`model upload ${id}`);
  return row;
}

export async function listModelUploads(ctx: DomainContext, first = 20): Promise<ModelUploadView[]> {
  requirePermission(ctx.principal, 'model:manage');
  if (!Number.isInteger(first) || first < 1 || first > 200) throw new Invalid('first must be between 1 and 200');
  return poolSql(ctx.db).query<ModelUploadView>(`${UPLOAD_SELECT} ORDER BY u."createdAt" DESC LIMIT $1`, [first]);
}

/** Ends an upload FAILED with its code, removes its files and audits model.validate FAILURE. */
async function refuse(services: Services, id: string, code: string, message: string): Promise<void> {
  await Promise.all([fs.rm(stagedZip(services, id), { force: true }), fs.rm(stagingDir(services, id), { recursive: true, force: true })]);
  await inSqlTransaction(services.db, async (sql) => {
    await sql.query(`UPDATE "ModelUpload" SET state = 'FAILED', "errorCode" = $2, error = $3, "finishedAt" = now() WHERE id = $1::uuid`, [id, code, message.slice(0, 1000)]);
    await appendAudit(sql, { actorType: 'SYSTEM', action: 'model.validate', resourceType: 'ModelUpload', resourceId: id, outcome: 'FAILURE', details: { code, message: message.slice(0, 300) } });
  });
}

/** Held-out reviewed and imported-SEG cases of the newest labelled-case set, at both models' input sizes. */
async function caseImages(services: Services, candidateSize: number, baseSize: number | null): Promise<CaseSetImages[]> {
  const [set] = await poolSql(services.db).query<{ id: string }>(`SELECT id FROM "LabelledCaseSet" ORDER BY version DESC LIMIT 1`);
  if (!set) return [];
  const out: CaseSetImages[] = [];
  for (const [name, sources] of [['reviewed', ['approved', 'corrected', 'rejected']], ['imported', ['imported']]] as const) {
    const candidate = (await loadCaseImages(services, set.id, candidateSize, [...sources])).heldOut;
    if (candidate.length === 0) continue;
    const base = baseSize === null ? null : baseSize === candidateSize ? candidate : (await loadCaseImages(services, set.id, baseSize, [...sources])).heldOut;
    out.push({ name, candidate, base });
  }
  return out;
}

/**
 * The `model-upload` job. Idempotent: an upload that is not QUEUED is left alone. A package
 * refusal is final (FAILED with the reason); an unexpected failure ends FAILED too
 * (MODEL_UPLOAD_FAILED) and is rethrown for the worker's log.
 */
export async function executeModelUpload(services: Services, id: string): Promise<'done' | 'refused' | 'skipped'> {
  const sql = poolSql(services.db);
  const [row] = await sql.query<{ id: string }>(
    `UPDATE "ModelUpload" SET state = 'VALIDATING', "startedAt" = now() WHERE id = $1::uuid AND state = 'QUEUED' RETURNING id`, [id]);
  if (!row) return 'skipped';
  const log = services.log.child({ modelUpload: id });
  const dir = stagingDir(services, id);
  let finalDir: string | null = null;
  try {
    await fs.rm(dir, { recursive: true, force: true });
    const { maxBytes, maxEntries } = services.config.modelUpload;
    await unzipModelPackage(stagedZip(services, id), dir, { maxEntries, maxEntryBytes: maxBytes, maxTotalBytes: maxBytes });
    const manifest = await readPackageManifest(dir);
    await sql.query(`UPDATE "ModelUpload" SET state = 'EVALUATING', "modelName" = $2 WHERE id = $1::uuid`, [id, manifest.name]);
    const active = await activeModel(services);
    const baseDir = active?.artifacts.float32 ?? null;
    // reviewed cases are prepared with the shipped soft-tissue window: a package with another window is evaluated on phantoms only
    const window = manifest.preprocessing.window;
    const sameWindow = window.center === SOFT_TISSUE_WINDOW.center && window.width === SOFT_TISSUE_WINDOW.width;
    const cases = sameWindow ? await caseImages(services, manifest.input.size, baseDir ? active!.inputSize : null) : [];
    const { retrain } = services.config;
    const evaluation = await runPackageEvaluationThread(services.config.mlBackend as BackendName, {
      dir, maxBytes, baseDir, cases, tolerance: retrain.gateTolerance,
      phantomHeldOut: { seeds: Array.from({ length: retrain.heldOutSeries }, (_, i) => 900_001 + i), slicesPerSeries: retrain.heldOutSlices },
    });
    const version = `${manifest.name}-${id.slice(0, 8)}`;
    finalDir = path.join(path.resolve(services.config.modelDir), version);
    await fs.rename(dir, finalDir);
    const { manifest: _manifest, ...stored } = evaluation;
    const phantom = evaluation.sets.find((s) => s.name === 'phantom');
    const training = { source: 'upload', uploadId: id, manifest, probeOutputShapes: evaluation.probeOutputShapes, baseVersion: active?.version ?? null, runnableByEngine: await runnableByEngine(finalDir, manifest) };
    await inSqlTransaction(services.db, async (tx) => {
      const [created] = await tx.query<{ id: string }>(
        `INSERT INTO "ModelVersion" (id, version, status, "inputSize", metrics, training, evaluation, "createdAt")
         VALUES (gen_random_uuid(), $1, 'CANDIDATE', $2, $3::jsonb, $4::jsonb, $5::jsonb, now()) RETURNING id`,
        [version, manifest.input.size, JSON.stringify(phantom?.result ?? {}), JSON.stringify(training), JSON.stringify({ sets: stored.sets, gate: stored.gate })]);
      await tx.query(
        `INSERT INTO "ModelArtifact" (id, "modelVersionId", variant, location, "sizeBytes", metrics, "createdAt") VALUES (gen_random_uuid(), $1::uuid, 'float32', $2, $3, NULL, now())`,
        [created.id, finalDir, evaluation.sizeBytes]);
      await tx.query(
        `UPDATE "ModelUpload" SET state = 'SUCCEEDED', "modelVersionId" = $2::uuid, evaluation = $3::jsonb, "gatePassed" = $4, "finishedAt" = now() WHERE id = $1::uuid`,
        [id, created.id, JSON.stringify(stored), evaluation.gate.passed]);
      await appendAudit(tx, {
        actorType: 'SYSTEM', action: 'model.validate', resourceType: 'ModelUpload', resourceId: id, outcome: 'SUCCESS',
        details: { version, status: 'CANDIDATE', gatePassed: evaluation.gate.passed, reasons: evaluation.gate.reasons, sets: evaluation.sets.map((s) => ({ name: s.name, slices: s.slices })) },
      });
    });
    await fs.rm(stagedZip(services, id), { force: true });
    log.info({ version, gatePassed: evaluation.gate.passed, elapsedMs: evaluation.elapsedMs }, 'model package registered as candidate');
    return 'done';
  } catch (err) {
    if (finalDir) await fs.rm(finalDir, { recursive: true, force: true });
    if (err instanceof ModelPackageError) {
      await refuse(services, id, err.reason, err.message);
      log.info({ code: err.reason }, 'model package refused');
      return 'refused';
    }
    await refuse(services, id, 'MODEL_UPLOAD_FAILED', (err as Error).message);
    throw err;
  }
}

/**
 * Whether the infer pipeline's engine can run the package as it runs the shipped model: a layers
 * model in model.json + weights.bin with the U-Net's outputs (mask logits, then the lesion
 * probability). Others are validated and evaluated, and promotion refuses them (NOT_RUNNABLE).
 */
async function runnableByEngine(dir: string, manifest: ModelManifest): Promise<boolean> {
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
  const shards = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
  const o = manifest.output;
  return manifest.modelFormat === 'layers-model' && shards.length === 1 && shards[0] === 'weights.bin'
    && o.type === 'segmentation' && o.activation === 'logits' && o.maskOutput === 0 && o.probabilityOutput === 1;
}

/** Marks an upload whose job died (stalled worker) FAILED and removes its files. */
export async function failStaleModelUpload(services: Services, id: string, reason: string): Promise<void> {
  const [row] = await poolSql(services.db).query<{ id: string }>(`SELECT id FROM "ModelUpload" WHERE id = $1::uuid AND state IN ('QUEUED', 'VALIDATING', 'EVALUATING')`, [id]);
  if (row) await refuse(services, id, 'WORKER_LOST', reason);
}
