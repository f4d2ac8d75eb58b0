// GraphQL types of the review workflow.
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IsIn, IsOptional, Max, MaxLength, Min, ValidateNested, ArrayMaxSize } from 'class-validator';
import { MAX_MEASUREMENTS } from '@imaging/domain';
import { PageInfo } from './study';

export enum ReviewStateEnum { NEW = 'NEW', ASSIGNED = 'ASSIGNED', IN_PROGRESS = 'IN_PROGRESS', SUBMITTED = 'SUBMITTED', SECOND_READ = 'SECOND_READ', FINAL = 'FINAL', REJECTED = 'REJECTED', CANCELLED = 'CANCELLED' }
export enum ReviewDecisionEnum { APPROVE = 'APPROVE', CORRECT = 'CORRECT', REJECT = 'REJECT' }
export enum WorklistSortEnum { PRIORITY = 'PRIORITY', AGE = 'AGE', SCORE = 'SCORE' }
registerEnumType(ReviewStateEnum, { name: 'ReviewState' });
registerEnumType(ReviewDecisionEnum, { name: 'ReviewDecision' });
registerEnumType(WorklistSortEnum, { name: 'WorklistSort' });
export enum MeasurementToolEnum { LENGTH = 'LENGTH', BIDIRECTIONAL = 'BIDIRECTIONAL', ANGLE = 'ANGLE', ELLIPTICAL_ROI = 'ELLIPTICAL_ROI', RECTANGLE_ROI = 'RECTANGLE_ROI', PROBE = 'PROBE' }
registerEnumType(MeasurementToolEnum, { name: 'MeasurementTool', description: 'a viewer measurement tool (Cornerstone3D)' });

@ObjectType({ description: 'a measurement saved with a review decision; points are image pixels [column, row] on one frame' })
export class MeasurementType {
  @Field(() => ID) id!: string;
  @Field(() => MeasurementToolEnum) tool!: string;
  @Field(() => String) sopInstanceUid!: string;
  @Field(() => Int) frame!: number;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => [[Float]], { description: 'LENGTH 2, BIDIRECTIONAL 4 (long axis, then short axis), ANGLE 3 (vertex in the middle), ELLIPTICAL_ROI / RECTANGLE_ROI 4 handles, PROBE 1' }) points!: number[][];
  @Field(() => Float, { nullable: true, description: 'LENGTH, BIDIRECTIONAL long axis' }) lengthMm!: number | null;
  @Field(() => Float, { nullable: true, description: 'BIDIRECTIONAL short axis' }) widthMm!: number | null;
  @Field(() => Float, { nullable: true }) angleDeg!: number | null;
  @Field(() => Float, { nullable: true, description: 'ROI area' }) areaMm2!: number | null;
  @Field(() => Float, { nullable: true, description: 'ROI mean (HU for CT)' }) meanHu!: number | null;
  @Field(() => Float, { nullable: true, description: 'ROI standard deviation' }) stdDevHu!: number | null;
  @Field(() => Float, { nullable: true, description: 'PROBE value' }) valueHu!: number | null;
}

@ObjectType()
export class ReviewDecisionType {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: '1 = first read, 2 = second read' }) read!: number;
  @Field(() => ReviewDecisionEnum) decision!: string;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => String, { nullable: true, description: 'null without review:identities' }) comment!: string | null;
  @Field(() => String, { nullable: true, description: 'null without review:identities' }) readerName!: string | null;
  @Field(() => Int, { nullable: true, description: 'annotation version holding the corrected mask' }) annotationVersion!: number | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => [MeasurementType], { description: 'what the reader measured, saved with this decision' }) measurements!: MeasurementType[];
}

@ObjectType()
export class AnnotationVersionType {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: '0 = the AI' }) version!: number;
  @Field(() => String, { description: 'AI | READER | IMPORTED (from an uploaded DICOM SEG)' }) source!: string;
  @Field(() => String, { nullable: true }) authorName!: string | null;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => Int, { description: 'slices stored in this version' }) slices!: number;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class ReviewTaskType {
  @Field(() => ID) id!: string;
  @Field(() => ReviewStateEnum) state!: string;
  @Field(() => Float, { description: 'urgency, AI score and waiting time' }) priority!: number;
  @Field(() => Boolean) urgent!: boolean;
  @Field(() => String, { nullable: true }) aiLabel!: string | null;
  @Field(() => Float, { nullable: true }) aiScore!: number | null;
  @Field(() => Boolean, { description: 'the AI result is OUT_OF_DOMAIN: no AI label or score; read the series unaided' }) outOfDomain!: boolean;
  @Field(() => String) studyInstanceUid!: string;
  @Field(() => String) seriesInstanceUid!: string;
  @Field(() => String, { nullable: true }) patientName!: string | null;
  @Field(() => String) patientId!: string;
  @Field(() => String, { nullable: true }) studyDescription!: string | null;
  @Field(() => String, { nullable: true }) modality!: string | null;
  @Field(() => Int) slices!: number;
  @Field(() => ID, { nullable: true }) assigneeId!: string | null;
  @Field(() => String, { nullable: true }) assigneeName!: string | null;
  @Field(() => Boolean) secondReadRequired!: boolean;
  @Field(() => String, { nullable: true }) secondReadReason!: string | null;
  @Field(() => Boolean, { nullable: true, description: 'second read disagreed with the first' }) disagreement!: boolean | null;
  @Field(() => Date, { nullable: true }) claimedAt!: Date | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => Int, { description: 'seconds since the task was created' }) ageSeconds!: number;
  seriesDbId!: string;
  firstReaderId!: string | null;
}

@ObjectType()
export class ReviewTaskEdge {
  @Field(() => String) cursor!: string;
  @Field(() => ReviewTaskType) node!: ReviewTaskType;
}

@ObjectType()
export class ReviewTaskConnection {
  @Field(() => [ReviewTaskEdge]) edges!: ReviewTaskEdge[];
  @Field(() => [ReviewTaskType]) nodes!: ReviewTaskType[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType()
export class WorklistChange {
  @Field(() => Int) openTasks!: number;
  @Field(() => Date, { nullable: true }) changedAt!: Date | null;
}

@InputType()
export class WorklistFilterInput {
  @Field(() => [ReviewStateEnum], { nullable: true, description: 'default: the open states' }) @IsOptional() @ArrayMaxSize(8) states?: ReviewStateEnum[];
  @Field(() => Boolean, { nullable: true, description: 'only tasks claimed by me' }) @IsOptional() mine?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() unassigned?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() urgent?: boolean;
  @Field(() => String, { nullable: true }) @IsOptional() @IsIn(['lesion', 'none']) aiLabel?: string;
}

@ArgsType()
export class WorklistArgs {
  @Field(() => WorklistFilterInput, { nullable: true }) @IsOptional() @ValidateNested() filter?: WorklistFilterInput;
  @Field(() => WorklistSortEnum, { nullable: true, defaultValue: WorklistSortEnum.PRIORITY }) sort?: WorklistSortEnum;
  @Field(() => Int, { nullable: true, defaultValue: 50 }) @Min(1) @Max(200) first?: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(100) after?: string;
}

@InputType()
export class EditedMaskInput {
  @Field(() => String) @MaxLength(128) sopInstanceUid!: string;
  @Field(() => String, { description: 'base64 of the bit-packed mask: rows × columns bits, row-major, most significant bit first' }) @MaxLength(2_000_000) data!: string;
}

@InputType({ description: 'one measurement; the server checks the tool, point count, that the slice is in the series and the points inside its image' })
export class MeasurementInput {
  @Field(() => MeasurementToolEnum) tool!: MeasurementToolEnum;
  @Field(() => String) @MaxLength(64) sopInstanceUid!: string;
  @Field(() => Int, { nullable: true, description: '1-based, default 1' }) @IsOptional() frame?: number;
  @Field(() => [[Float]], { description: '[column, row] image pixels' }) @ArrayMaxSize(4) points!: number[][];
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(200) label?: string;
  @Field(() => Float, { nullable: true }) @IsOptional() lengthMm?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() widthMm?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() angleDeg?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() areaMm2?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() meanHu?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() stdDevHu?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() valueHu?: number;
}

@InputType()
export class SubmitReviewInput {
  @Field(() => ID) taskId!: string;
  @Field(() => ReviewDecisionEnum) decision!: ReviewDecisionEnum;
  @Field(() => String, { nullable: true, description: 'lesion | none (required to CORRECT)' }) @IsOptional() @IsIn(['lesion', 'none']) label?: string;
  @Field(() => String, { nullable: true, description: 'required to REJECT' }) @IsOptional() @MaxLength(2000) comment?: string;
  @Field(() => [EditedMaskInput], { nullable: true, description: 'CORRECT: the slices whose mask was edited' }) @IsOptional() @ArrayMaxSize(2000) @ValidateNested() masks?: EditedMaskInput[];
  @Field(() => [MeasurementInput], { nullable: true, description: `measurements made in the viewer (at most ${MAX_MEASUREMENTS})` }) @IsOptional() @ArrayMaxSize(MAX_MEASUREMENTS) @ValidateNested() measurements?: MeasurementInput[];
}
