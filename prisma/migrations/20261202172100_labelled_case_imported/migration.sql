-- A labelled case may take its truth from an imported DICOM SEG (annotation source IMPORTED) on a
-- series nobody reviewed: such a case has no deciding review task.
ALTER TABLE "LabelledCase" ALTER COLUMN "reviewTaskId" DROP NOT NULL;
