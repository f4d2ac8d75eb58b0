// GraphQL object types for DICOM SEG export (an annotation version as a Segmentation stored in its
// study) and import (what became of an ingested Segmentation).
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The DICOM Segmentation of an annotation version, stored in its study (QIDO modality SEG, WADO-RS)' })
export class SegExportType {
  @Field(() => ID) annotationId!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { description: 'AI | READER | IMPORTED' }) source!: string;
  @Field(() => String) sopInstanceUid!: string;
  @Field(() => String) seriesInstanceUid!: string;
  @Field(() => String) studyInstanceUid!: string;
  @Field(() => Boolean, { description: 'false when this version was exported before (or is the SEG it was imported from)' }) created!: boolean;
  @Field(() => String, { description: 'GET it as application/dicom' }) downloadUrl!: string;
}

@ObjectType({ description: 'What became of an ingested DICOM Segmentation' })
export class SegmentationImportType {
  @Field(() => String) sopInstanceUid!: string;
  @Field(() => String, { description: 'PENDING (not yet processed) | CONVERTED | NOT_CONVERTED | EXPORTED (one of our own exports)' }) state!: string;
  @Field(() => String, { nullable: true, description: 'why it was not converted' }) reason!: string | null;
  @Field(() => ID, { nullable: true }) annotationId!: string | null;
  @Field(() => Int, { nullable: true }) annotationVersion!: number | null;
}
