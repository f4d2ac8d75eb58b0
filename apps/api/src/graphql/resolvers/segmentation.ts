// DICOM SEG: export an annotation version (idempotent; audited), and the import state of an ingested SEG.
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { exportAnnotationSeg, segmentationImportOf } from '@imaging/domain';
import type { GraphQLContext } from '../context';
import { SegExportType, SegmentationImportType } from '../types/segmentation';
import { AnnotationVersionType } from '../types/review';

export const segDownloadUrl = (annotationId: string) => `/api/annotations/${encodeURIComponent(annotationId)}/seg`;

@Resolver()
export class SegmentationResolver {
  @Mutation(() => SegExportType, { description: 'produce (or find) the DICOM SEG of an annotation version and store it in its study' })
  async exportAnnotationSeg(@Arg('annotationId', () => ID) annotationId: string, @Ctx() ctx: GraphQLContext): Promise<SegExportType> {
    const exported = await exportAnnotationSeg(ctx.domain, annotationId);
    return { ...exported, downloadUrl: segDownloadUrl(annotationId) };
  }

  @Query(() => SegmentationImportType, { description: 'whether an ingested SEG became an annotation version, and if not why' })
  segmentationImport(@Arg('sopInstanceUid', () => String) sopInstanceUid: string, @Ctx() ctx: GraphQLContext): Promise<SegmentationImportType> {
    return segmentationImportOf(ctx.domain, sopInstanceUid);
  }
}

@Resolver(() => AnnotationVersionType)
export class AnnotationSegResolver {
  @FieldResolver(() => String, { description: 'this version as a DICOM SEG (application/dicom; produced and stored in the study on first use)' })
  segDownloadUrl(@Root() version: AnnotationVersionType): string {
    return segDownloadUrl(version.id);
  }
}
