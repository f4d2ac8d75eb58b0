// De-identified research exports (admins: export:deidentified).
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ExportDestinationEnum { ARCHIVE = 'ARCHIVE', REMOTE_AE = 'REMOTE_AE' }
registerEnumType(ExportDestinationEnum, { name: 'ExportDestination', description: 'ARCHIVE: a zip in the blob store (GET /api/exports/:id/archive); REMOTE_AE: C-STORE to a registered AE' });

export enum ExportStateEnum { QUEUED = 'QUEUED', RUNNING = 'RUNNING', DONE = 'DONE', FAILED = 'FAILED' }
registerEnumType(ExportStateEnum, { name: 'DeidentifiedExportState' });

@InputType({ description: 'PS3.15 Annex E options on top of the Basic Application Level Confidentiality Profile' })
export class DeidentificationOptionsInput {
  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Retain Longitudinal Temporal Information with Modified Dates: dates shifted by one offset per project' })
  retainLongitudinalTemporal?: boolean | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Clean Descriptors: descriptions kept with identifying values removed' })
  cleanDescriptors?: boolean | null;
}

@InputType()
export class StartDeidentifiedExportInput {
  @Field(() => [String]) studyInstanceUids!: string[];
  @Field(() => String, { description: 'research project: one de-identification key (same pseudonyms, same UIDs) for all its exports' }) project!: string;
  @Field(() => DeidentificationOptionsInput, { nullable: true }) options?: DeidentificationOptionsInput | null;
  @Field(() => ExportDestinationEnum) destination!: ExportDestinationEnum;
  @Field(() => String, { nullable: true, description: 'AE title of an enabled remote AE, for REMOTE_AE' }) remoteAeTitle?: string | null;
}

@ObjectType({ description: 'An instance left out of the export, and why' })
export class ExportReportEntryType {
  @Field(() => String) sopInstanceUid!: string;
  @Field(() => String) seriesInstanceUid!: string;
  @Field(() => String, { description: 'BURNED_IN_ANNOTATION, DEIDENTIFY_UNSUPPORTED, C_STORE_FAILED, ...' }) code!: string;
  @Field(() => String) reason!: string;
}

@ObjectType()
export class DeidentifiedExportType {
  @Field(() => ID) id!: string;
  @Field(() => ExportStateEnum) state!: ExportStateEnum;
  @Field(() => String) project!: string;
  @Field(() => [String]) studyInstanceUids!: string[];
  @Field(() => Boolean) retainLongitudinalTemporal!: boolean;
  @Field(() => Boolean) cleanDescriptors!: boolean;
  @Field(() => ExportDestinationEnum) destination!: ExportDestinationEnum;
  @Field(() => String, { nullable: true }) remoteAeTitle!: string | null;
  @Field(() => Int, { description: 'instances of the selected studies' }) total!: number;
  @Field(() => Int) processed!: number;
  @Field(() => Int) exported!: number;
  @Field(() => Int, { description: 'burned-in annotation instances, not exported (listed in refusedInstances)' }) refused!: number;
  @Field(() => Int) failed!: number;
  @Field(() => [ExportReportEntryType]) refusedInstances!: ExportReportEntryType[];
  @Field(() => [ExportReportEntryType]) failedInstances!: ExportReportEntryType[];
  @Field(() => Float, { nullable: true }) archiveBytes!: number | null;
  @Field(() => String, { nullable: true, description: 'GET this (admins) for the zip once DONE' }) archiveUrl!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType({ description: 'A row of a project\'s private pseudonym table' })
export class PseudonymType {
  @Field(() => String) project!: string;
  @Field(() => String) originalPatientId!: string;
  @Field(() => String) originalIssuer!: string;
  @Field(() => String) pseudonym!: string;
  @Field(() => Date) createdAt!: Date;
}
