// Input types, validated by class-validator before any resolver runs (errors: BAD_USER_INPUT).
import { Field, InputType, Int, ArgsType } from 'type-graphql';
import { IsEmail, IsOptional, Length, MaxLength, Matches, Max, Min, IsDate, ValidateNested } from 'class-validator';
import { Role } from './user';
import { SortDirection, StudySortField } from './study';

@InputType()
export class StudyFilterInput {
  @Field(() => String, { nullable: true, description: 'DICOM wildcards: * any run, ? one character; case-insensitive' })
  @IsOptional() @MaxLength(64) patientName?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) patientId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^[A-Z0-9 _]{1,16}$/i, { message: 'modality must be a DICOM modality code such as CT or MR' }) modality?: string | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() studyDateFrom?: Date | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() studyDateTo?: Date | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) accessionNumber?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) description?: string | null;
}

@ArgsType()
export class StudiesArgs {
  @Field(() => StudyFilterInput, { nullable: true }) @IsOptional() @ValidateNested() filter?: StudyFilterInput | null;
  @Field(() => StudySortField, { nullable: true, defaultValue: StudySortField.STUDY_DATE }) sort!: StudySortField;
  @Field(() => SortDirection, { nullable: true, defaultValue: SortDirection.DESC }) direction!: SortDirection;
  @Field(() => Int, { nullable: true, defaultValue: 50 }) @Min(1) @Max(200) first!: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(512) after?: string | null;
}

@InputType()
export class CreateUserInput {
  @Field(() => String) @IsEmail({}, { message: 'email must be a valid address' }) @MaxLength(254) email!: string;
  @Field(() => String) @Length(10, 200, { message: 'password must have 10 to 200 characters' }) password!: string;
  @Field(() => Role) role!: Role;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(100) displayName?: string | null;
}

@InputType()
export class AuditFilterInput {
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) actorId?: string | null;
  @Field(() => String, { nullable: true, description: 'exact, or a prefix ending in *' }) @IsOptional() @MaxLength(64) action?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) resourceType?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(128) resourceId?: string | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() from?: Date | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() to?: Date | null;
}
