// Remote DICOM application entities (C-MOVE destinations, export targets).
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A remote DICOM AE the platform may send to (C-MOVE destination, export target)' })
export class RemoteAeType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'PS3.5 AE title: 1-16 characters, no backslash or control characters; unique' }) aeTitle!: string;
  @Field(() => String) host!: string;
  @Field(() => Int) port!: number;
  @Field(() => String) description!: string;
  @Field(() => Boolean, { description: 'disabled AEs are not C-MOVE destinations' }) enabled!: boolean;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

/** Checked in the domain (one place for the PS3.5 rules), so errors carry the precise reason. */
@InputType()
export class RemoteAeInput {
  @Field(() => String) aeTitle!: string;
  @Field(() => String) host!: string;
  @Field(() => Int) port!: number;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Boolean, { nullable: true, defaultValue: true }) enabled?: boolean | null;
}

@ObjectType({ description: 'Outcome of a C-ECHO from our AE title to the remote' })
export class RemoteAeVerification {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => Int, { nullable: true, description: 'DIMSE status of the C-ECHO-RSP (0 = success); null when none came' }) status!: number | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Int) durationMs!: number;
}

@InputType({ description: 'What to send to a remote AE by C-STORE' })
export class StoreToRemoteAeInput {
  @Field(() => ID) remoteAeId!: string;
  @Field(() => String) studyInstanceUid!: string;
  @Field(() => [String], { nullable: true, description: 'series of the study to send; none: every series' }) seriesInstanceUids?: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'annotation versions sent as DICOM SEG (exported first when need be)' }) annotationIds?: string[] | null;
}

@ObjectType({ description: 'Every instance was stored by the remote AE (failures are BAD_GATEWAY errors with the failed SOP Instance UIDs)' })
export class StoreToRemoteAeResult {
  @Field(() => ID) remoteAeId!: string;
  @Field(() => String) aeTitle!: string;
  @Field(() => Int) instances!: number;
  @Field(() => Int) completed!: number;
  @Field(() => Int, { description: 'stored with a warning status (0xB000-0xBFFF)' }) warning!: number;
  @Field(() => [String], { description: 'SOP Instance UIDs of the SEGs sent' }) segSopInstanceUids!: string[];
}
