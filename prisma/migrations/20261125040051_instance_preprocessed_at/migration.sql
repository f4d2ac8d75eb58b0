-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "preprocessedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Instance_preprocessedAt_createdAt_idx" ON "Instance"("preprocessedAt", "createdAt");
