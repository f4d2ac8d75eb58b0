// GraphQL object types for the Patient → Study → Series → Instance index.
import { Field, ID, Int, Float, ObjectType, registerEnumType } from 'type-graphql';

export enum StudySortField { STUDY_DATE = 'STUDY_DATE', PATIENT_NAME = 'PATIENT_NAME', ACCESSION_NUMBER = 'ACCESSION_NUMBER', CREATED_AT = 'CREATED_AT' }
export enum SortDirection { ASC = 'ASC', DESC = 'DESC' }
registerEnumType(StudySortField, { name: 'StudySortField' });
registerEnumType(SortDirection, { name: 'SortDirection' });

@ObjectType({ description: 'A patient, as identified by PatientID and its issuer (PS3.3 C.7.1.1).' })
export class PatientType {
  @Field(() => ID) id!: string;
  @Field(() => String) patientId!: string;
  @Field(() => String) issuer!: string;
  @Field(() => String, { nullable: true }) patientName!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYYMMDD as in the DICOM file' }) birthDate!: string | null;
  @Field(() => String, { nullable: true }) sex!: string | null;
}

@ObjectType()
export class InstanceType {
  @Field(() => ID) id!: string;
  @Field(() => String) sopInstanceUid!: string;
  @Field(() => String) sopClassUid!: string;
  @Field(() => Int, { nullable: true }) instanceNumber!: number | null;
  @Field(() => String) transferSyntaxUid!: string;
  @Field(() => Int, { nullable: true }) rows!: number | null;
  @Field(() => Int, { nullable: true }) columns!: number | null;
  @Field(() => Int, { nullable: true }) numberOfFrames!: number | null;
  @Field(() => Int, { nullable: true }) bitsAllocated!: number | null;
  @Field(() => String, { nullable: true }) photometric!: string | null;
  @Field(() => Float, { description: 'bytes of the file as received' }) sizeBytes!: number;
  @Field(() => Float, { description: 'bytes kept in storage' }) storedBytes!: number;
  @Field(() => Float, { description: 'sizeBytes / storedBytes (lossless storage compression)' }) compressionRatio!: number;
  @Field(() => String, { description: 'SHA-256 of the file as received' }) sha256!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class SeriesType {
  @Field(() => ID) id!: string;
  @Field(() => String) seriesInstanceUid!: string;
  @Field(() => String, { nullable: true }) modality!: string | null;
  @Field(() => Int, { nullable: true }) seriesNumber!: number | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true }) bodyPart!: string | null;
  @Field(() => Date) createdAt!: Date;
  studyDbId!: string;
}

@ObjectType()
export class StudyType {
  @Field(() => ID) id!: string;
  @Field(() => String) studyInstanceUid!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) studyDate!: string | null;
  @Field(() => String, { nullable: true }) studyTime!: string | null;
  @Field(() => String, { nullable: true }) accessionNumber!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true }) referringPhysician!: string | null;
  @Field(() => String, { nullable: true }) studyId!: string | null;
  @Field(() => Date) createdAt!: Date;
  patientDbId!: string;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType()
export class StudyEdge {
  @Field(() => String) cursor!: string;
  @Field(() => StudyType) node!: StudyType;
}

@ObjectType()
export class StudyConnection {
  @Field(() => [StudyEdge]) edges!: StudyEdge[];
  @Field(() => [StudyType]) nodes!: StudyType[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}
