// GraphQL types of the budget policy and the cost report (amounts in the configured currency).
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One budget decision for a series: the tier, and what it set on the infer job' })
export class BudgetDecisionType {
  @Field(() => ID) id!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { nullable: true }) seriesInstanceUid!: string | null;
  @Field(() => String, { nullable: true }) studyInstanceUid!: string | null;
  @Field(() => Boolean) urgent!: boolean;
  @Field(() => String, { description: 'full | economy | minimal | deferred' }) tier!: string;
  @Field(() => String, { description: 'float32 | float16 | uint8' }) variant!: string;
  @Field(() => Int) batchSize!: number;
  @Field(() => Int, { description: 'BullMQ priority of the infer job (1 = most urgent)' }) priority!: number;
  @Field(() => Date, { nullable: true }) deferredUntil!: Date | null;
  @Field(() => Float, { description: 'spent today when decided' }) spentToday!: number;
  @Field(() => Float, { nullable: true }) ceiling!: number | null;
  @Field(() => String) reason!: string;
}

@ObjectType({ description: 'The daily cost ceiling and where today stands against it' })
export class BudgetType {
  @Field(() => String) currency!: string;
  @Field(() => Float, { nullable: true, description: 'COST_CEILING_PER_DAY; null = no policy' }) ceilingPerDay!: number | null;
  @Field(() => Float, { description: 'compute and bytes sent so far today (UTC)' }) spentToday!: number;
  @Field(() => Float, { nullable: true, description: 'spentToday / ceilingPerDay' }) share!: number | null;
  @Field(() => String, { description: 'tier a routine series gets now: full | economy | minimal | deferred' }) tier!: string;
  @Field(() => String) variant!: string;
  @Field(() => Int) batchSize!: number;
  @Field(() => String) reason!: string;
}

@ObjectType({ description: 'What came in on one UTC day and what it cost' })
export class DailyCostType {
  @Field(() => String, { description: 'YYYY-MM-DD (UTC)' }) day!: string;
  @Field(() => Int, { description: 'studies with instances stored that day' }) studies!: number;
  @Field(() => Int) series!: number;
  @Field(() => Int, { description: 'instances stored that day' }) slices!: number;
  @Field(() => Float, { description: 'ingest + processing stages' }) cpuSeconds!: number;
  @Field(() => Float) gpuSeconds!: number;
  @Field(() => Float) computeCost!: number;
  @Field(() => Float, { description: 'bytes sent that day' }) transferCost!: number;
  @Field(() => Float, { description: 'one day of GB-month for what was stored at the end of the day' }) storageCost!: number;
  @Field(() => Float) total!: number;
}

@ObjectType()
export class StageTimeCostType {
  @Field(() => String) name!: string;
  @Field(() => Int) wallMs!: number;
  @Field(() => Float) cost!: number;
}

@ObjectType()
export class RecentStudyCostType {
  @Field(() => String) studyInstanceUid!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => [StageTimeCostType]) stages!: StageTimeCostType[];
  @Field(() => Float, { description: 'compute and transfer of all stages' }) total!: number;
}

@ObjectType({ description: 'Speed and cost of one model variant on one backend, as recorded by inference runs' })
export class VariantTradeOffType {
  @Field(() => String) variant!: string;
  @Field(() => String) backend!: string;
  @Field(() => Int) series!: number;
  @Field(() => Int) slices!: number;
  @Field(() => Float, { nullable: true }) slicesPerSecond!: number | null;
  @Field(() => Float, { nullable: true }) costPerThousandSlices!: number | null;
  @Field(() => Float, { nullable: true, description: 'mask Dice against float32 (active version\'s artifact metrics)' }) agreementWithFloat32!: number | null;
}

@ObjectType({ description: 'One variant of the active version on the measured frontier: cost per reference study against held-out Dice' })
export class FrontierPointType {
  @Field(() => String) variant!: string;
  @Field(() => Float, { description: 'held-out phantom Dice against ground truth' }) dice!: number;
  @Field(() => Float, { description: 'best measured images/s (one wasm thread)' }) imagesPerSecond!: number;
  @Field(() => Int) batchSize!: number;
  @Field(() => Float, { description: 'compute cost of a 100-slice study at that speed' }) costPerStudy!: number;
  @Field(() => String, { description: 'own benchmark, or student-run (float32 measured in the student\'s benchmark run)' }) measuredIn!: string;
  @Field(() => Boolean, { description: 'no other variant is as cheap and as good' }) onFrontier!: boolean;
}

@ObjectType()
export class QueueWaitType {
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'waiting, including prioritised' }) waiting!: number;
  @Field(() => Int) active!: number;
  @Field(() => Int) delayed!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Float, { nullable: true, description: 'age of the oldest job waiting to start' }) oldestWaitingMs!: number | null;
  @Field(() => Float, { nullable: true, description: 'infer: mean queued → started over the last day' }) meanWaitMs!: number | null;
}

@ObjectType()
export class CostReportType {
  @Field(() => String) currency!: string;
  @Field(() => [DailyCostType], { description: 'oldest first, today last' }) days!: DailyCostType[];
  @Field(() => [RecentStudyCostType]) recentStudies!: RecentStudyCostType[];
  @Field(() => [VariantTradeOffType]) variants!: VariantTradeOffType[];
  @Field(() => [FrontierPointType]) frontier!: FrontierPointType[];
  @Field(() => [QueueWaitType]) queues!: QueueWaitType[];
}
