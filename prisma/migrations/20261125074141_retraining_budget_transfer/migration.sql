-- CreateEnum
CREATE TYPE "TrainingRunState" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "ingestCpuMs" INTEGER;

-- CreateTable
CREATE TABLE "LabelledCaseSet" (
    "id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "createdById" UUID,
    "rejectedPolicy" TEXT NOT NULL,
    "counts" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LabelledCaseSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelledCase" (
    "setId" UUID NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "reviewTaskId" UUID NOT NULL,
    "annotationVersion" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "split" TEXT NOT NULL,
    "slices" INTEGER NOT NULL,
    "lesionSlices" INTEGER NOT NULL,

    CONSTRAINT "LabelledCase_pkey" PRIMARY KEY ("setId","seriesDbId")
);

-- CreateTable
CREATE TABLE "TrainingRun" (
    "id" UUID NOT NULL,
    "state" "TrainingRunState" NOT NULL,
    "caseSetId" UUID NOT NULL,
    "baseModelVersionId" UUID NOT NULL,
    "candidateModelVersionId" UUID,
    "backend" TEXT,
    "params" JSONB NOT NULL,
    "step" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL,
    "losses" JSONB NOT NULL DEFAULT '[]',
    "evaluation" JSONB,
    "gatePassed" BOOLEAN,
    "error" TEXT,
    "errorCode" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "TrainingRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BudgetDecision" (
    "id" UUID NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "studyDbId" UUID NOT NULL,
    "urgent" BOOLEAN NOT NULL,
    "spentToday" DOUBLE PRECISION NOT NULL,
    "ceiling" DOUBLE PRECISION,
    "tier" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "priority" INTEGER NOT NULL,
    "deferredUntil" TIMESTAMP(3),
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BudgetDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StudyTransfer" (
    "studyDbId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StudyTransfer_pkey" PRIMARY KEY ("studyDbId","day")
);

-- CreateIndex
CREATE UNIQUE INDEX "LabelledCaseSet_version_key" ON "LabelledCaseSet"("version");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingRun_candidateModelVersionId_key" ON "TrainingRun"("candidateModelVersionId");

-- CreateIndex
CREATE INDEX "TrainingRun_state_idx" ON "TrainingRun"("state");

-- CreateIndex
CREATE INDEX "TrainingRun_createdAt_idx" ON "TrainingRun"("createdAt");

-- CreateIndex
CREATE INDEX "BudgetDecision_createdAt_idx" ON "BudgetDecision"("createdAt");

-- CreateIndex
CREATE INDEX "BudgetDecision_seriesDbId_idx" ON "BudgetDecision"("seriesDbId");

-- CreateIndex
CREATE INDEX "StudyTransfer_day_idx" ON "StudyTransfer"("day");

-- AddForeignKey
ALTER TABLE "LabelledCase" ADD CONSTRAINT "LabelledCase_setId_fkey" FOREIGN KEY ("setId") REFERENCES "LabelledCaseSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingRun" ADD CONSTRAINT "TrainingRun_caseSetId_fkey" FOREIGN KEY ("caseSetId") REFERENCES "LabelledCaseSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
