-- The index at 100k studies (bench:scale): QIDO's default order (newest study first) as an index,
-- so the first page is read in order instead of sorting every study
CREATE INDEX "Study_studyDate_desc_uid_idx" ON "Study" ("studyDate" DESC NULLS LAST, "studyInstanceUid");

-- Patient name and study description matching by trigrams: a prefix (SMITH*) or any other
-- wildcard (*ANNA*). The plain btree cannot serve LIKE in a non-C collation, and no comment here may hold a semicolon (the Prisma CLI splits on them)
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Patient_patientNameKey_trgm_idx" ON "Patient" USING gin ("patientNameKey" gin_trgm_ops);
CREATE INDEX "Study_descriptionKey_trgm_idx" ON "Study" USING gin ("descriptionKey" gin_trgm_ops);
