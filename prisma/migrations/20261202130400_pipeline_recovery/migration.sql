-- An instance whose preprocessing failed for good (poison input, or every retry spent) ends here
-- with its code instead of being re-enqueued forever, requeues count the sweep's fresh job ids.
ALTER TABLE "Instance" ADD COLUMN     "pipelineFailedAt" TIMESTAMP(3),
ADD COLUMN     "pipelineErrorCode" TEXT,
ADD COLUMN     "pipelineError" TEXT,
ADD COLUMN     "pipelineRequeues" INTEGER NOT NULL DEFAULT 0;

-- Series the sweep put back in the queue after their job was lost (worker deaths, Redis restart).
ALTER TABLE "SeriesProcessing" ADD COLUMN     "requeues" INTEGER NOT NULL DEFAULT 0;
