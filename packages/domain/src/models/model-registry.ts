// Model registry in Postgres: versions with metrics and status, one weight artifact per variant.
// Exactly one version is ACTIVE; workers run it. Promotion and rollback are audited.
import { promises as fs } from 'fs';
import * as path from 'path';
import { appendAudit, inTransaction, Prisma, type Tx } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Conflict, NotFound } from '@imaging/errors';
import { GATE_METRICS, MODEL_VARIANTS, shippedModelDir, summariseEvaluation, type MetricSummary, type ModelVariant } from '@imaging/ml';
import { auditBase, type DomainContext, type Services } from '../context';

export const SHIPPED_MODEL_VERSION = 'v1';

export interface ActiveModel {
  id: string;
  version: string;
  inputSize: number;
  artifacts: Record<string, string>;
}

interface MetricsFile {
  heldOut?: { modelSize?: number };
  training?: Record<string, unknown>;
  variants?: Record<string, { sizeBytes?: number; metrics?: unknown }>;
  /** Per held-out set: metrics, curves, confusion matrix, reliability (npm run evaluate -w @imaging/ml). */
  evaluation?: unknown;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const f of ['model.json', 'weights.bin']) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}

/**
 * Registers a trained model directory (float32 at its root, float16/ and uint8/ beside it, and
 * metrics.json) as a version. Idempotent by version name. The first version ever registered
 * becomes ACTIVE; later ones are CANDIDATEs until promoted.
 */
export async function registerModelDirectory(services: Services, version: string, dir: string, actor: { actorType: 'SYSTEM' | 'USER'; actorId?: string | null } = { actorType: 'SYSTEM' }): Promise<{ id: string; status: string; created: boolean }> {
  const existing = await services.db.modelVersion.findUnique({ where: { version } });
  if (existing) return { id: existing.id, status: existing.status, created: false };
  const metricsFile = JSON.parse(await fs.readFile(path.join(dir, 'metrics.json'), 'utf8')) as MetricsFile;
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as { modelTopology?: { config?: { layers?: { config?: { batch_input_shape?: number[] } }[] } } };
  const inputSize = metricsFile.heldOut?.modelSize ?? modelJson.modelTopology?.config?.layers?.[0]?.config?.batch_input_shape?.[1] ?? 128;
  const artifacts: { variant: ModelVariant; location: string; sizeBytes: number; metrics: unknown }[] = [];
  for (const variant of MODEL_VARIANTS) {
    const location = variant === 'float32' ? dir : path.join(dir, variant);
    try {
      artifacts.push({ variant, location, sizeBytes: await dirSize(location), metrics: metricsFile.variants?.[variant] ?? null });
    } catch {
      // a variant that was not produced is simply not registered
    }
  }
  if (!artifacts.some((a) => a.variant === 'float32')) throw new NotFound(`model weights in ${dir}`);
  return inTransaction(services.db, async (tx) => {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(7307)');
    const again = await tx.modelVersion.findUnique({ where: { version } });
    if (again) return { id: again.id, status: again.status, created: false };
    const anyActive = await tx.modelVersion.count({ where: { status: 'ACTIVE' } });
    const status = anyActive ? 'CANDIDATE' : 'ACTIVE';
    const float32 = metricsFile.variants?.float32 as { metrics?: unknown } | undefined;
    const created = await tx.modelVersion.create({
      data: {
        version, status, inputSize,
        metrics: (float32?.metrics ?? {}) as Prisma.InputJsonValue,
        training: (metricsFile.training ?? null) as Prisma.InputJsonValue,
        evaluation: (metricsFile.evaluation ?? undefined) as Prisma.InputJsonValue | undefined,
        activatedAt: status === 'ACTIVE' ? new Date() : null,
        artifacts: {
          create: artifacts.map((a) => ({ variant: a.variant, location: a.location, sizeBytes: BigInt(a.sizeBytes), metrics: (a.metrics ?? undefined) as Prisma.InputJsonValue | undefined })),
        },
      },
    });
    await appendAudit(tx, { ...actor, action: 'model.register', resourceType: 'ModelVersion', resourceId: created.id, outcome: 'SUCCESS', details: { version, status, variants: artifacts.map((a) => a.variant) } });
    return { id: created.id, status, created: true };
  });
}

/** The shipped weights (packages/ml/weights/v1), registered on first start. */
export function registerShippedModel(services: Services) {
  return registerModelDirectory(services, SHIPPED_MODEL_VERSION, shippedModelDir(SHIPPED_MODEL_VERSION));
}

export async function activeModel(services: Services): Promise<ActiveModel | null> {
  const row = await services.db.modelVersion.findFirst({ where: { status: 'ACTIVE' }, include: { artifacts: true } });
  if (!row) return null;
  return { id: row.id, version: row.version, inputSize: row.inputSize, artifacts: Object.fromEntries(row.artifacts.map((a) => [a.variant, a.location])) };
}

export async function listModelVersions(ctx: DomainContext) {
  requirePermission(ctx.principal, 'phi:read');
  return ctx.db.modelVersion.findMany({ orderBy: { createdAt: 'desc' }, include: { artifacts: { orderBy: { variant: 'asc' } } } });
}

async function setActive(tx: Tx, id: string) {
  const now = new Date();
  const previous = await tx.modelVersion.findFirst({ where: { status: 'ACTIVE' } });
  if (previous && previous.id !== id) await tx.modelVersion.update({ where: { id: previous.id }, data: { status: 'RETIRED', retiredAt: now } });
  await tx.modelVersion.update({ where: { id }, data: { status: 'ACTIVE', activatedAt: now, retiredAt: null } });
  return previous;
}

/**
 * Makes a version ACTIVE (promotion of a candidate, or rollback to any earlier version). A
 * candidate whose training run failed the evaluation gate is refused with the gate's reasons,
 * and the refusal is audited.
 */
export async function promoteModelVersion(ctx: DomainContext, version: string) {
  requirePermission(ctx.principal, 'model:manage');
  const refused = await ctx.db.modelVersion.findUnique({ where: { version } }).then(async (target) => {
    if (!target || target.status !== 'CANDIDATE') return null;
    // a candidate comes from a training run or from an uploaded package; either carries the gate's verdict
    const run = await ctx.db.trainingRun.findUnique({ where: { candidateModelVersionId: target.id } })
      ?? await ctx.db.modelUpload.findUnique({ where: { modelVersionId: target.id } });
    if (!run || run.gatePassed !== false) return null;
    const gate = (run.evaluation as { gate?: { reasons?: string[] } } | null)?.gate;
    return { target, runId: run.id, reasons: gate?.reasons ?? ['the evaluation gate refused this candidate'] };
  });
  const target = await ctx.db.modelVersion.findUnique({ where: { version } });
  const training = target?.training as { source?: string; runnableByEngine?: boolean } | null | undefined;
  if (target?.status === 'CANDIDATE' && training?.source === 'upload' && training.runnableByEngine === false) {
    throw new Conflict(`model version ${version} was validated and evaluated, but the inference engine runs layers models in model.json + weights.bin with the U-Net's outputs (mask logits, lesion probability) only`, { reason: 'NOT_RUNNABLE' });
  }
  if (refused) {
    await inTransaction(ctx.db, (tx) => appendAudit(tx, {
      ...auditBase(ctx), action: 'model.promote', resourceType: 'ModelVersion', resourceId: refused.target.id, outcome: 'DENIED',
      details: { version, trainingRun: refused.runId, reasons: refused.reasons },
    }));
    throw new Conflict(`model version ${version} failed the evaluation gate: ${refused.reasons.join('; ')}`, { reason: 'GATE_REFUSED', reasons: refused.reasons });
  }
  return inTransaction(ctx.db, async (tx) => {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(7307)');
    const target = await tx.modelVersion.findUnique({ where: { version } });
    if (!target) throw new NotFound(`model version ${version}`);
    if (target.status === 'ACTIVE') throw new Conflict(`model version ${version} is already active`);
    const previous = await setActive(tx, target.id);
    await appendAudit(tx, {
      ...auditBase(ctx), action: target.status === 'RETIRED' ? 'model.rollback' : 'model.promote', resourceType: 'ModelVersion', resourceId: target.id,
      outcome: 'SUCCESS', details: { version, previous: previous?.version ?? null },
    });
    return tx.modelVersion.findUniqueOrThrow({ where: { id: target.id }, include: { artifacts: true } });
  });
}

export interface ComparedMetric { metric: string; a: number | null; b: number | null; delta: number | null }

/**
 * Two versions side by side on their recorded held-out metrics (metrics.json of each; the
 * held-out set is the one each was evaluated on: for a like-for-like comparison of a candidate
 * with its base, see the training run's gate rows).
 */
export async function compareModelVersions(ctx: DomainContext, a: string, b: string) {
  requirePermission(ctx.principal, 'model:manage');
  const [va, vb] = await Promise.all([a, b].map((version) => ctx.db.modelVersion.findUnique({ where: { version }, include: { artifacts: { orderBy: { variant: 'asc' } } } })));
  if (!va) throw new NotFound(`model version ${a}`);
  if (!vb) throw new NotFound(`model version ${b}`);
  const summary = (m: unknown) => {
    const e = m as Parameters<typeof summariseEvaluation>[0] | null;
    return e?.segmentation && e.classification ? summariseEvaluation(e) : null;
  };
  const sa = summary(va.metrics);
  const sb = summary(vb.metrics);
  const value = (s: MetricSummary | null, k: keyof MetricSummary) => (s && Number.isFinite(s[k]) ? s[k] : null);
  const rows: ComparedMetric[] = GATE_METRICS.map((metric) => {
    const x = value(sa, metric);
    const y = value(sb, metric);
    return { metric, a: x, b: y, delta: x === null || y === null ? null : y - x };
  });
  return { a: va, b: vb, rows };
}
