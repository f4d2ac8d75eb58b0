-- CreateEnum
CREATE TYPE "ModelStatus" AS ENUM ('CANDIDATE', 'ACTIVE', 'RETIRED');

-- CreateEnum
CREATE TYPE "ProcessingState" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'SKIPPED', 'FAILED');

-- CreateEnum
CREATE TYPE "MaskSource" AS ENUM ('AI', 'READER');

-- CreateEnum
CREATE TYPE "ReviewState" AS ENUM ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'SUBMITTED', 'SECOND_READ', 'FINAL', 'REJECTED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ReviewDecisionKind" AS ENUM ('APPROVE', 'CORRECT', 'REJECT');

-- CreateTable
CREATE TABLE "ModelVersion" (
    "id" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "status" "ModelStatus" NOT NULL,
    "inputSize" INTEGER NOT NULL,
    "metrics" JSONB NOT NULL,
    "training" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMP(3),
    "retiredAt" TIMESTAMP(3),

    CONSTRAINT "ModelVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModelArtifact" (
    "id" UUID NOT NULL,
    "modelVersionId" UUID NOT NULL,
    "variant" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "metrics" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModelArtifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SeriesProcessing" (
    "seriesDbId" UUID NOT NULL,
    "studyDbId" UUID NOT NULL,
    "state" "ProcessingState" NOT NULL,
    "urgent" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "errorCode" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SeriesProcessing_pkey" PRIMARY KEY ("seriesDbId")
);

-- CreateTable
CREATE TABLE "ProcessingStage" (
    "id" UUID NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "cpuMs" INTEGER NOT NULL DEFAULT 0,
    "items" INTEGER NOT NULL DEFAULT 0,
    "bytesIn" BIGINT NOT NULL DEFAULT 0,
    "bytesOut" BIGINT NOT NULL DEFAULT 0,
    "details" JSONB,

    CONSTRAINT "ProcessingStage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AiResult" (
    "id" UUID NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "studyDbId" UUID NOT NULL,
    "modelVersionId" UUID NOT NULL,
    "variant" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "lesionCount" INTEGER NOT NULL,
    "totalVolumeMl" DOUBLE PRECISION NOT NULL,
    "findings" JSONB NOT NULL,
    "slices" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AiResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AnnotationVersion" (
    "id" UUID NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "source" "MaskSource" NOT NULL,
    "authorId" UUID,
    "aiResultId" UUID,
    "reviewTaskId" UUID,
    "label" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AnnotationVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MaskSlice" (
    "annotationId" UUID NOT NULL,
    "instanceDbId" UUID NOT NULL,
    "rows" INTEGER NOT NULL,
    "columns" INTEGER NOT NULL,
    "area" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "MaskSlice_pkey" PRIMARY KEY ("annotationId","instanceDbId")
);

-- CreateTable
CREATE TABLE "ReviewTask" (
    "id" UUID NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "studyDbId" UUID NOT NULL,
    "aiResultId" UUID,
    "state" "ReviewState" NOT NULL,
    "urgent" BOOLEAN NOT NULL DEFAULT false,
    "aiLabel" TEXT,
    "aiScore" DOUBLE PRECISION,
    "assigneeId" UUID,
    "firstReaderId" UUID,
    "secondReadRequired" BOOLEAN NOT NULL DEFAULT false,
    "secondReadReason" TEXT,
    "disagreement" BOOLEAN,
    "claimedAt" TIMESTAMP(3),
    "lastActivityAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewDecision" (
    "id" UUID NOT NULL,
    "taskId" UUID NOT NULL,
    "readerId" UUID NOT NULL,
    "read" INTEGER NOT NULL,
    "decision" "ReviewDecisionKind" NOT NULL,
    "label" TEXT,
    "comment" TEXT,
    "annotationId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewDecision_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ModelVersion_version_key" ON "ModelVersion"("version");

-- CreateIndex
CREATE INDEX "ModelVersion_status_idx" ON "ModelVersion"("status");

-- CreateIndex
CREATE UNIQUE INDEX "ModelArtifact_modelVersionId_variant_key" ON "ModelArtifact"("modelVersionId", "variant");

-- CreateIndex
CREATE INDEX "SeriesProcessing_studyDbId_idx" ON "SeriesProcessing"("studyDbId");

-- CreateIndex
CREATE INDEX "SeriesProcessing_state_idx" ON "SeriesProcessing"("state");

-- CreateIndex
CREATE UNIQUE INDEX "ProcessingStage_seriesDbId_name_key" ON "ProcessingStage"("seriesDbId", "name");

-- CreateIndex
CREATE INDEX "AiResult_studyDbId_idx" ON "AiResult"("studyDbId");

-- CreateIndex
CREATE UNIQUE INDEX "AiResult_seriesDbId_modelVersionId_variant_key" ON "AiResult"("seriesDbId", "modelVersionId", "variant");

-- CreateIndex
CREATE UNIQUE INDEX "AnnotationVersion_seriesDbId_version_key" ON "AnnotationVersion"("seriesDbId", "version");

-- CreateIndex
CREATE INDEX "MaskSlice_instanceDbId_idx" ON "MaskSlice"("instanceDbId");

-- CreateIndex
CREATE UNIQUE INDEX "ReviewTask_seriesDbId_key" ON "ReviewTask"("seriesDbId");

-- CreateIndex
CREATE INDEX "ReviewTask_state_urgent_idx" ON "ReviewTask"("state", "urgent");

-- CreateIndex
CREATE INDEX "ReviewTask_assigneeId_state_idx" ON "ReviewTask"("assigneeId", "state");

-- CreateIndex
CREATE INDEX "ReviewTask_studyDbId_idx" ON "ReviewTask"("studyDbId");

-- CreateIndex
CREATE UNIQUE INDEX "ReviewDecision_taskId_read_key" ON "ReviewDecision"("taskId", "read");

-- AddForeignKey
ALTER TABLE "ModelArtifact" ADD CONSTRAINT "ModelArtifact_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SeriesProcessing" ADD CONSTRAINT "SeriesProcessing_seriesDbId_fkey" FOREIGN KEY ("seriesDbId") REFERENCES "Series"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProcessingStage" ADD CONSTRAINT "ProcessingStage_seriesDbId_fkey" FOREIGN KEY ("seriesDbId") REFERENCES "SeriesProcessing"("seriesDbId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AiResult" ADD CONSTRAINT "AiResult_seriesDbId_fkey" FOREIGN KEY ("seriesDbId") REFERENCES "Series"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AiResult" ADD CONSTRAINT "AiResult_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AnnotationVersion" ADD CONSTRAINT "AnnotationVersion_seriesDbId_fkey" FOREIGN KEY ("seriesDbId") REFERENCES "Series"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MaskSlice" ADD CONSTRAINT "MaskSlice_annotationId_fkey" FOREIGN KEY ("annotationId") REFERENCES "AnnotationVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MaskSlice" ADD CONSTRAINT "MaskSlice_instanceDbId_fkey" FOREIGN KEY ("instanceDbId") REFERENCES "Instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewTask" ADD CONSTRAINT "ReviewTask_seriesDbId_fkey" FOREIGN KEY ("seriesDbId") REFERENCES "Series"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewDecision" ADD CONSTRAINT "ReviewDecision_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "ReviewTask"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
