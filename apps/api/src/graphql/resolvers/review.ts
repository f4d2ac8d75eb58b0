// Review workflow: worklist, task, transitions, and the worklistChanged subscription.
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  annotationVersions, assignReviewTask, autoAssignReviewTasks, cancelReviewTask, claimReviewTask, getReviewTask, reviewDecisions,
  setStudyUrgent, startReviewTask, submitReview, taskAsSeenBy, worklist, worklistFingerprint, type ReviewTaskRow, type WorklistRow,
} from '@imaging/domain';
import { requirePermission } from '@imaging/auth';
import type { GraphQLContext } from '../context';
import { nextChange } from '../watch';
import {
  AnnotationVersionType, ReviewDecisionType, ReviewTaskConnection, ReviewTaskType, SubmitReviewInput, WorklistArgs, WorklistChange,
} from '../types/review';

/** Every task leaves through here: blind for a second reader, without reader identities for integrators. */
function toTask(ctx: GraphQLContext, row: WorklistRow): ReviewTaskType {
  return { ...taskAsSeenBy(ctx.domain, row), ageSeconds: Math.max(0, Math.round((Date.now() - new Date(row.createdAt).getTime()) / 1000)) };
}


@Resolver(() => ReviewTaskType)
export class ReviewResolver {
  @Query(() => ReviewTaskConnection, { description: 'review tasks, open ones by default, most urgent first' })
  async worklist(@Args() args: WorklistArgs, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskConnection> {
    const page = await worklist(ctx.domain, { filter: args.filter, sort: args.sort, first: args.first, after: args.after });
    const nodes = page.rows.map((row) => toTask(ctx, row));
    return {
      nodes, edges: nodes.map((node, i) => ({ cursor: page.cursors[i], node })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors.at(-1) ?? null }, totalCount: page.totalCount,
    };
  }

  @Query(() => ReviewTaskType)
  async reviewTask(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await getReviewTask(ctx.domain, id));
  }

  @FieldResolver(() => [ReviewDecisionType], { description: 'decisions so far; a second reader sees the first read only after submitting' })
  decisions(@Root() task: ReviewTaskType, @Ctx() ctx: GraphQLContext) {
    return reviewDecisions(ctx.domain, task as unknown as ReviewTaskRow);
  }

  @FieldResolver(() => [AnnotationVersionType], { description: 'mask versions of the series; 0 is the AI' })
  annotationVersions(@Root() task: ReviewTaskType, @Ctx() ctx: GraphQLContext) {
    return annotationVersions(ctx.domain, task as unknown as ReviewTaskRow);
  }

  @Mutation(() => ReviewTaskType, { description: 'claim a NEW task (or an unclaimed second read); concurrent claims: one wins, the rest get CONFLICT' })
  async claimReviewTask(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await claimReviewTask(ctx.domain, id));
  }

  @Mutation(() => ReviewTaskType, { description: 'start reading a claimed task: ASSIGNED → IN_PROGRESS' })
  async startReview(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await startReviewTask(ctx.domain, id));
  }

  @Mutation(() => ReviewTaskType, { description: 'approve, correct (label + edited masks) or reject (with a reason in comment)' })
  async submitReview(@Arg('input', () => SubmitReviewInput) input: SubmitReviewInput, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await submitReview(ctx.domain, input.taskId, { decision: input.decision, label: input.label, comment: input.comment, masks: input.masks, measurements: input.measurements }));
  }

  @Mutation(() => ReviewTaskType, { description: 'admin: give the task to a radiologist' })
  async assignReviewTask(@Arg('id', () => ID) id: string, @Arg('userId', () => ID) userId: string, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await assignReviewTask(ctx.domain, id, userId));
  }

  @Mutation(() => ReviewTaskType, { description: 'admin: put the task back in the pool' })
  async unassignReviewTask(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await assignReviewTask(ctx.domain, id, null));
  }

  @Mutation(() => ReviewTaskType, { description: 'admin: withdraw a task' })
  async cancelReviewTask(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext): Promise<ReviewTaskType> {
    return toTask(ctx, await cancelReviewTask(ctx.domain, id, reason));
  }

  @Mutation(() => Int, { description: 'admin: hand NEW tasks to the radiologists with the fewest open tasks; returns how many' })
  autoAssignReviewTasks(@Ctx() ctx: GraphQLContext): Promise<number> {
    return autoAssignReviewTasks(ctx.domain);
  }

  @Mutation(() => Int, { description: 'admin: flag a study urgent (or not); returns the number of tasks changed' })
  setStudyUrgent(@Arg('studyInstanceUid', () => String) uid: string, @Arg('urgent', () => Boolean) urgent: boolean, @Ctx() ctx: GraphQLContext): Promise<number> {
    return setStudyUrgent(ctx.domain, uid, urgent);
  }

  @Subscription(() => WorklistChange, {
    description: 'fires whenever a review task is created or changes state',
    subscribe: ({ context }) => watchWorklist(context as GraphQLContext),
  })
  worklistChanged(@Root() change: WorklistChange): WorklistChange {
    return change;
  }
}

async function* watchWorklist(ctx: GraphQLContext): AsyncGenerator<WorklistChange> {
  requirePermission(ctx.domain.principal, 'phi:read');
  let last = '';
  for (;;) {
    const fp = await worklistFingerprint(ctx.domain);
    const key = `${fp.count}/${fp.changedAt?.toISOString() ?? ''}`;
    if (key !== last) {
      if (last !== '') yield { openTasks: fp.count, changedAt: fp.changedAt };
      last = key;
    }
    if (!(await nextChange(ctx, ['review']))) return;
  }
}
