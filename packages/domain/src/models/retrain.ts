// Retraining on reviewed cases. A labelled-case set is frozen from FINAL reviews (approved masks
// as the AI drew them, corrected masks as the truth, rejected cases excluded or labelled
// negative); a TrainingRun fine-tunes the active model on it in a worker thread, evaluates base
// and candidate on the same held-out sets and records the gate's verdict; promotion of a
// candidate that failed the gate is refused (model-registry). Every step is audited.
import { createHash } from 'crypto';
import * as path from 'path';
import { appendAudit, inSqlTransaction, poolSql, type Sql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Conflict, Invalid, NotFound } from '@imaging/errors';
import {
  HELD_OUT_SEEDS, decodeMask, resampleMask, runFineTuneThread, type BackendName, type FineTuneResult, type LabelledImage, type StepProgress,
} from '@imaging/ml';
import { auditBase, type DomainContext, type Services } from '../context';
import { activeModel, registerModelDirectory } from './model-registry';
import { prepareSlices, seriesSliceRows } from '../pipeline/process-series';

export type RejectedPolicy = 'exclude' | 'negative';
export type CaseSource = 'approved' | 'corrected' | 'rejected' | 'imported';

export interface CaseSetCounts {
  cases: number;
  slices: number;
  lesionSlices: number;
  byLabel: Record<string, number>;
  bySource: Record<string, number>;
  train: number;
  heldOut: number;
  /** Rejected reviews left out (policy exclude). */
  excluded: number;
}

export interface CaseSetView {
  id: string;
  version: number;
  rejectedPolicy: RejectedPolicy;
  counts: CaseSetCounts;
  createdAt: Date;
}

/** Share of cases kept out of training for the gate, chosen stably by Series Instance UID. */
const HELD_OUT_SHARE = 0.2;
/** The run's loss curve is written at most this often (the admin chart polls it). */
const PROGRESS_WRITE_MS = 1000;

export function caseSplit(seriesInstanceUid: string, share = HELD_OUT_SHARE): 'train' | 'heldout' {
  const h = createHash('sha256').update(seriesInstanceUid).digest().readUInt32BE(0);
  return h / 0x1_0000_0000 < share ? 'heldout' : 'train';
}

interface FinalCase {
  task_id: string; series_id: string; series_uid: string; state: string; decision: string; label: string | null;
  annotation_id: string | null; annotation_version: number | null; slices: number;
}

interface TruthSlice { area: number; rows: number; columns: number; data: Buffer | null }

/**
 * Truth masks of a case by instance: the AI's version 0 for an approval, the reader's edited
 * slices over it for a correction, an imported SEG's version (every slice stored, so it overrides
 * version 0 everywhere), nothing (empty everywhere) for a case labelled "none" by a reader or a
 * rejection kept as negative.
 */
async function truthSlices(sql: Sql, c: { seriesDbId: string; source: CaseSource; label: string; annotationVersion: number }, withData: boolean): Promise<Map<string, TruthSlice>> {
  const out = new Map<string, TruthSlice>();
  if (c.source !== 'approved' && c.label === 'none') return out;
  const rows = await sql.query<{ instance: string; version: number; area: number; rows: number; columns: number; data: Buffer | null }>(
    `SELECT ms."instanceDbId" AS instance, av.version, ms.area, ms.rows, ms.columns, ${withData ? 'ms.data' : 'NULL::bytea AS data'}
       FROM "MaskSlice" ms JOIN "AnnotationVersion" av ON av.id = ms."annotationId"
      WHERE av."seriesDbId" = $1 AND av.version IN (0, $2) ORDER BY av.version`, [c.seriesDbId, c.annotationVersion]);
  for (const r of rows) out.set(r.instance, { area: r.area, rows: r.rows, columns: r.columns, data: r.data }); // the reader's version overrides
  return out;
}

function emptyCounts(): CaseSetCounts {
  return { cases: 0, slices: 0, lesionSlices: 0, byLabel: { lesion: 0, none: 0 }, bySource: { approved: 0, corrected: 0, rejected: 0, imported: 0 }, train: 0, heldOut: 0, excluded: 0 };
}

/** Freezes the current FINAL (and, by policy, REJECTED) reviews into the next case-set version. */
export async function buildLabelledCaseSet(ctx: DomainContext, options: { rejectedPolicy?: RejectedPolicy } = {}): Promise<CaseSetView> {
  requirePermission(ctx.principal, 'model:manage');
  const rejectedPolicy = options.rejectedPolicy ?? 'exclude';
  if (rejectedPolicy !== 'exclude' && rejectedPolicy !== 'negative') throw new Invalid('rejectedPolicy must be exclude or negative');
  return inSqlTransaction(ctx.db, async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock(7308)');
    // the deciding read is the last one: the second read where there was one
    const finals = await sql.query<FinalCase>(
      `SELECT t.id AS task_id, t."seriesDbId" AS series_id, s."seriesInstanceUid" AS series_uid, t.state::text AS state,
              d.decision::text AS decision, d.label, d."annotationId" AS annotation_id, av.version AS annotation_version,
              (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = t."seriesDbId" AND i."preprocessedAt" IS NOT NULL) AS slices
         FROM "ReviewTask" t
         JOIN "Series" s ON s.id = t."seriesDbId"
         JOIN LATERAL (SELECT * FROM "ReviewDecision" d WHERE d."taskId" = t.id ORDER BY d.read DESC LIMIT 1) d ON true
         LEFT JOIN "AnnotationVersion" av ON av.id = d."annotationId"
        WHERE t.state IN ('FINAL', 'REJECTED')
        ORDER BY t."createdAt", t.id`);
    const counts = emptyCounts();
    const cases: { seriesDbId: string; taskId: string | null; annotationVersion: number; label: string; source: CaseSource; split: string; slices: number; lesionSlices: number }[] = [];
    for (const f of finals) {
      const rejected = f.state === 'REJECTED' || f.decision === 'REJECT';
      if (rejected && rejectedPolicy === 'exclude') { counts.excluded++; continue; }
      const source: CaseSource = rejected ? 'rejected' : f.decision === 'CORRECT' ? 'corrected' : 'approved';
      const label = rejected ? 'none' : f.label ?? 'none';
      const annotationVersion = source === 'corrected' ? f.annotation_version ?? 0 : 0;
      const truth = await truthSlices(sql, { seriesDbId: f.series_id, source, label, annotationVersion }, false);
      const lesionSlices = [...truth.values()].filter((t) => t.area > 0).length;
      const split = caseSplit(f.series_uid);
      cases.push({ seriesDbId: f.series_id, taskId: f.task_id, annotationVersion, label, source, split, slices: f.slices, lesionSlices });
      counts.cases++;
      counts.slices += f.slices;
      counts.lesionSlices += lesionSlices;
      counts.byLabel[label] = (counts.byLabel[label] ?? 0) + 1;
      counts.bySource[source]++;
      if (split === 'train') counts.train++; else counts.heldOut++;
    }
    // Series nobody reviewed to the end whose truth came as a DICOM SEG: the newest imported version
    // (it stores every slice, so it is the whole truth). A reviewed case's decision wins.
    const imported = await sql.query<{ series_id: string; series_uid: string; version: number; label: string | null; slices: number }>(
      `SELECT DISTINCT ON (av."seriesDbId") av."seriesDbId" AS series_id, s."seriesInstanceUid" AS series_uid, av.version, av.label,
              (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = av."seriesDbId" AND i."preprocessedAt" IS NOT NULL) AS slices
         FROM "AnnotationVersion" av JOIN "Series" s ON s.id = av."seriesDbId"
        WHERE av.source = 'IMPORTED' AND av."seriesDbId" <> ALL($1::uuid[])
        ORDER BY av."seriesDbId", av.version DESC`, [finals.map((f) => f.series_id)]);
    for (const f of imported.filter((i) => i.slices > 0)) {
      const label = f.label ?? 'none';
      const truth = await truthSlices(sql, { seriesDbId: f.series_id, source: 'imported', label, annotationVersion: f.version }, false);
      const lesionSlices = [...truth.values()].filter((t) => t.area > 0).length;
      const split = caseSplit(f.series_uid);
      cases.push({ seriesDbId: f.series_id, taskId: null, annotationVersion: f.version, label, source: 'imported', split, slices: f.slices, lesionSlices });
      counts.cases++;
      counts.slices += f.slices;
      counts.lesionSlices += lesionSlices;
      counts.byLabel[label] = (counts.byLabel[label] ?? 0) + 1;
      counts.bySource.imported = (counts.bySource.imported ?? 0) + 1;
      if (split === 'train') counts.train++; else counts.heldOut++;
    }
    if (cases.length === 0) throw new Conflict('there are no FINAL reviews or imported segmentations to build a labelled-case set from yet');
    const [{ next }] = await sql.query<{ next: number }>(`SELECT COALESCE(max(version), 0) + 1 AS next FROM "LabelledCaseSet"`);
    const [set] = await sql.query<{ id: string; createdAt: Date }>(
      `INSERT INTO "LabelledCaseSet" (id, version, "createdById", "rejectedPolicy", counts, "createdAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4::jsonb, now()) RETURNING id, "createdAt"`,
      [next, ctx.principal.kind === 'user' ? ctx.principal.id : null, rejectedPolicy, JSON.stringify(counts)]);
    for (const c of cases) {
      await sql.query(
        `INSERT INTO "LabelledCase" ("setId", "seriesDbId", "reviewTaskId", "annotationVersion", label, source, split, slices, "lesionSlices")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [set.id, c.seriesDbId, c.taskId, c.annotationVersion, c.label, c.source, c.split, c.slices, c.lesionSlices]);
    }
    await appendAudit(sql, { ...auditBase(ctx), action: 'model.caseset.build', resourceType: 'LabelledCaseSet', resourceId: set.id, outcome: 'SUCCESS', details: { version: next, rejectedPolicy, ...counts } });
    return { id: set.id, version: next, rejectedPolicy, counts, createdAt: set.createdAt };
  });
}

export async function listLabelledCaseSets(ctx: DomainContext): Promise<CaseSetView[]> {
  requirePermission(ctx.principal, 'model:manage');
  return poolSql(ctx.db).query<CaseSetView>(
    `SELECT id, version, "rejectedPolicy", counts, "createdAt" FROM "LabelledCaseSet" ORDER BY version DESC`);
}

export interface TrainingRunParams {
  version: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  phantomShare: number;
  seed: number;
  tolerance: number;
  heldOut: { seeds: number[]; slicesPerSeries: number };
}

export interface TrainingRunView {
  id: string;
  state: string;
  caseSetId: string;
  caseSetVersion: number;
  baseVersion: string;
  candidateVersion: string | null;
  backend: string | null;
  params: TrainingRunParams;
  step: number;
  steps: number;
  losses: { step: number; loss: number }[];
  evaluation: { sets: FineTuneResult['sets']; gate: FineTuneResult['gate']; elapsedMs: number } | null;
  gatePassed: boolean | null;
  error: string | null;
  errorCode: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const RUN_SELECT = `
  SELECT r.id, r.state::text AS state, r."caseSetId", cs.version AS "caseSetVersion", base.version AS "baseVersion",
         cand.version AS "candidateVersion", r.backend, r.params, r.step, r.steps, r.losses, r.evaluation, r."gatePassed",
         r.error, r."errorCode", r."createdAt", r."startedAt", r."finishedAt"
    FROM "TrainingRun" r
    JOIN "LabelledCaseSet" cs ON cs.id = r."caseSetId"
    JOIN "ModelVersion" base ON base.id = r."baseModelVersionId"
    LEFT JOIN "ModelVersion" cand ON cand.id = r."candidateModelVersionId"`;

export async function listTrainingRuns(ctx: DomainContext, first = 20): Promise<TrainingRunView[]> {
  requirePermission(ctx.principal, 'model:manage');
  if (!Number.isInteger(first) || first < 1 || first > 200) throw new Invalid('first must be between 1 and 200');
  return poolSql(ctx.db).query<TrainingRunView>(`${RUN_SELECT} ORDER BY r."createdAt" DESC LIMIT $1`, [first]);
}

export async function getTrainingRun(ctx: DomainContext, id: string): Promise<TrainingRunView> {
  requirePermission(ctx.principal, 'model:manage');
  const [run] = await poolSql(ctx.db).query<TrainingRunView>(`${RUN_SELECT} WHERE r.id = $1::uuid`, [id]);
  if (!run) throw new NotFound(`training run ${id}`);
  return run;
}

/** Fingerprint for the progress subscription (changes with every written step and state). */
export async function trainingRunFingerprint(services: Services, id: string): Promise<string | null> {
  const [row] = await poolSql(services.db).query<{ f: string }>(`SELECT state::text || ':' || step || ':' || COALESCE("finishedAt"::text, '') AS f FROM "TrainingRun" WHERE id = $1::uuid`, [id]);
  return row?.f ?? null;
}

export interface StartRetrainInput {
  caseSetId?: string | null;
  steps?: number | null;
}

/** Queues a fine-tuning run of the active model on a case set (the newest, or a fresh one if none exists). */
export async function startRetrain(ctx: DomainContext, input: StartRetrainInput = {}): Promise<TrainingRunView> {
  requirePermission(ctx.principal, 'model:manage');
  const settings = ctx.config.retrain;
  const steps = input.steps ?? settings.steps;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100_000) throw new Invalid('steps must be an integer between 1 and 100000');
  let caseSetId = input.caseSetId ?? null;
  if (caseSetId !== null && !/^[0-9a-f-]{36}$/i.test(caseSetId)) throw new Invalid('caseSetId must be a UUID');
  if (caseSetId === null) {
    const [newest] = await poolSql(ctx.db).query<{ id: string }>(`SELECT id FROM "LabelledCaseSet" ORDER BY version DESC LIMIT 1`);
    caseSetId = newest?.id ?? (await buildLabelledCaseSet(ctx)).id;
  }
  const base = await activeModel(ctx);
  if (!base) throw new Conflict('there is no ACTIVE model version to fine-tune');
  const id = await inSqlTransaction(ctx.db, async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock(7309)');
    const [set] = await sql.query<{ id: string; train: number }>(`SELECT id, (counts->>'train')::int AS train FROM "LabelledCaseSet" WHERE id = $1::uuid`, [caseSetId]);
    if (!set) throw new NotFound(`labelled-case set ${caseSetId}`);
    const [busy] = await sql.query<{ id: string }>(`SELECT id FROM "TrainingRun" WHERE state IN ('QUEUED', 'RUNNING') LIMIT 1`);
    if (busy) throw new Conflict(`training run ${busy.id} is still in progress; one run at a time`);
    // the candidate's version name is reserved now, so concurrent builds never collide
    const [{ n }] = await sql.query<{ n: number }>(
      `SELECT COALESCE(max(n), 0) + 1 AS n FROM (
         SELECT substring(version FROM '^v([0-9]+)$')::int AS n FROM "ModelVersion"
         UNION ALL SELECT substring(params->>'version' FROM '^v([0-9]+)$')::int FROM "TrainingRun") v`);
    const params: TrainingRunParams = {
      version: `v${n}`, steps, batchSize: settings.batchSize, learningRate: settings.learningRate, phantomShare: settings.phantomShare,
      seed: n, tolerance: settings.gateTolerance,
      heldOut: { seeds: HELD_OUT_SEEDS.concat(Array.from({ length: 64 }, (_, i) => 900_101 + i)).slice(0, settings.heldOutSeries), slicesPerSeries: settings.heldOutSlices },
    };
    const [run] = await sql.query<{ id: string }>(
      `INSERT INTO "TrainingRun" (id, state, "caseSetId", "baseModelVersionId", params, steps, "createdById", "createdAt")
       VALUES (gen_random_uuid(), 'QUEUED', $1::uuid, $2::uuid, $3::jsonb, $4, $5, now()) RETURNING id`,
      [set.id, base.id, JSON.stringify(params), steps, ctx.principal.kind === 'user' ? ctx.principal.id : null]);
    await appendAudit(sql, {
      ...auditBase(ctx), action: 'model.retrain.start', resourceType: 'TrainingRun', resourceId: run.id, outcome: 'SUCCESS',
      details: { baseVersion: base.version, candidateVersion: params.version, caseSetId: set.id, steps },
    });
    return run.id;
  });
  await ctx.queues.enqueueRetrain({ runId: id, requestId: ctx.requestId });
  return getTrainingRun(ctx, id);
}

/**
 * Slices a run holds in memory at most (model inputs and masks: 64 KiB each at 128², ~0.5 GiB);
 * a larger set keeps every lesion slice and an even sample of the others.
 */
export const MAX_CASE_SLICES = 8000;

/**
 * Model inputs and truth masks of a set's cases (optionally only those from some sources), split
 * into training and held-out slices.
 */
export async function loadCaseImages(services: Services, caseSetId: string, size: number, sources?: CaseSource[]): Promise<{ train: LabelledImage[]; heldOut: LabelledImage[]; sampledEvery: number }> {
  const sql = poolSql(services.db);
  const cases = await sql.query<{ seriesDbId: string; annotationVersion: number; label: string; source: CaseSource; split: string; slices: number }>(
    // in Series Instance UID order, so a run on the same set and seed sees the same batches
    `SELECT c."seriesDbId", c."annotationVersion", c.label, c.source, c.split, c.slices FROM "LabelledCase" c JOIN "Series" s ON s.id = c."seriesDbId"
      WHERE c."setId" = $1::uuid AND ($2::text[] IS NULL OR c.source = ANY($2::text[])) ORDER BY s."seriesInstanceUid"`, [caseSetId, sources ?? null]);
  const total = cases.reduce((n, c) => n + c.slices, 0);
  const sampledEvery = Math.max(1, Math.ceil(total / MAX_CASE_SLICES));
  let clearSeen = 0;
  const train: LabelledImage[] = [];
  const heldOut: LabelledImage[] = [];
  for (const c of cases) {
    const slices = await prepareSlices(services, await seriesSliceRows(services, c.seriesDbId), size);
    const truth = await truthSlices(sql, c, true);
    for (const s of slices) {
      const t = truth.get(s.row.id);
      let mask: Uint8Array = new Uint8Array(size * size);
      if (t && t.area > 0 && t.data) {
        const full = decodeMask(t.data, t.rows * t.columns);
        mask = t.rows === size && t.columns === size ? full : resampleMask(full, t.columns, t.rows, size, size);
      }
      const hasLesion = mask.some((v) => v !== 0);
      if (!hasLesion && clearSeen++ % sampledEvery !== 0) continue;
      (c.split === 'heldout' ? heldOut : train).push({ image: s.image, mask, hasLesion });
    }
  }
  return { train, heldOut, sampledEvery };
}

async function finishRun(services: Services, id: string, fields: { state: 'SUCCEEDED' | 'FAILED'; error?: string; errorCode?: string; candidateId?: string; evaluation?: unknown; gatePassed?: boolean }) {
  await poolSql(services.db).query(
    `UPDATE "TrainingRun" SET state = $2::"TrainingRunState", error = $3, "errorCode" = $4, "candidateModelVersionId" = $5::uuid,
            evaluation = $6::jsonb, "gatePassed" = $7, "finishedAt" = now() WHERE id = $1::uuid`,
    [id, fields.state, fields.error?.slice(0, 500) ?? null, fields.errorCode ?? null, fields.candidateId ?? null,
      fields.evaluation === undefined ? null : JSON.stringify(fields.evaluation), fields.gatePassed ?? null]);
}

/**
 * The `retrain` job: fine-tune in a worker thread on the configured backend, write the candidate
 * (float32, float16, uint8, metrics.json) under MODEL_DIR, register it as a CANDIDATE and record
 * the gate's verdict. A run that is not QUEUED (already taken, cancelled) is left alone.
 */
export async function executeRetrain(services: Services, runId: string): Promise<'done' | 'skipped'> {
  const sql = poolSql(services.db);
  const [run] = await sql.query<{ id: string; params: TrainingRunParams; caseSetId: string; baseId: string; steps: number }>(
    `UPDATE "TrainingRun" SET state = 'RUNNING', "startedAt" = now(), backend = $2 WHERE id = $1::uuid AND state = 'QUEUED'
     RETURNING id, params, "caseSetId", "baseModelVersionId" AS "baseId", steps`, [runId, services.config.mlBackend]);
  if (!run) return 'skipped';
  const log = services.log.child({ trainingRun: runId });
  try {
    const base = await services.db.modelVersion.findUniqueOrThrow({ where: { id: run.baseId }, include: { artifacts: true } });
    const baseDir = base.artifacts.find((a) => a.variant === 'float32')?.location;
    if (!baseDir) throw new NotFound(`float32 weights of model ${base.version}`);
    const { train, heldOut, sampledEvery } = await loadCaseImages(services, run.caseSetId, base.inputSize);
    log.info({ trainSlices: train.length, heldOutSlices: heldOut.length, sampledEvery, steps: run.steps, baseVersion: base.version }, 'retrain started');
    const outDir = path.resolve(services.config.modelDir, run.params.version);
    let pending: { step: number; loss: number }[] = [];
    let lastWrite = 0;
    let writing = Promise.resolve();
    const flush = (step: number) => {
      const points = pending;
      pending = [];
      lastWrite = Date.now();
      // progress is best effort: a failed write loses chart points, never the run
      writing = writing.then(() => sql.query(
        `UPDATE "TrainingRun" SET step = $2, losses = losses || $3::jsonb WHERE id = $1::uuid`, [runId, step, JSON.stringify(points)]))
        .then(() => undefined, (e: Error) => log.warn({ err: e.message }, 'training progress not written'));
    };
    const onStep = (p: StepProgress) => {
      pending.push({ step: p.step + 1, loss: Math.round(p.loss * 1e5) / 1e5 });
      if (Date.now() - lastWrite >= PROGRESS_WRITE_MS || p.step + 1 === run.steps) flush(p.step + 1);
    };
    const result = await runFineTuneThread(services.config.mlBackend as BackendName, {
      baseDir, outDir, cases: train, heldOutCases: heldOut, phantomHeldOut: run.params.heldOut,
      steps: run.steps, batchSize: run.params.batchSize, learningRate: run.params.learningRate, phantomShare: run.params.phantomShare,
      seed: run.params.seed, tolerance: run.params.tolerance,
    }, onStep).result;
    if (pending.length) flush(result.steps);
    await writing;
    const registered = await registerModelDirectory(services, run.params.version, outDir);
    // the candidate's curves per held-out set, as an uploaded version has them (ModelVersion.evaluation)
    await sql.query(`UPDATE "ModelVersion" SET evaluation = $2::jsonb WHERE id = $1::uuid AND evaluation IS NULL`,
      [registered.id, JSON.stringify({ sets: result.sets, gate: result.gate })]);
    const evaluation = { sets: result.sets, gate: result.gate, elapsedMs: result.elapsedMs, backend: result.backend, trainSlices: train.length, heldOutSlices: heldOut.length, clearSlicesSampledEvery: sampledEvery };
    await finishRun(services, runId, { state: 'SUCCEEDED', candidateId: registered.id, evaluation, gatePassed: result.gate.passed });
    await inSqlTransaction(services.db, (tx) => appendAudit(tx, {
      actorType: 'SYSTEM', action: 'model.retrain.finish', resourceType: 'TrainingRun', resourceId: runId, outcome: 'SUCCESS',
      details: { candidateVersion: run.params.version, baseVersion: base.version, gatePassed: result.gate.passed, reasons: result.gate.reasons, steps: result.steps },
    }));
    log.info({ candidateVersion: run.params.version, gatePassed: result.gate.passed, reasons: result.gate.reasons.length }, 'retrain finished');
    return 'done';
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? 'RETRAIN_FAILED');
    await finishRun(services, runId, { state: 'FAILED', error: (err as Error).message, errorCode: code });
    await inSqlTransaction(services.db, (tx) => appendAudit(tx, {
      actorType: 'SYSTEM', action: 'model.retrain.finish', resourceType: 'TrainingRun', resourceId: runId, outcome: 'FAILURE', details: { code },
    }));
    throw err;
  }
}

/** Marks runs of a dead worker FAILED (their job had a single attempt). */
export async function failStaleTrainingRun(services: Services, runId: string, reason: string): Promise<void> {
  await poolSql(services.db).query(
    `UPDATE "TrainingRun" SET state = 'FAILED', error = $2, "errorCode" = 'WORKER_LOST', "finishedAt" = now() WHERE id = $1::uuid AND state IN ('QUEUED', 'RUNNING')`,
    [runId, reason.slice(0, 500)]);
}
