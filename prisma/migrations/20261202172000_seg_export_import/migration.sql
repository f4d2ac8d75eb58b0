-- DICOM SEG in and out: annotation versions converted from an uploaded Segmentation are IMPORTED,
-- each ingested SEG records whether it was converted (and why not), a version remembers the SEG
-- exported from it, so the export's own ingest is recognised and not imported back.
ALTER TYPE "MaskSource" ADD VALUE 'IMPORTED';

CREATE TYPE "SegImportState" AS ENUM ('CONVERTED', 'NOT_CONVERTED', 'EXPORTED');

ALTER TABLE "AnnotationVersion" ADD COLUMN     "segSopInstanceUid" TEXT;

CREATE TABLE "SegmentationImport" (
    "instanceDbId" UUID NOT NULL,
    "state" "SegImportState" NOT NULL,
    "reason" TEXT,
    "annotationId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SegmentationImport_pkey" PRIMARY KEY ("instanceDbId")
);

CREATE UNIQUE INDEX "AnnotationVersion_segSopInstanceUid_key" ON "AnnotationVersion"("segSopInstanceUid");
