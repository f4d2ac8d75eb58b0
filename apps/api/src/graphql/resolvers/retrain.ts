// Retraining loop: case sets, runs (with a live progress subscription) and version comparison.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  buildLabelledCaseSet, compareModelVersions, getTrainingRun, listLabelledCaseSets, listTrainingRuns, startRetrain, trainingRunFingerprint,
  type CaseSetView, type TrainingRunView,
} from '@imaging/domain';
import type { GraphQLContext } from '../context';
import { CountType, LabelledCaseSetType, ModelComparisonType, TrainingRunType } from '../types/retrain';
import { toModelVersion } from './ai';
import { nextChange } from '../watch';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

const counts = (byKey: Record<string, number>): CountType[] => Object.entries(byKey).map(([key, count]) => ({ key, count }));

function toCaseSet(s: CaseSetView): LabelledCaseSetType {
  const c = s.counts;
  return {
    id: s.id, version: s.version, rejectedPolicy: s.rejectedPolicy, createdAt: s.createdAt, cases: c.cases, slices: c.slices, lesionSlices: c.lesionSlices,
    train: c.train, heldOut: c.heldOut, excluded: c.excluded, byLabel: counts(c.byLabel), bySource: counts(c.bySource),
  };
}

function toRun(r: TrainingRunView): TrainingRunType {
  const e = r.evaluation;
  return {
    ...r, plannedVersion: r.params.version, losses: r.losses ?? [],
    gate: e ? { ...e.gate, sets: e.sets.map((s) => ({ name: s.name, slices: s.slices, lesionSlices: s.lesionSlices })) } : null,
  };
}

@Resolver()
export class RetrainResolver {
  @Query(() => [LabelledCaseSetType], { description: 'admin: labelled-case sets, newest first' })
  async labelledCaseSets(@Ctx() ctx: GraphQLContext): Promise<LabelledCaseSetType[]> {
    return (await listLabelledCaseSets(ctx.domain)).map(toCaseSet);
  }

  @Mutation(() => LabelledCaseSetType, { description: 'admin: freeze the current FINAL reviews into the next case-set version' })
  async buildLabelledCaseSet(
    @Ctx() ctx: GraphQLContext,
    @Arg('rejectedPolicy', () => String, { nullable: true, description: 'exclude (default) | negative' }) rejectedPolicy?: string,
  ): Promise<LabelledCaseSetType> {
    return toCaseSet(await buildLabelledCaseSet(ctx.domain, { rejectedPolicy: (rejectedPolicy ?? 'exclude') as 'exclude' }));
  }

  @Query(() => [TrainingRunType], { description: 'admin: training runs, newest first' })
  async trainingRuns(@Ctx() ctx: GraphQLContext, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<TrainingRunType[]> {
    return (await listTrainingRuns(ctx.domain, first ?? 20)).map(toRun);
  }

  @Query(() => TrainingRunType)
  async trainingRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRunType> {
    return toRun(await getTrainingRun(ctx.domain, id));
  }

  @Mutation(() => TrainingRunType, { description: 'admin: fine-tune the active model on a case set (default: the newest, built now if there is none)' })
  async startRetrain(
    @Ctx() ctx: GraphQLContext,
    @Arg('caseSetId', () => ID, { nullable: true }) caseSetId?: string,
    @Arg('steps', () => Int, { nullable: true }) steps?: number,
  ): Promise<TrainingRunType> {
    return toRun(await startRetrain(ctx.domain, { caseSetId: caseSetId ?? null, steps: steps ?? null }));
  }

  @Query(() => ModelComparisonType, { description: 'admin: two versions side by side (metrics b − a)' })
  async compareModelVersions(@Arg('a', () => String) a: string, @Arg('b', () => String) b: string, @Ctx() ctx: GraphQLContext): Promise<ModelComparisonType> {
    const c = await compareModelVersions(ctx.domain, a, b);
    return { a: toModelVersion(c.a), b: toModelVersion(c.b), metrics: c.rows };
  }

  @Subscription(() => TrainingRunType, {
    description: 'a training run: its state at once, then every progress write until it ends',
    subscribe: ({ args, context }) => watchRun(context as GraphQLContext, String(args.id)),
  })
  trainingRunProgress(@Root() payload: TrainingRunType, @Arg('id', () => ID) _id: string): TrainingRunType {
    return payload;
  }
}

async function* watchRun(ctx: GraphQLContext, id: string): AsyncGenerator<TrainingRunType> {
  // the first read checks the caller's permission and that the run exists (NOT_FOUND, not a silent loop)
  const first = toRun(await getTrainingRun(ctx.domain, id));
  yield first;
  if (TERMINAL.has(first.state)) return;
  let last: string | null = await trainingRunFingerprint(ctx.domain, id);
  for (;;) {
    if (!(await nextChange(ctx, ['training']))) return;
    const fingerprint = await trainingRunFingerprint(ctx.domain, id);
    if (fingerprint !== last) {
      last = fingerprint;
      const run = toRun(await getTrainingRun(ctx.domain, id));
      yield run;
      if (TERMINAL.has(run.state)) return;
    }
  }
}
