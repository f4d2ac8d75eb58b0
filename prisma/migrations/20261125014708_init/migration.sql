-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'RADIOLOGIST', 'INTEGRATOR');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('USER', 'API_KEY', 'SYSTEM', 'ANONYMOUS');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('SUCCESS', 'DENIED', 'FAILURE');

-- CreateTable
CREATE TABLE "Patient" (
    "id" UUID NOT NULL,
    "patientId" TEXT NOT NULL,
    "issuer" TEXT NOT NULL DEFAULT '',
    "patientName" TEXT,
    "patientNameKey" TEXT,
    "birthDate" TEXT,
    "sex" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Patient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Study" (
    "id" UUID NOT NULL,
    "studyInstanceUid" TEXT NOT NULL,
    "patientDbId" UUID NOT NULL,
    "studyDate" DATE,
    "studyTime" TEXT,
    "accessionNumber" TEXT,
    "description" TEXT,
    "descriptionKey" TEXT,
    "referringPhysician" TEXT,
    "studyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Study_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Series" (
    "id" UUID NOT NULL,
    "seriesInstanceUid" TEXT NOT NULL,
    "studyDbId" UUID NOT NULL,
    "modality" TEXT,
    "seriesNumber" INTEGER,
    "description" TEXT,
    "bodyPart" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Series_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Instance" (
    "id" UUID NOT NULL,
    "sopInstanceUid" TEXT NOT NULL,
    "sopClassUid" TEXT NOT NULL,
    "seriesDbId" UUID NOT NULL,
    "instanceNumber" INTEGER,
    "transferSyntaxUid" TEXT NOT NULL,
    "rows" INTEGER,
    "columns" INTEGER,
    "numberOfFrames" INTEGER,
    "bitsAllocated" INTEGER,
    "photometric" TEXT,
    "sizeBytes" BIGINT NOT NULL,
    "storedBytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "resourceId" TEXT,
    "outcome" "AuditOutcome" NOT NULL,
    "requestId" TEXT,
    "details" JSONB,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Patient_patientNameKey_idx" ON "Patient"("patientNameKey");

-- CreateIndex
CREATE UNIQUE INDEX "Patient_patientId_issuer_key" ON "Patient"("patientId", "issuer");

-- CreateIndex
CREATE UNIQUE INDEX "Study_studyInstanceUid_key" ON "Study"("studyInstanceUid");

-- CreateIndex
CREATE INDEX "Study_patientDbId_idx" ON "Study"("patientDbId");

-- CreateIndex
CREATE INDEX "Study_studyDate_idx" ON "Study"("studyDate");

-- CreateIndex
CREATE INDEX "Study_accessionNumber_idx" ON "Study"("accessionNumber");

-- CreateIndex
CREATE INDEX "Study_descriptionKey_idx" ON "Study"("descriptionKey");

-- CreateIndex
CREATE INDEX "Study_createdAt_idx" ON "Study"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Series_seriesInstanceUid_key" ON "Series"("seriesInstanceUid");

-- CreateIndex
CREATE INDEX "Series_studyDbId_idx" ON "Series"("studyDbId");

-- CreateIndex
CREATE INDEX "Series_modality_idx" ON "Series"("modality");

-- CreateIndex
CREATE UNIQUE INDEX "Instance_sopInstanceUid_key" ON "Instance"("sopInstanceUid");

-- CreateIndex
CREATE INDEX "Instance_seriesDbId_instanceNumber_idx" ON "Instance"("seriesDbId", "instanceNumber");

-- CreateIndex
CREATE INDEX "Instance_sha256_idx" ON "Instance"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_at_idx" ON "AuditEvent"("actorId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_resourceType_resourceId_idx" ON "AuditEvent"("resourceType", "resourceId");

-- AddForeignKey
ALTER TABLE "Study" ADD CONSTRAINT "Study_patientDbId_fkey" FOREIGN KEY ("patientDbId") REFERENCES "Patient"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Series" ADD CONSTRAINT "Series_studyDbId_fkey" FOREIGN KEY ("studyDbId") REFERENCES "Study"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_seriesDbId_fkey" FOREIGN KEY ("seriesDbId") REFERENCES "Series"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
