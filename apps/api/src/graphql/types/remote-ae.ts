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
