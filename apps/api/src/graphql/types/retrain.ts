// Retraining: labelled-case sets, training runs with their loss curve and gate verdict, and
// side-by-side comparison of two model versions.
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { ModelVersionType } from './ai';

@ObjectType()
export class CountType {
  @Field(() => String) key!: string;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'A frozen, versioned set of labelled cases built from FINAL reviews' })
export class LabelledCaseSetType {
  @Field(() => ID) id!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { description: 'exclude | negative: what rejected reviews contribute' }) rejectedPolicy!: string;
  @Field(() => Int) cases!: number;
  @Field(() => Int) slices!: number;
  @Field(() => Int) lesionSlices!: number;
  @Field(() => Int, { description: 'cases used for training' }) train!: number;
  @Field(() => Int, { description: 'cases kept out of training for the gate' }) heldOut!: number;
  @Field(() => Int, { description: 'rejected reviews left out' }) excluded!: number;
  @Field(() => [CountType], { description: 'cases per label (lesion, none)' }) byLabel!: CountType[];
  @Field(() => [CountType], { description: 'cases per source (approved, corrected, rejected, imported: truth from an uploaded DICOM SEG)' }) bySource!: CountType[];
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class LossPointType {
  @Field(() => Int) step!: number;
  @Field(() => Float) loss!: number;
}

@ObjectType({ description: 'One metric of one held-out set: the active (base) model against the candidate' })
export class GateRowType {
  @Field(() => String, { description: 'phantom | reviewed' }) set!: string;
  @Field(() => String) metric!: string;
  @Field(() => Float, { nullable: true, description: 'null where undefined for the base (not compared)' }) base!: number | null;
  @Field(() => Float, { nullable: true }) candidate!: number | null;
  @Field(() => Float, { nullable: true }) delta!: number | null;
  @Field(() => Float, { nullable: true, description: 'the drop allowed: max(tolerance, two standard errors of the base value on this set)' }) allowed!: number | null;
  @Field(() => Boolean, { description: 'worse than the base by more than the allowed drop' }) worse!: boolean;
}

@ObjectType()
export class HeldOutSetType {
  @Field(() => String) name!: string;
  @Field(() => Int) slices!: number;
  @Field(() => Int) lesionSlices!: number;
}

@ObjectType({ description: 'The evaluation gate: no metric may be worse than the active model by more than the tolerance (or the held-out set\'s noise, if larger)' })
export class GateVerdictType {
  @Field(() => Boolean) passed!: boolean;
  @Field(() => Float) tolerance!: number;
  @Field(() => [String]) reasons!: string[];
  @Field(() => [HeldOutSetType]) sets!: HeldOutSetType[];
  @Field(() => [GateRowType]) rows!: GateRowType[];
}

@ObjectType({ description: 'A fine-tuning run of the active model on a labelled-case set' })
export class TrainingRunType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED' }) state!: string;
  @Field(() => Int) caseSetVersion!: number;
  @Field(() => String) baseVersion!: string;
  @Field(() => String, { description: 'the version name the candidate gets' }) plannedVersion!: string;
  @Field(() => String, { nullable: true, description: 'the registered candidate, once trained' }) candidateVersion!: string | null;
  @Field(() => String, { nullable: true }) backend!: string | null;
  @Field(() => Int) step!: number;
  @Field(() => Int) steps!: number;
  @Field(() => [LossPointType]) losses!: LossPointType[];
  @Field(() => GraphQLJSON, { description: 'batch size, learning rate, phantom share, seed, tolerance, held-out set' }) params!: unknown;
  @Field(() => GateVerdictType, { nullable: true }) gate!: GateVerdictType | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType()
export class ComparedMetricType {
  @Field(() => String) metric!: string;
  @Field(() => Float, { nullable: true }) a!: number | null;
  @Field(() => Float, { nullable: true }) b!: number | null;
  @Field(() => Float, { nullable: true, description: 'b − a' }) delta!: number | null;
}

@ObjectType({ description: 'Two model versions side by side on their recorded held-out metrics' })
export class ModelComparisonType {
  @Field(() => ModelVersionType) a!: ModelVersionType;
  @Field(() => ModelVersionType) b!: ModelVersionType;
  @Field(() => [ComparedMetricType]) metrics!: ComparedMetricType[];
}
