-- De-identified research exports (PS3.15 Annex E): projects with their one key, the private pseudonym table, export rows with progress and report.
-- CreateEnum
CREATE TYPE "DeidentifiedExportState" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "ExportDestination" AS ENUM ('ARCHIVE', 'REMOTE_AE');

-- CreateTable
CREATE TABLE "ResearchProject" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ResearchProject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Pseudonym" (
    "projectId" UUID NOT NULL,
    "originalPatientId" TEXT NOT NULL,
    "originalIssuer" TEXT NOT NULL DEFAULT '',
    "pseudonym" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Pseudonym_pkey" PRIMARY KEY ("projectId","originalPatientId","originalIssuer")
);

-- CreateTable
CREATE TABLE "DeidentifiedExport" (
    "id" UUID NOT NULL,
    "state" "DeidentifiedExportState" NOT NULL,
    "projectId" UUID NOT NULL,
    "studyInstanceUids" TEXT[],
    "options" JSONB NOT NULL,
    "destination" "ExportDestination" NOT NULL,
    "remoteAeId" UUID,
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "exported" INTEGER NOT NULL DEFAULT 0,
    "refused" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB NOT NULL DEFAULT '{}',
    "archiveKey" TEXT,
    "archiveBytes" BIGINT,
    "error" TEXT,
    "errorCode" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "DeidentifiedExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ResearchProject_name_key" ON "ResearchProject"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Pseudonym_projectId_pseudonym_key" ON "Pseudonym"("projectId", "pseudonym");

-- CreateIndex
CREATE INDEX "DeidentifiedExport_createdAt_idx" ON "DeidentifiedExport"("createdAt");

-- CreateIndex
CREATE INDEX "DeidentifiedExport_state_idx" ON "DeidentifiedExport"("state");

