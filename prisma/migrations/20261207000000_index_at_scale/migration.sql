-- The index at 100k studies (bench:scale): QIDO's default order (newest study first) as an index,
-- so the first page is read in order instead of sorting every study
CREATE INDEX "Study_studyDate_desc_uid_idx" ON "Study" ("studyDate" DESC NULLS LAST, "studyInstanceUid");

-- Patient name matching: a prefix (SMITH*) through a pattern-ops btree (the database collation is
-- not C, so the plain btree cannot serve LIKE), any other wildcard (*ANNA*) through trigrams
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Patient_patientNameKey_pattern_idx" ON "Patient" ("patientNameKey" text_pattern_ops);
CREATE INDEX "Patient_patientNameKey_trgm_idx" ON "Patient" USING gin ("patientNameKey" gin_trgm_ops);
CREATE INDEX "Study_descriptionKey_pattern_idx" ON "Study" ("descriptionKey" text_pattern_ops);
