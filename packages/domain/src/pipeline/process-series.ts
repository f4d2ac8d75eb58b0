// The `infer` step for one series: model input from every preprocessed slice (decode, modality
// LUT to HU, resample, window) in batches, batched inference, findings, and in one transaction
// the result, the AI's masks (annotation version 0), the stage figures and a NEW review task.
// Idempotent: a re-run replaces the AI's own result while nobody has reviewed it yet.
// The domain guard runs before the model (slices against its declared input domain) and after it
// (mask extent): a series outside the domain gets an OUT_OF_DOMAIN result with no lesion label,
// no findings and no masks, and still a review task, flagged, so a reader reads it unaided.
import { appendAudit, inTransaction, poolSql, Prisma } from '@imaging/db';
import { decodeFrame, parseInstance } from '@imaging/dicom';
import { batchImages, countSet, encodeMask, resampleMask, summariseFindings, type InferenceEngine } from '@imaging/ml';
import type { Services } from '../context';
import { readInstanceFile } from '../ingest/compress-stored-instance';
import type { ActiveModel } from '../models/model-registry';
import { recallSliceInput, sliceInput, type SliceInput } from './slice-input';
import { checkInputDomain, checkOutputDomain, domainForModel } from './domain-guard';
import { offerForReview, reviewTaskOfSeries, untouchedByReaders } from '../review/review-tasks';

export interface InferenceRuntime {
  engine: InferenceEngine;
  model: ActiveModel;
  variant: string;
  batchSize: number;
  /** Called after every batch (monitoring: batch sizes and images/s). */
  onBatch?: (batch: { size: number; ms: number }) => void;
}

export interface SeriesJob {
  seriesId: string;
  preprocessedCount: number;
}

export type ProcessOutcome =
  | { status: 'superseded'; reason: string }
  | { status: 'skipped'; reason: string }
  | {
    status: 'done'; aiResultId: string; aiStatus: 'COMPLETE' | 'OUT_OF_DOMAIN'; domainReasonCode: string | null;
    label: string; score: number; lesionCount: number; slices: number; stages: StageFigures[];
  };

export interface StageFigures {
  name: string;
  startedAt: Date;
  durationMs: number;
  cpuMs: number;
  items: number;
  bytesIn: number;
  bytesOut: number;
  details?: Record<string, unknown>;
}

/** Series whose newest unfinished instance is older than this are processed without it. */
export const STRAGGLER_MS = 10 * 60 * 1000;
/** A lesion-positive series needs a slice probability at or above this. */
const LABEL_THRESHOLD = 0.5;

export interface SliceRow {
  id: string; sop: string; storage_key: string; sha256: string; instance_number: number | null; rows: number | null; columns: number | null;
  frames: number | null; photometric: string | null;
}

async function timed<T>(name: string, work: (fig: StageFigures) => Promise<T>): Promise<[T, StageFigures]> {
  const fig: StageFigures = { name, startedAt: new Date(), durationMs: 0, cpuMs: 0, items: 0, bytesIn: 0, bytesOut: 0 };
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await work(fig);
  const used = process.cpuUsage(cpu);
  fig.durationMs = Math.round(performance.now() - start);
  fig.cpuMs = Math.round((used.user + used.system) / 1000);
  return [result, fig];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

async function markFailed(services: Services, seriesId: string, code: string, message: string, state: 'FAILED' | 'SKIPPED') {
  await poolSql(services.db).query(
    `UPDATE "SeriesProcessing" SET state = $2::"ProcessingState", "errorCode" = $3, error = $4, "finishedAt" = now(), "updatedAt" = now() WHERE "seriesDbId" = $1`,
    [seriesId, state, code, message.slice(0, 500)]);
}

/** Records a failure that will not be retried (poisoned input): visible in GraphQL. */
export function markSeriesFailed(services: Services, seriesId: string, code: string, message: string) {
  return markFailed(services, seriesId, code, message, 'FAILED');
}

export interface PreparedSlice extends SliceInput {
  row: SliceRow;
}

/**
 * Every slice's model input in slice order: from this process's cache where the storage job left
 * it, else decoded from the stored file (modality LUT to HU, resample, window).
 */
export async function prepareSlices(services: Services, slices: SliceRow[], size: number, fig?: StageFigures): Promise<PreparedSlice[]> {
  const out: PreparedSlice[] = [];
  let cached = 0;
  for (const row of slices) {
    let input = recallSliceInput(row.id, row.sha256, size);
    if (input) {
      cached++;
    } else {
      const bytes = await readInstanceFile(services, row.storage_key);
      if (fig) fig.bytesIn += bytes.length;
      const parsed = parseInstance(bytes);
      input = sliceInput(parsed, await decodeFrame(parsed, 0), size);
    }
    out.push({ row, ...input });
    if (fig) fig.items++;
  }
  out.sort((a, b) => (a.key !== null && b.key !== null ? a.key - b.key : (a.row.instance_number ?? 0) - (b.row.instance_number ?? 0)) || a.row.sop.localeCompare(b.row.sop));
  if (fig) {
    fig.bytesOut = out.length * size * size * 4;
    fig.details = { ...fig.details, fromCache: cached };
  }
  return out;
}

/** The preprocessed instances of a series, as prepareSlices takes them. */
export function seriesSliceRows(services: Services, seriesId: string): Promise<SliceRow[]> {
  return poolSql(services.db).query<SliceRow>(
    `SELECT id, "sopInstanceUid" AS sop, "storageKey" AS storage_key, sha256, "instanceNumber" AS instance_number, rows, columns,
            "numberOfFrames" AS frames, photometric
       FROM "Instance" WHERE "seriesDbId" = $1 AND "preprocessedAt" IS NOT NULL`, [seriesId]);
}

export async function processSeries(services: Services, runtime: InferenceRuntime, job: SeriesJob): Promise<ProcessOutcome> {
  const sql = poolSql(services.db);
  const [series] = await sql.query<{ study_id: string; modality: string | null; body_part: string | null; total: number; pending_recent: number }>(
    `SELECT s."studyDbId" AS study_id, s.modality, s."bodyPart" AS body_part,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = s.id) AS total,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = s.id AND i."preprocessedAt" IS NULL AND i."pipelineFailedAt" IS NULL AND i."createdAt" > now() - make_interval(secs => $2)) AS pending_recent
       FROM "Series" s WHERE s.id = $1`, [job.seriesId, STRAGGLER_MS / 1000]);
  if (!series) return { status: 'superseded', reason: 'series no longer exists' };
  const slices = await seriesSliceRows(services, job.seriesId);
  if (slices.length !== job.preprocessedCount) return { status: 'superseded', reason: `series now has ${slices.length} preprocessed instances` };
  if (series.pending_recent > 0) return { status: 'superseded', reason: `${series.pending_recent} instances still being preprocessed` };

  const unsuitable = series.modality !== 'CT' ? `modality ${series.modality ?? 'unknown'} (the model reads CT)`
    : slices.some((s) => (s.frames ?? 1) !== 1 || !s.rows || !s.columns || !(s.photometric ?? '').startsWith('MONOCHROME')) ? 'not single-frame greyscale images'
      : null;
  if (unsuitable) {
    await markFailed(services, job.seriesId, 'NOT_APPLICABLE', unsuitable, 'SKIPPED');
    return { status: 'skipped', reason: unsuitable };
  }

  await sql.query(
    `UPDATE "SeriesProcessing" SET state = 'RUNNING', attempts = attempts + 1, "startedAt" = now(), "updatedAt" = now(), error = NULL, "errorCode" = NULL
      WHERE "seriesDbId" = $1`, [job.seriesId]);

  const size = runtime.model.inputSize;
  // preprocess: decode, HU, resample + window to the model's input, in slice order
  const [prepared, preprocessFig] = await timed('preprocess', (fig) => prepareSlices(services, slices, size, fig));

  const domain = domainForModel(runtime.model);
  const inputVerdict = checkInputDomain(domain, size, { modality: series.modality, bodyPart: series.body_part }, prepared);

  // inference in batches (not for a series outside the model's domain: nothing it says would count)
  const inference = !inputVerdict.inDomain ? null : await timed('inference', async (fig) => {
    const masks: Uint8Array[] = [];
    const probabilities: number[] = [];
    for (let i = 0; i < prepared.length; i += runtime.batchSize) {
      const batch = batchImages(prepared.slice(i, i + runtime.batchSize).map((p) => p.image), size);
      fig.bytesIn += batch.data.byteLength;
      const batchStart = performance.now();
      const prediction = await runtime.engine.predict(batch);
      runtime.onBatch?.({ size: batch.shape[0], ms: performance.now() - batchStart });
      masks.push(...prediction.masks);
      probabilities.push(...prediction.probabilities);
      fig.items += batch.shape[0];
    }
    fig.details = { backend: runtime.engine.backend, variant: runtime.variant, batchSize: runtime.batchSize, threads: runtime.engine.threads, modelVersion: runtime.model.version };
    return { masks, probabilities };
  });
  const predicted = inference?.[0] ?? null;
  const verdict = predicted ? checkOutputDomain(domain, inputVerdict, predicted.masks) : inputVerdict;
  // the model's output counts only inside the domain
  const kept = verdict.inDomain ? predicted : null;
  const inDomain = kept !== null;

  // findings at model resolution, with the spacing scaled to it
  const first = prepared[0];
  const [rowMm, colMm] = first.spacing ?? [1, 1];
  const gaps = prepared.slice(1).map((p, i) => (p.key !== null && prepared[i].key !== null ? Math.abs(p.key - prepared[i].key!) : NaN)).filter((g) => Number.isFinite(g) && g > 0);
  const sliceMm = median(gaps) ?? first.thickness ?? 1;
  const findings = kept
    ? summariseFindings(kept.masks, [rowMm * (first.row.rows! / size), colMm * (first.row.columns! / size)], sliceMm, { minVoxels: 3 })
    : { lesions: [], lesionCount: 0, totalVolumeMl: 0 };
  const score = kept ? Math.max(0, ...kept.probabilities) : 0;
  const label = !inDomain ? 'unknown' : score >= LABEL_THRESHOLD ? 'lesion' : 'none';
  const aiStatus = inDomain ? 'COMPLETE' as const : 'OUT_OF_DOMAIN' as const;
  const domainCheck = {
    domain: domain.name, input: verdict.input, output: verdict.output,
    // what the model said, kept for audit and calibration only: never a finding
    model: predicted && !inDomain ? { maxSliceProbability: Math.round(Math.max(0, ...predicted.probabilities) * 1e4) / 1e4 } : null,
  } as unknown as Prisma.InputJsonValue;

  // masks back on the image grid, stored bit-packed and deflated; only slices with something in them
  // (none outside the domain: a mask there would read as a lesion)
  const stored = !kept ? [] : prepared.map((p, i) => {
    const mask = p.row.rows === size && p.row.columns === size ? kept.masks[i] : resampleMask(kept.masks[i], size, size, p.row.columns!, p.row.rows!);
    const area = countSet(mask);
    return { instanceId: p.row.id, rows: p.row.rows!, columns: p.row.columns!, area, data: area ? encodeMask(mask) : null };
  });

  const stages = inference ? [preprocessFig, inference[1]] : [preprocessFig];
  const aiResultId = await inTransaction(services.db, async (tx) => {
    const reviewed = await reviewTaskOfSeries(tx, job.seriesId);
    const findingsJson = {
      lesions: findings.lesions, sliceProbabilities: kept ? kept.probabilities.map((p) => Math.round(p * 1e4) / 1e4) : [],
      sliceSpacingMm: sliceMm, pixelSpacingMm: [rowMm, colMm],
    } as unknown as Prisma.InputJsonValue;
    const domainFields = { status: aiStatus, domainReasonCode: verdict.reasonCode, domainReason: verdict.reason, domainCheck };
    const result = await tx.aiResult.upsert({
      where: { seriesDbId_modelVersionId_variant: { seriesDbId: job.seriesId, modelVersionId: runtime.model.id, variant: runtime.variant } },
      create: {
        seriesDbId: job.seriesId, studyDbId: series.study_id, modelVersionId: runtime.model.id, variant: runtime.variant, backend: runtime.engine.backend,
        label, score, lesionCount: findings.lesionCount, totalVolumeMl: findings.totalVolumeMl, findings: findingsJson, slices: prepared.length, ...domainFields,
      },
      update: {
        backend: runtime.engine.backend, label, score, lesionCount: findings.lesionCount, totalVolumeMl: findings.totalVolumeMl, findings: findingsJson,
        slices: prepared.length, createdAt: new Date(), ...domainFields,
      },
    });
    if (untouchedByReaders(reviewed)) {
      // the AI's annotation (version 0) is replaced only while no reader has worked on the case
      const existing = await tx.annotationVersion.findUnique({ where: { seriesDbId_version: { seriesDbId: job.seriesId, version: 0 } } });
      if (existing) await tx.maskSlice.deleteMany({ where: { annotationId: existing.id } });
      const annotation = existing
        ? await tx.annotationVersion.update({ where: { id: existing.id }, data: { aiResultId: result.id, label, createdAt: new Date() } })
        : await tx.annotationVersion.create({ data: { seriesDbId: job.seriesId, version: 0, source: 'AI', aiResultId: result.id, label } });
      const withMask = stored.filter((s) => s.data);
      if (withMask.length) {
        await tx.maskSlice.createMany({
          data: withMask.map((s) => ({ annotationId: annotation.id, instanceDbId: s.instanceId, rows: s.rows, columns: s.columns, area: s.area, data: Buffer.from(s.data!) })),
        });
      }
      await offerForReview(tx, reviewed, { seriesDbId: job.seriesId, studyDbId: series.study_id, aiResultId: result.id, label, score, inDomain });
    }
    for (const s of stages) {
      const data = {
        startedAt: s.startedAt, durationMs: s.durationMs, cpuMs: s.cpuMs, items: s.items, bytesIn: BigInt(s.bytesIn), bytesOut: BigInt(s.bytesOut),
        details: (s.details ?? null) as Prisma.InputJsonValue,
      };
      await tx.processingStage.upsert({ where: { seriesDbId_name: { seriesDbId: job.seriesId, name: s.name } }, create: { seriesDbId: job.seriesId, name: s.name, ...data }, update: data });
    }
    await tx.seriesProcessing.update({ where: { seriesDbId: job.seriesId }, data: { state: 'DONE', finishedAt: new Date(), updatedAt: new Date(), error: null, errorCode: null } });
    await appendAudit(tx, {
      actorType: 'SYSTEM', action: 'ai.result', resourceType: 'Series', resourceId: job.seriesId, outcome: 'SUCCESS',
      details: {
        modelVersion: runtime.model.version, variant: runtime.variant, label, score: Math.round(score * 1e4) / 1e4, lesionCount: findings.lesionCount, slices: prepared.length,
        reviewTaskCreated: !reviewed, status: aiStatus, domainReasonCode: verdict.reasonCode,
      },
    });
    return result.id;
  }, { timeoutMs: 60_000 });
  return { status: 'done', aiResultId, aiStatus, domainReasonCode: verdict.reasonCode, label, score, lesionCount: findings.lesionCount, slices: prepared.length, stages };
}
