// GraphQL types of uploaded model packages and of a version's held-out evaluation: ROC and
// precision–recall curves, the confusion matrix at the operating threshold and the reliability table.
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType()
export class RocPointType {
  @Field(() => Float, { nullable: true, description: 'null for the (0, 0) end, above every score' }) threshold!: number | null;
  @Field(() => Float, { nullable: true }) fpr!: number | null;
  @Field(() => Float, { nullable: true }) tpr!: number | null;
}

@ObjectType()
export class PrPointType {
  @Field(() => Float) threshold!: number;
  @Field(() => Float, { nullable: true }) precision!: number | null;
  @Field(() => Float, { nullable: true }) recall!: number | null;
}

@ObjectType({ description: 'Slice classification at the operating threshold: rows are the truth, columns the prediction, negative class first' })
export class ConfusionMatrixType {
  @Field(() => Float) threshold!: number;
  @Field(() => [String]) labels!: string[];
  @Field(() => [[Int]]) matrix!: number[][];
}

@ObjectType()
export class ReliabilityBinType {
  @Field(() => Float) lower!: number;
  @Field(() => Float) upper!: number;
  @Field(() => Int) count!: number;
  @Field(() => Float, { nullable: true }) meanPredicted!: number | null;
  @Field(() => Float, { nullable: true, description: 'share of the bin that holds a lesion' }) observed!: number | null;
}

@ObjectType({ description: 'One held-out set: phantom (exact truth), reviewed or imported (SEG ground truth) cases' })
export class ModelEvaluationSetType {
  @Field(() => String) name!: string;
  @Field(() => Int) slices!: number;
  @Field(() => Int) lesionSlices!: number;
  @Field(() => GraphQLJSON, { description: 'headline metrics of this version (dice, iou, sliceF1, auc, per-class precision/recall)' }) candidate!: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'the same metrics of the version that was ACTIVE, on the same slices' }) base!: unknown;
  @Field(() => [RocPointType]) roc!: RocPointType[];
  @Field(() => Float, { nullable: true }) auc!: number | null;
  @Field(() => [PrPointType]) pr!: PrPointType[];
  @Field(() => Float, { nullable: true }) averagePrecision!: number | null;
  @Field(() => ConfusionMatrixType) confusion!: ConfusionMatrixType;
  @Field(() => [ReliabilityBinType]) reliability!: ReliabilityBinType[];
  @Field(() => Float, { nullable: true, description: 'expected calibration error' }) ece!: number | null;
  @Field(() => Float, { nullable: true }) brier!: number | null;
}

@ObjectType()
export class ModelEvaluationType {
  @Field(() => [ModelEvaluationSetType]) sets!: ModelEvaluationSetType[];
  @Field(() => Boolean, { nullable: true, description: 'null: registered without a gate (the first, shipped version)' }) gatePassed!: boolean | null;
  @Field(() => [String]) gateReasons!: string[];
  @Field(() => GraphQLJSON, { nullable: true, description: 'the gate rows: set, metric, base, candidate, delta, allowed, worse' }) gateRows!: unknown;
}

@ObjectType({ description: 'An uploaded model package and its validation job' })
export class ModelUploadType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'QUEUED | VALIDATING | EVALUATING | SUCCEEDED | FAILED' }) state!: string;
  @Field(() => String) fileName!: string;
  @Field(() => Float) sizeBytes!: number;
  @Field(() => String) sha256!: string;
  @Field(() => String, { nullable: true }) modelName!: string | null;
  @Field(() => String, { nullable: true, description: 'the CANDIDATE version it became' }) version!: string | null;
  @Field(() => ModelEvaluationType, { nullable: true }) evaluation!: ModelEvaluationType | null;
  @Field(() => Boolean, { nullable: true }) gatePassed!: boolean | null;
  @Field(() => String, { nullable: true, description: 'why it was refused: PACKAGE_TOO_LARGE, MANIFEST_INVALID, WEIGHTS_MISMATCH, MODEL_UNLOADABLE, PROBE_FAILED, OUTPUT_SHAPE_MISMATCH, ARCHIVE_* …' }) errorCode!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}
