// Budget policy and cost report (admin: model:manage).
import { Arg, Ctx, FieldResolver, Int, Query, Resolver } from 'type-graphql';
import { budgetStatus, costReport, listBudgetDecisions } from '@imaging/domain';
import { Invalid } from '@imaging/errors';
import type { GraphQLContext } from '../context';
import { BudgetDecisionType, BudgetType, CostReportType } from '../types/cost';

const MAX_DECISIONS = 200;

@Resolver(() => BudgetType)
export class CostResolver {
  @Query(() => BudgetType, { description: 'admin: the daily ceiling, today\'s spend and the tier it puts routine work in' })
  budget(@Ctx() ctx: GraphQLContext): Promise<BudgetType> {
    return budgetStatus(ctx.domain);
  }

  @FieldResolver(() => [BudgetDecisionType], { description: 'the latest decisions, newest first' })
  decisions(@Ctx() ctx: GraphQLContext, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<BudgetDecisionType[]> {
    const count = first ?? 20;
    if (count < 1 || count > MAX_DECISIONS) throw new Invalid(`first must be from 1 to ${MAX_DECISIONS}`);
    return listBudgetDecisions(ctx.domain, count);
  }

  @Query(() => CostReportType, { description: 'admin: cost per UTC day, recent studies, model variants, queues' })
  costReport(@Ctx() ctx: GraphQLContext, @Arg('days', () => Int, { defaultValue: 14 }) days: number): Promise<CostReportType> {
    return costReport(ctx.domain, days);
  }
}
