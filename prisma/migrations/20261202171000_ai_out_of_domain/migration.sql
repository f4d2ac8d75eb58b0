-- Out-of-distribution guard: a result for a series outside the model's declared domain is
-- OUT_OF_DOMAIN with a reason code and the reasons in words, its review task is flagged.
CREATE TYPE "AiResultStatus" AS ENUM ('COMPLETE', 'OUT_OF_DOMAIN');

ALTER TABLE "AiResult" ADD COLUMN     "status" "AiResultStatus" NOT NULL DEFAULT 'COMPLETE',
ADD COLUMN     "domainReasonCode" TEXT,
ADD COLUMN     "domainReason" TEXT,
ADD COLUMN     "domainCheck" JSONB;

ALTER TABLE "ReviewTask" ADD COLUMN     "outOfDomain" BOOLEAN NOT NULL DEFAULT false;
