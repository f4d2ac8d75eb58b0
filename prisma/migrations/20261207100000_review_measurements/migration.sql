-- Measurements saved with a review decision (issue 17): tool, points on one frame, computed values

-- CreateTable
CREATE TABLE "ReviewMeasurement" (
    "id" UUID NOT NULL,
    "decisionId" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "instanceDbId" UUID NOT NULL,
    "frame" INTEGER NOT NULL DEFAULT 1,
    "tool" TEXT NOT NULL,
    "label" TEXT,
    "points" JSONB NOT NULL,
    "lengthMm" DOUBLE PRECISION,
    "widthMm" DOUBLE PRECISION,
    "angleDeg" DOUBLE PRECISION,
    "areaMm2" DOUBLE PRECISION,
    "meanHu" DOUBLE PRECISION,
    "stdDevHu" DOUBLE PRECISION,
    "valueHu" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewMeasurement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReviewMeasurement_decisionId_ordinal_key" ON "ReviewMeasurement"("decisionId", "ordinal");

-- AddForeignKey
ALTER TABLE "ReviewMeasurement" ADD CONSTRAINT "ReviewMeasurement_decisionId_fkey" FOREIGN KEY ("decisionId") REFERENCES "ReviewDecision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewMeasurement" ADD CONSTRAINT "ReviewMeasurement_instanceDbId_fkey" FOREIGN KEY ("instanceDbId") REFERENCES "Instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
