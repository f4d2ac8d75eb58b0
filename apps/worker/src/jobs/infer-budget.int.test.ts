// The budget policy end to end on real services: spend seeded as processing stages of today moves
// the decisions for routine series full → economy → minimal → deferred, the infer jobs get the
// priorities and delays of their tier, the infer run uses the chosen variant and batch size, an
// urgent series still runs over the ceiling, and BudgetDecision rows and GraphQL `budget` show it.
import type { Job } from 'bullmq';
import { PRIORITY, type InferJob } from '@imaging/jobs';
import {
  budgetForRun, ingestInstances, preprocessInstance, registerShippedModel, setStudyUrgent, spentToday, utcDay,
} from '@imaging/domain';
import { phantomStudy, systemContext } from '@imaging/testing';
// the api's test harness (GraphQL over HTTP on the same services); test code only, as apps/web/e2e does
import { errorCodes, gql, startHarness, userCaller, type Harness } from '../../../api/src/testing/harness';
import { execInferJob, inferenceRuntime, type RuntimeHolder } from './infer';

const CEILING = 1;
const CPU_SECOND = 0.001;

describe('infer under the budget policy', () => {
  let h: Harness;
  let runtime: RuntimeHolder;
  let anchorSeriesId: string | null = null;
  let seeds = 0;

  beforeAll(async () => {
    h = await startHarness({
      inferSettleMs: 0, inferThreads: 1, inferBatchSize: 2, modelVariant: 'float32',
      budget: { ceilingPerDay: CEILING, economyAt: 0.6, minimalAt: 0.85 },
      unitPrices: { currency: 'USD', cpuSecond: CPU_SECOND, gpuSecond: 0.01, gbMonth: 0.023, gbTransfer: 0.09 },
    });
    await registerShippedModel(h.services);
    runtime = inferenceRuntime(h.services);
  });
  afterAll(async () => {
    await runtime?.close();
    await h?.close();
  });

  /** Adds a processing stage started now with the CPU time that brings today's spend to `share` of the ceiling. */
  async function seedSpend(share: number) {
    const s = h.services;
    const needed = share * CEILING - (await spentToday(s));
    expect(needed).toBeGreaterThan(0);
    await s.db.processingStage.create({
      data: { seriesDbId: anchorSeriesId!, name: `seeded-${++seeds}`, startedAt: new Date(), durationMs: 1000, cpuMs: Math.ceil((needed / CPU_SECOND) * 1000) },
    });
    expect((await spentToday(s)) / CEILING).toBeCloseTo(share, 3);
  }

  /** Ingests and preprocesses a phantom series (each preprocessed instance schedules it); the job of the complete series. */
  async function arrive(seed: number, options: { urgent?: boolean } = {}): Promise<{ seriesId: string; job: Job<InferJob> }> {
    const s = h.services;
    const study = phantomStudy({ seed, slices: 4, size: 128, lesionProbability: 1 });
    const ingested = await ingestInstances(systemContext(s), study.files);
    for (const [i, r] of ingested.entries()) {
      await preprocessInstance(s, r.instanceId!);
      // flagged urgent once it is known to the pipeline (after its first arrival)
      if (i === 0 && options.urgent) await setStudyUrgent(systemContext(s), study.studyInstanceUid, true);
    }
    const seriesId = ingested[0].seriesId!;
    const job = await s.queues.infer.getJob(`series-${seriesId}-n${ingested.length}`);
    expect(job).toBeTruthy();
    return { seriesId, job: job as Job<InferJob> };
  }

  async function decisions(seriesId: string) {
    return h.services.db.budgetDecision.findMany({ where: { seriesDbId: seriesId }, orderBy: { createdAt: 'asc' } });
  }

  async function runAndCheck(job: Job<InferJob>, expected: { variant: string; batchSize: number }) {
    expect(await execInferJob(job, h.services, runtime)).toBe('done');
    const result = await h.services.db.aiResult.findFirstOrThrow({ where: { seriesDbId: job.data.seriesId } });
    expect(result.variant).toBe(expected.variant);
    const stage = await h.services.db.processingStage.findUniqueOrThrow({ where: { seriesDbId_name: { seriesDbId: job.data.seriesId, name: 'inference' } } });
    expect(stage.details).toMatchObject({ variant: expected.variant, batchSize: expected.batchSize });
  }

  it('moves routine series through the tiers, runs each with its variant, defers at the ceiling and still runs urgent work', async () => {
    const s = h.services;

    // full: nothing much spent yet
    const full = await arrive(910_001);
    anchorSeriesId = full.seriesId;
    expect((await decisions(full.seriesId)).map((d) => [d.tier, d.variant, d.batchSize, d.priority])).toEqual([['full', 'float32', 2, PRIORITY.routine]]);
    expect(full.job.opts.priority).toBe(PRIORITY.routine);
    await runAndCheck(full.job, { variant: 'float32', batchSize: 2 });

    // economy at 70 % of the ceiling: the student (pruned + distilled, ≥ 2× the images/s), twice the batch, normal priority
    await seedSpend(0.7);
    const economy = await arrive(910_002);
    const [economyDecision] = await decisions(economy.seriesId);
    expect(economyDecision).toMatchObject({ tier: 'economy', variant: 'student', batchSize: 4, priority: PRIORITY.routine, urgent: false, ceiling: CEILING });
    expect(economyDecision.spentToday / CEILING).toBeGreaterThanOrEqual(0.7);
    expect(economyDecision.reason).toMatch(/economy tier \(student, batch 4\)/);
    expect(await decisions(economy.seriesId)).toHaveLength(1); // four arrivals, one decision
    expect(economy.job.opts.priority).toBe(PRIORITY.routine);
    await runAndCheck(economy.job, { variant: 'student', batchSize: 4 });

    // minimal at 90 %: the student, four times the batch, routine work at the deferred priority
    await seedSpend(0.9);
    const minimal = await arrive(910_003);
    expect((await decisions(minimal.seriesId)).map((d) => [d.tier, d.variant, d.batchSize, d.priority])).toEqual([['minimal', 'student', 8, PRIORITY.deferred]]);
    expect(minimal.job.opts.priority).toBe(PRIORITY.deferred);
    await runAndCheck(minimal.job, { variant: 'student', batchSize: 8 });

    // over the ceiling: a routine series waits for the next UTC midnight ...
    await seedSpend(1.2);
    const before = Date.now();
    const deferred = await arrive(910_004);
    const midnight = Date.parse(`${utcDay(new Date(before))}T00:00:00Z`) + 86_400_000;
    const [deferredDecision] = await decisions(deferred.seriesId);
    expect(deferredDecision).toMatchObject({ tier: 'deferred', priority: PRIORITY.deferred });
    expect(deferredDecision.deferredUntil?.getTime()).toBe(midnight);
    expect(await deferred.job.getState()).toBe('delayed');
    expect(deferred.job.opts.priority).toBe(PRIORITY.deferred);
    expect(deferred.job.timestamp + deferred.job.opts.delay!).toBeGreaterThanOrEqual(midnight - 1000);
    expect(deferred.job.timestamp + deferred.job.opts.delay!).toBeLessThanOrEqual(midnight + 1000);
    // ... and an infer run today would be deferred again
    expect((await budgetForRun(s, deferred.job.data)).tier).toBe('deferred');

    // ... while an urgent series is never deferred: urgent priority, minimal tier, it runs
    const urgent = await arrive(910_005, { urgent: true });
    const urgentDecisions = await decisions(urgent.seriesId);
    // decided once, when its last instance was stored: by then it was flagged urgent
    expect(urgentDecisions.map((d) => [d.urgent, d.tier])).toEqual([[true, 'minimal']]);
    expect(urgentDecisions[0]).toMatchObject({ variant: 'student', batchSize: 8, priority: PRIORITY.urgent, deferredUntil: null });
    expect(urgentDecisions[0].reason).toMatch(/urgent series runs anyway/);
    expect(urgent.job.data.urgent).toBe(true);
    expect(urgent.job.opts.priority).toBe(PRIORITY.urgent);
    expect(await urgent.job.getState()).not.toBe('delayed');
    await runAndCheck(urgent.job, { variant: 'student', batchSize: 8 });

    // flagging the deferred study urgent releases its waiting job at once, at urgent priority
    const deferredStudy = await s.db.series.findUniqueOrThrow({ where: { id: deferred.seriesId }, include: { study: true } });
    await setStudyUrgent(systemContext(s), deferredStudy.study.studyInstanceUid, true);
    const released = (await s.queues.infer.getJob(deferred.job.id!))!;
    expect(released.priority).toBe(PRIORITY.urgent);
    expect(released.data.urgent).toBe(true);
    expect(await released.getState()).not.toBe('delayed');
    expect((await budgetForRun(s, released.data)).tier).toBe('minimal');
    await released.remove();

    // every recorded decision has its audit row
    expect(await s.db.auditEvent.count({ where: { action: 'budget.decision' } })).toBe(await s.db.budgetDecision.count());

    // GraphQL: the admin sees today's spend over the ceiling and the decisions, newest first
    const admin = await userCaller(h, 'ADMIN');
    const res = await gql<{ budget: { currency: string; ceilingPerDay: number; spentToday: number; share: number; tier: string; decisions: { tier: string; variant: string; urgent: boolean; priority: number; seriesInstanceUid: string; reason: string; deferredUntil: string | null }[] } }>(
      h, admin, '{ budget { currency ceilingPerDay spentToday share tier decisions(first: 10) { tier variant urgent priority seriesInstanceUid reason deferredUntil } } }');
    expect(res.body.errors).toBeUndefined();
    const budget = res.body.data!.budget;
    expect(budget).toMatchObject({ currency: 'USD', ceilingPerDay: CEILING, tier: 'deferred' });
    expect(budget.share).toBeGreaterThanOrEqual(1.2);
    expect(budget.spentToday).toBeCloseTo(budget.share * CEILING, 9);
    expect(budget.decisions.map((d) => `${d.tier}/${d.variant}/${d.urgent}`)).toEqual([
      'minimal/student/true', 'minimal/student/true', 'deferred/student/false', 'minimal/student/false', 'economy/student/false', 'full/float32/false',
    ]);
    expect(budget.decisions[2].deferredUntil).toBe(new Date(midnight).toISOString());
    expect(budget.decisions.every((d) => d.seriesInstanceUid && d.reason)).toBe(true);

    // only model:manage may see it
    const reader = await userCaller(h, 'RADIOLOGIST');
    expect(errorCodes(await gql(h, reader, '{ budget { tier } }'))).toEqual(['FORBIDDEN']);
  });
});
