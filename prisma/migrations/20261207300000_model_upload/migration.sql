-- Bring your own model: uploaded packages and their validation job, and a stored evaluation
-- (curves, confusion matrix, reliability table) per model version

-- CreateEnum
CREATE TYPE "ModelUploadState" AS ENUM ('QUEUED', 'VALIDATING', 'EVALUATING', 'SUCCEEDED', 'FAILED');

-- AlterTable
ALTER TABLE "ModelVersion" ADD COLUMN     "evaluation" JSONB;

-- CreateTable
CREATE TABLE "ModelUpload" (
    "id" UUID NOT NULL,
    "state" "ModelUploadState" NOT NULL,
    "fileName" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "modelVersionId" UUID,
    "modelName" TEXT,
    "evaluation" JSONB,
    "gatePassed" BOOLEAN,
    "errorCode" TEXT,
    "error" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ModelUpload_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ModelUpload_modelVersionId_key" ON "ModelUpload"("modelVersionId");

-- CreateIndex
CREATE INDEX "ModelUpload_createdAt_idx" ON "ModelUpload"("createdAt");

-- AddForeignKey
ALTER TABLE "ModelUpload" ADD CONSTRAINT "ModelUpload_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;
