// GraphQL types of the AI pipeline: processing state and stages, results and findings, models.
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { ModelEvaluationType } from './model-upload';

@ObjectType({ description: 'Time, compute and bytes of one processing stage of a series' })
export class ProcessingStageType {
  @Field(() => String) name!: string;
  @Field(() => Date) startedAt!: Date;
  @Field(() => Int) durationMs!: number;
  @Field(() => Int, { description: 'CPU milliseconds of the worker process during the stage' }) cpuMs!: number;
  @Field(() => Int, { description: 'slices handled' }) items!: number;
  @Field(() => Float) bytesIn!: number;
  @Field(() => Float) bytesOut!: number;
  @Field(() => GraphQLJSON, { nullable: true, description: 'backend, variant, batch size, threads, model version (inference)' }) details!: unknown;
}

@ObjectType()
export class SeriesProcessingType {
  @Field(() => String) seriesInstanceUid!: string;
  @Field(() => String, { description: 'QUEUED | RUNNING | DONE | SKIPPED | FAILED' }) state!: string;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => Int) attempts!: number;
  @Field(() => Date) queuedAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => [ProcessingStageType]) stages!: ProcessingStageType[];
}

@ObjectType({ description: 'AI processing of a study: the overall state and each series' })
export class StudyProcessingType {
  @Field(() => String) studyInstanceUid!: string;
  @Field(() => String, { description: 'NONE (nothing scheduled) | QUEUED | RUNNING | DONE | SKIPPED | FAILED' }) state!: string;
  @Field(() => [ProcessingStageType], { description: 'stages of the study, summed over its series' }) stages!: ProcessingStageType[];
  @Field(() => [SeriesProcessingType]) series!: SeriesProcessingType[];
}

@ObjectType()
export class LesionFindingType {
  @Field(() => Float) volumeMl!: number;
  @Field(() => Int) voxels!: number;
  @Field(() => [Int], { description: 'first and last slice index (0-based, in slice order)' }) sliceRange!: number[];
  @Field(() => [Float], { description: 'centroid (slice, row, column) at model resolution' }) centroid!: number[];
}

@ObjectType()
export class FindingsType {
  @Field(() => Int) lesionCount!: number;
  @Field(() => Float) totalVolumeMl!: number;
  @Field(() => [LesionFindingType]) lesions!: LesionFindingType[];
  @Field(() => [Float], { description: 'lesion probability per slice, in slice order' }) sliceProbabilities!: number[];
}

@ObjectType()
export class AiResultType {
  @Field(() => ID) id!: string;
  @Field(() => String) seriesInstanceUid!: string;
  @Field(() => String, { description: 'lesion | none; unknown when OUT_OF_DOMAIN' }) label!: string;
  @Field(() => Float, { description: 'highest slice lesion probability' }) score!: number;
  @Field(() => FindingsType) findings!: FindingsType;
  @Field(() => String) modelVersion!: string;
  @Field(() => String, { description: 'float32 | float16 | uint8' }) variant!: string;
  @Field(() => String, { description: 'tfjs backend that ran the model' }) backend!: string;
  @Field(() => Int) slices!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { description: 'COMPLETE | OUT_OF_DOMAIN (the series is outside the model\'s declared input domain: no lesion label, findings or masks)' }) status!: string;
  @Field(() => String, { nullable: true, description: 'why OUT_OF_DOMAIN: MODALITY | BODY_PART | GRID | FIELD_OF_VIEW | PIXEL_SPACING | SLICE_THICKNESS | HU_STATISTICS | OUTPUT_MASK_FRACTION' }) domainReasonCode!: string | null;
  @Field(() => String, { nullable: true, description: 'the reasons in words' }) domainReason!: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'the input and output checks with their statistics' }) domainCheck!: unknown;
}

@ObjectType()
export class ModelArtifactType {
  @Field(() => String) variant!: string;
  @Field(() => Float) sizeBytes!: number;
  @Field(() => GraphQLJSON, { nullable: true, description: 'throughput, agreement with float32, metrics' }) metrics!: unknown;
}

@ObjectType()
export class ModelVersionType {
  @Field(() => ID) id!: string;
  @Field(() => String) version!: string;
  @Field(() => String, { description: 'CANDIDATE | ACTIVE | RETIRED' }) status!: string;
  @Field(() => Int) inputSize!: number;
  @Field(() => GraphQLJSON, { description: 'held-out metrics of the float32 weights' }) metrics!: unknown;
  @Field(() => GraphQLJSON, { nullable: true }) training!: unknown;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) activatedAt!: Date | null;
  @Field(() => [ModelArtifactType]) artifacts!: ModelArtifactType[];
  @Field(() => ModelEvaluationType, { nullable: true, description: 'held-out curves, confusion matrix and reliability per set (uploaded versions)' }) evaluation!: ModelEvaluationType | null;
}

@ObjectType({ description: 'One slice of a segmentation, bit-packed (rows × columns bits, row-major, most significant bit first)' })
export class SliceMaskType {
  @Field(() => String) sopInstanceUid!: string;
  @Field(() => Int) rows!: number;
  @Field(() => Int) columns!: number;
  @Field(() => Int, { description: 'annotation version (0 = the AI)' }) version!: number;
  @Field(() => String, { description: 'AI | READER' }) source!: string;
  @Field(() => Int, { description: 'pixels inside the mask' }) area!: number;
  @Field(() => String, { description: 'base64 of the bit-packed mask' }) data!: string;
}

@ObjectType()
export class StageCostType {
  @Field(() => String, { description: 'ingest | preprocess | inference | transfer | review wait | review' }) name!: string;
  @Field(() => Int) wallMs!: number;
  @Field(() => Float, { nullable: true, description: 'CPU seconds of the stage (ingest: parse, validate, hash, verify, compress); null where not measured' }) cpuSeconds!: number | null;
  @Field(() => Float) gpuSeconds!: number;
  @Field(() => Float) bytesIn!: number;
  @Field(() => Float) bytesOut!: number;
  @Field(() => Float) cost!: number;
}

@ObjectType({ description: 'Cost of a study from the recorded figures and the configured unit prices (COST_*)' })
export class StudyCostType {
  @Field(() => String) currency!: string;
  @Field(() => [StageCostType]) stages!: StageCostType[];
  @Field(() => Float) storedBytes!: number;
  @Field(() => Float, { description: 'storage of the compressed files per month' }) storagePerMonth!: number;
  @Field(() => Float, { description: 'compute and transfer of all stages' }) total!: number;
}

@ObjectType({ description: 'Jobs of one queue by state' })
export class QueueStatusType {
  @Field(() => String) name!: string;
  @Field(() => Int) waiting!: number;
  @Field(() => Int) active!: number;
  @Field(() => Int) delayed!: number;
  @Field(() => Int) prioritized!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) completed!: number;
}
