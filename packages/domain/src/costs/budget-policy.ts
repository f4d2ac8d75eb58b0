// Budget policy: a cost ceiling per UTC day (COST_CEILING_PER_DAY) trades model precision, batch
// size and queue priority against what has been spent today. The tier comes from the share of the
// ceiling spent: below BUDGET_ECONOMY_AT `full` (configured variant and batch), below
// BUDGET_MINIMAL_AT `economy` (the student variant, 2× batch), below 1 `minimal` (student, 4×
// batch, routine work at a lower queue priority), from 1 on routine series are `deferred` to the
// next UTC midnight. Urgent series are never deferred and always keep the urgent priority.
//
// The tiers switch between variants that differ in measured compute: the student (channel-pruned
// and distilled, packages/ml/src/compress) runs at 2–3.6× the images/s of float32 on wasm
// (weights/v1/metrics.json, same-run measurement). float16 and uint8 are not in the policy: their
// weights are dequantised at load, so they compute the same float32 graph at the same speed
// (bench/results/ml.json); they stay registered as smaller files. A version without student
// weights (a fine-tuned candidate, an uploaded model) keeps its configured variant in every tier,
// and only the batch size and priority change.
//
// A decision is made when a series is (re)scheduled for inference; it is recorded (BudgetDecision
// + audit row) when it differs from the series' latest decision of the day, so the burst of
// schedules of one series' arrivals records one row. The infer run uses the recorded decision of
// the day; a deferred job that runs after midnight is decided again against the new day's spend.
import { appendAudit, inSqlTransaction, poolSql, type Sql } from '@imaging/db';
import type { Config } from '@imaging/config';
import { PRIORITY } from '@imaging/jobs';
import { requirePermission } from '@imaging/auth';
import type { DomainContext, Services } from '../context';
import { computeCost, stageComputeSql, transferCost, type UnitPrices } from './pricing';

export type BudgetTier = 'full' | 'economy' | 'minimal' | 'deferred';
export type ModelVariant = Config['modelVariant'];

/** Measured compute cost rank (higher is cheaper): float16 and uint8 compute what float32 does. */
const VARIANT_COMPUTE_RANK: Record<ModelVariant, number> = { float32: 0, float16: 0, uint8: 0, student: 1 };
/** The variant the economy and minimal tiers ask for. */
export const ECONOMY_VARIANT: ModelVariant = 'student';

export interface BudgetSettings {
  ceilingPerDay: number | null;
  economyAt: number;
  minimalAt: number;
  variant: ModelVariant;
  batchSize: number;
  currency: string;
}

export interface BudgetPlan {
  tier: BudgetTier;
  variant: ModelVariant;
  batchSize: number;
  /** BullMQ priority of the infer job (lower runs first). */
  priority: number;
  deferredUntil: Date | null;
  /** spent / ceiling; null without a ceiling. */
  share: number | null;
  reason: string;
}

export function budgetSettings(config: Config): BudgetSettings {
  return { ...config.budget, variant: config.modelVariant, batchSize: config.inferBatchSize, currency: config.unitPrices.currency };
}

export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** The UTC day of `at` as YYYY-MM-DD. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** A tier never picks a variant that computes more than the configured one, nor one the active version lacks. */
function cheaper(configured: ModelVariant, wanted: ModelVariant, available: readonly string[] | undefined): ModelVariant {
  if (available && !available.includes(wanted)) return configured;
  return VARIANT_COMPUTE_RANK[wanted] > VARIANT_COMPUTE_RANK[configured] ? wanted : configured;
}

function money(amount: number, currency: string): string {
  return `${amount.toFixed(amount !== 0 && Math.abs(amount) < 1 ? 4 : 2)} ${currency}`;
}

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** Pure: the tier, variant, batch size, priority and delay for a series, from today's spend. */
export function budgetTier(input: { spentToday: number; urgent: boolean; now: Date; availableVariants?: readonly string[] }, settings: BudgetSettings): BudgetPlan {
  const { spentToday, urgent, now, availableVariants } = input;
  const priorityFor = (lowered: boolean) => (urgent ? PRIORITY.urgent : lowered ? PRIORITY.deferred : PRIORITY.routine);
  const full = { variant: settings.variant, batchSize: settings.batchSize };
  const economy = { variant: cheaper(settings.variant, ECONOMY_VARIANT, availableVariants), batchSize: settings.batchSize * 2 };
  const minimal = { variant: cheaper(settings.variant, ECONOMY_VARIANT, availableVariants), batchSize: settings.batchSize * 4 };
  const describe = (p: { variant: ModelVariant; batchSize: number }) => `${p.variant}, batch ${p.batchSize}`;

  if (settings.ceilingPerDay === null) {
    return { tier: 'full', ...full, priority: priorityFor(false), deferredUntil: null, share: null, reason: `no daily ceiling configured: full tier (${describe(full)})` };
  }
  const share = spentToday / settings.ceilingPerDay;
  const spent = `spent ${money(spentToday, settings.currency)} of ${money(settings.ceilingPerDay, settings.currency)} today (${percent(share)})`;
  if (share < settings.economyAt) {
    return { tier: 'full', ...full, priority: priorityFor(false), deferredUntil: null, share, reason: `${spent}, below ${percent(settings.economyAt)}: full tier (${describe(full)})` };
  }
  if (share < settings.minimalAt) {
    return { tier: 'economy', ...economy, priority: priorityFor(false), deferredUntil: null, share, reason: `${spent} ≥ ${percent(settings.economyAt)}: economy tier (${describe(economy)})` };
  }
  if (share < 1) {
    return {
      tier: 'minimal', ...minimal, priority: priorityFor(true), deferredUntil: null, share,
      reason: `${spent} ≥ ${percent(settings.minimalAt)}: minimal tier (${describe(minimal)})${urgent ? '' : ', routine work at a lower queue priority'}`,
    };
  }
  if (urgent) {
    return { tier: 'minimal', ...minimal, priority: PRIORITY.urgent, deferredUntil: null, share, reason: `${spent}, ceiling reached: urgent series runs anyway at the minimal tier (${describe(minimal)})` };
  }
  const until = nextUtcMidnight(now);
  return {
    tier: 'deferred', ...minimal, priority: PRIORITY.deferred, deferredUntil: until, share,
    reason: `${spent}, ceiling reached: routine series deferred to ${until.toISOString()}`,
  };
}

export interface SpendFigures {
  cpuSeconds: number;
  gpuSeconds: number;
  transferBytes: number;
  computeCost: number;
  transferCost: number;
  total: number;
}

/** Compute (processing stages started that day + ingest CPU of instances stored that day) and bytes sent, on one UTC day. */
export async function spendOnDay(sql: Sql, prices: UnitPrices, day: string): Promise<SpendFigures> {
  const stage = stageComputeSql('st');
  const [row] = await sql.query<{ cpu_s: number; gpu_s: number; ingest_cpu_s: number; bytes: number }>(
    `SELECT (SELECT COALESCE(sum(${stage.cpuSeconds}), 0) FROM "ProcessingStage" st WHERE st."startedAt" >= $1::date AND st."startedAt" < $1::date + 1)::float8 AS cpu_s,
            (SELECT COALESCE(sum(${stage.gpuSeconds}), 0) FROM "ProcessingStage" st WHERE st."startedAt" >= $1::date AND st."startedAt" < $1::date + 1)::float8 AS gpu_s,
            (SELECT COALESCE(sum(i."ingestCpuMs"), 0) / 1000.0 FROM "Instance" i WHERE i."createdAt" >= $1::date AND i."createdAt" < $1::date + 1)::float8 AS ingest_cpu_s,
            (SELECT COALESCE(sum(t.bytes), 0) FROM "StudyTransfer" t WHERE t.day = $1::date)::float8 AS bytes`, [day]);
  const compute = { cpuSeconds: row.cpu_s + row.ingest_cpu_s, gpuSeconds: row.gpu_s };
  const computeCostValue = computeCost(prices, compute);
  const transferCostValue = transferCost(prices, row.bytes);
  return { ...compute, transferBytes: row.bytes, computeCost: computeCostValue, transferCost: transferCostValue, total: computeCostValue + transferCostValue };
}

/** Weight variants of the ACTIVE version (undefined without one: the worker then fails the run anyway). */
async function activeVariants(services: Services): Promise<string[] | undefined> {
  const rows = await services.db.modelArtifact.findMany({ where: { modelVersion: { status: 'ACTIVE' } }, select: { variant: true } });
  return rows.length ? rows.map((r) => r.variant) : undefined;
}

/** What has been spent so far today (UTC), in the configured currency. */
export async function spentToday(services: Services, now = new Date()): Promise<number> {
  return (await spendOnDay(poolSql(services.db), services.config.unitPrices, utcDay(now))).total;
}

export interface BudgetDecisionView {
  id: string;
  seriesDbId: string;
  studyDbId: string;
  urgent: boolean;
  spentToday: number;
  ceiling: number | null;
  tier: BudgetTier;
  variant: ModelVariant;
  batchSize: number;
  priority: number;
  deferredUntil: Date | null;
  reason: string;
  createdAt: Date;
}

const DECISION_COLUMNS = `id, "seriesDbId", "studyDbId", urgent, "spentToday", ceiling, tier, variant, "batchSize", priority, "deferredUntil", reason, "createdAt"`;

export interface SeriesToDecide {
  seriesId: string;
  studyId: string;
  urgent: boolean;
}

/** Decides for a series and records the decision unless the series' latest one of today says the same. */
export async function decideBudget(services: Services, series: SeriesToDecide, options: { requestId?: string | null; now?: Date } = {}): Promise<BudgetDecisionView> {
  const now = options.now ?? new Date();
  const settings = budgetSettings(services.config);
  const spent = await spentToday(services, now);
  const plan = budgetTier({ spentToday: spent, urgent: series.urgent, now, availableVariants: await activeVariants(services) }, settings);
  const { decision, recorded } = await inSqlTransaction(services.db, async (sql) => {
    // one decision row per change, even when arrivals of one series are preprocessed in parallel
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('budget:' || $1))`, [series.seriesId]);
    const [latest] = await sql.query<BudgetDecisionView>(
      `SELECT ${DECISION_COLUMNS} FROM "BudgetDecision" WHERE "seriesDbId" = $1 AND "createdAt" >= $2::date ORDER BY "createdAt" DESC LIMIT 1`,
      [series.seriesId, utcDay(now)]);
    if (latest && latest.tier === plan.tier && latest.urgent === series.urgent && latest.variant === plan.variant
      && latest.batchSize === plan.batchSize && latest.priority === plan.priority) {
      return { decision: latest, recorded: false };
    }
    const [row] = await sql.query<BudgetDecisionView>(
      `INSERT INTO "BudgetDecision" (id, "seriesDbId", "studyDbId", urgent, "spentToday", ceiling, tier, variant, "batchSize", priority, "deferredUntil", reason, "createdAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${DECISION_COLUMNS}`,
      [series.seriesId, series.studyId, series.urgent, spent, settings.ceilingPerDay, plan.tier, plan.variant, plan.batchSize, plan.priority, plan.deferredUntil, plan.reason, now]);
    await appendAudit(sql, {
      actorType: 'SYSTEM', action: 'budget.decision', resourceType: 'Series', resourceId: series.seriesId, outcome: 'SUCCESS', requestId: options.requestId ?? null,
      details: { tier: plan.tier, variant: plan.variant, batchSize: plan.batchSize, priority: plan.priority, urgent: series.urgent, deferredUntil: plan.deferredUntil?.toISOString() ?? null, share: plan.share },
    });
    return { decision: row, recorded: true };
  });
  if (recorded) {
    // ids and figures only: no patient data
    services.log.info({
      requestId: options.requestId ?? undefined, seriesId: series.seriesId, tier: plan.tier, variant: plan.variant, batchSize: plan.batchSize,
      priority: plan.priority, urgent: series.urgent, share: plan.share, deferredUntil: plan.deferredUntil,
    }, `budget decision: ${plan.tier}`);
  }
  return decision;
}

/** The decision an infer run follows: the series' latest of today, or a new one (a deferred job
 *  released at midnight, a job scheduled before the policy existed). */
export async function budgetForRun(services: Services, series: SeriesToDecide, options: { requestId?: string | null; now?: Date } = {}): Promise<BudgetDecisionView> {
  const now = options.now ?? new Date();
  const [latest] = await poolSql(services.db).query<BudgetDecisionView>(
    `SELECT ${DECISION_COLUMNS} FROM "BudgetDecision" WHERE "seriesDbId" = $1 AND "createdAt" >= $2::date ORDER BY "createdAt" DESC LIMIT 1`,
    [series.seriesId, utcDay(now)]);
  if (latest && latest.tier !== 'deferred' && latest.urgent === series.urgent) return latest;
  return decideBudget(services, series, { ...options, now });
}

export interface BudgetDecisionListItem extends BudgetDecisionView {
  seriesInstanceUid: string | null;
  studyInstanceUid: string | null;
}

export interface BudgetStatus {
  currency: string;
  ceilingPerDay: number | null;
  spentToday: number;
  share: number | null;
  /** The tier a routine series scheduled now gets. */
  tier: BudgetTier;
  variant: ModelVariant;
  batchSize: number;
  reason: string;
}

export async function budgetStatus(ctx: DomainContext, now = new Date()): Promise<BudgetStatus> {
  requirePermission(ctx.principal, 'model:manage');
  const settings = budgetSettings(ctx.config);
  const spent = await spentToday(ctx, now);
  const plan = budgetTier({ spentToday: spent, urgent: false, now, availableVariants: await activeVariants(ctx) }, settings);
  return {
    currency: settings.currency, ceilingPerDay: settings.ceilingPerDay, spentToday: spent, share: plan.share,
    tier: plan.tier, variant: plan.variant, batchSize: plan.batchSize, reason: plan.reason,
  };
}

export async function listBudgetDecisions(ctx: DomainContext, first: number): Promise<BudgetDecisionListItem[]> {
  requirePermission(ctx.principal, 'model:manage');
  return poolSql(ctx.db).query<BudgetDecisionListItem>(
    `SELECT ${DECISION_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}, se."seriesInstanceUid", st."studyInstanceUid"
       FROM "BudgetDecision" d LEFT JOIN "Series" se ON se.id = d."seriesDbId" LEFT JOIN "Study" st ON st.id = d."studyDbId"
      ORDER BY d."createdAt" DESC, d.id LIMIT $1`, [first]);
}
