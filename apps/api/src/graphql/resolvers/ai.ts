// AI pipeline fields on Study and Series, the model registry, and the studyProcessing subscription.
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  auditMaskRead, getStudy, listModelVersions, overallState, promoteModelVersion, sliceMask, studyAiResults, studyCost, studyProcessing,
  type AiResultView, type SeriesProcessingView,
} from '@imaging/domain';
import type { GraphQLContext } from '../context';
import { StudyType } from '../types/study';
import { AiResultType, ModelVersionType, ProcessingStageType, QueueStatusType, SliceMaskType, StudyCostType, StudyProcessingType } from '../types/ai';
import { requirePermission } from '@imaging/auth';
import { nextChange } from '../watch';
import { toEvaluation } from './model-upload';

function summedStages(series: SeriesProcessingView[]): ProcessingStageType[] {
  const byName = new Map<string, ProcessingStageType>();
  for (const s of series) {
    for (const st of s.stages) {
      const sum = byName.get(st.name);
      if (!sum) { byName.set(st.name, { ...st, details: null }); continue; }
      sum.startedAt = st.startedAt < sum.startedAt ? st.startedAt : sum.startedAt;
      sum.durationMs += st.durationMs; sum.cpuMs += st.cpuMs; sum.items += st.items; sum.bytesIn += st.bytesIn; sum.bytesOut += st.bytesOut;
    }
  }
  return [...byName.values()];
}

export function toProcessing(studyInstanceUid: string, series: SeriesProcessingView[]): StudyProcessingType {
  return { studyInstanceUid, state: overallState(series.map((s) => s.state)), stages: summedStages(series), series };
}

export function toAiResult(r: AiResultView): AiResultType {
  const f = (r.findings ?? {}) as { lesions?: AiResultType['findings']['lesions']; sliceProbabilities?: number[] };
  return { ...r, findings: { lesionCount: r.lesionCount, totalVolumeMl: r.totalVolumeMl, lesions: f.lesions ?? [], sliceProbabilities: f.sliceProbabilities ?? [] } };
}

export function toModelVersion(m: Awaited<ReturnType<typeof listModelVersions>>[number]): ModelVersionType {
  return {
    ...m, artifacts: m.artifacts.map((a) => ({ variant: a.variant, sizeBytes: Number(a.sizeBytes), metrics: a.metrics })),
    evaluation: toEvaluation(m.evaluation as Parameters<typeof toEvaluation>[0]),
  };
}


@Resolver(() => StudyType)
export class StudyAiResolver {
  @FieldResolver(() => StudyProcessingType)
  async processing(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<StudyProcessingType> {
    return toProcessing(study.studyInstanceUid, await studyProcessing(ctx.domain, study.id));
  }

  @FieldResolver(() => AiResultType, { nullable: true, description: 'the most suspicious series result of the study' })
  async aiResult(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<AiResultType | null> {
    const results = await studyAiResults(ctx.domain, study.id);
    if (results.length === 0) return null;
    return toAiResult(results.reduce((a, b) => (b.score > a.score ? b : a)));
  }

  @FieldResolver(() => StudyCostType, { description: 'time, compute, bytes and cost per stage' })
  cost(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<StudyCostType> {
    return studyCost(ctx.domain, study.id);
  }

  @FieldResolver(() => [AiResultType], { description: 'one result per processed series' })
  async aiResults(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<AiResultType[]> {
    return (await studyAiResults(ctx.domain, study.id)).map(toAiResult);
  }
}

@Resolver()
export class ModelResolver {
  @Query(() => SliceMaskType, { description: 'the mask of one slice at an annotation version (default: the newest the caller may see); also GET /api/instances/{sop}/mask' })
  async sliceMask(
    @Arg('sopInstanceUid', () => String) sopInstanceUid: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('version', () => Int, { nullable: true }) version?: number,
  ): Promise<SliceMaskType> {
    const m = await sliceMask(ctx.domain, sopInstanceUid, version ?? undefined);
    await auditMaskRead(ctx.domain, sopInstanceUid, m, version ?? undefined);
    return { sopInstanceUid, rows: m.rows, columns: m.columns, version: m.version, source: m.source, area: m.area, data: Buffer.from(m.packed).toString('base64') };
  }

  @Query(() => [ModelVersionType], { description: 'registered model versions, newest first' })
  async modelVersions(@Ctx() ctx: GraphQLContext): Promise<ModelVersionType[]> {
    return (await listModelVersions(ctx.domain)).map(toModelVersion);
  }

  @Query(() => [QueueStatusType], { description: 'admin: job counts per queue and state' })
  async queues(@Ctx() ctx: GraphQLContext): Promise<QueueStatusType[]> {
    requirePermission(ctx.domain.principal, 'model:manage');
    const counts = await ctx.domain.queues.counts();
    return Object.entries(counts).map(([name, c]) => ({
      name, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, prioritized: c.prioritized ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0,
    }));
  }

  @Mutation(() => ModelVersionType, { description: 'make a version ACTIVE (promote a candidate or roll back to a retired one)' })
  async promoteModelVersion(@Arg('version', () => String) version: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersionType> {
    return toModelVersion(await promoteModelVersion(ctx.domain, version));
  }

  @Subscription(() => StudyProcessingType, {
    description: 'processing state of a study: the current state at once, then every change until it is DONE, SKIPPED or FAILED',
    subscribe: ({ args, context }) => watchProcessing(context as GraphQLContext, String(args.studyInstanceUid)),
  })
  studyProcessing(@Root() payload: StudyProcessingType, @Arg('studyInstanceUid', () => String) _uid: string): StudyProcessingType {
    return payload;
  }
}

/** Polls the database (works across api and worker processes without a broker) and yields on change. */
async function* watchProcessing(ctx: GraphQLContext, studyInstanceUid: string): AsyncGenerator<StudyProcessingType> {
  const study = await getStudy(ctx.domain, studyInstanceUid);
  let last = '';
  for (;;) {
    const current = toProcessing(studyInstanceUid, await studyProcessing(ctx.domain, study.id));
    const fingerprint = JSON.stringify(current);
    if (fingerprint !== last) {
      last = fingerprint;
      yield current;
      if (['DONE', 'SKIPPED', 'FAILED'].includes(current.state)) return;
    }
    if (!(await nextChange(ctx, ['processing']))) return;
  }
}
