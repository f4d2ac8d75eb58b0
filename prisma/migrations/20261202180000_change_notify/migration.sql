-- Subscriptions wake on change instead of polling: a statement that changes the rows a
-- subscription reads notifies channel "imaging_changes" with its topic (one notification per
-- statement, identical ones in a transaction are folded into one by Postgres, sent at commit).
-- Prisma's wasm schema engine splits scripts on every semicolon (see 20261125014800), so the
-- PL/pgSQL body writes its semicolons as the escape \073.
CREATE FUNCTION "notify_change"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN PERFORM pg_notify(''imaging_changes'', TG_ARGV[0])\073 RETURN NULL\073 END\073';

CREATE TRIGGER "SeriesProcessing_notify" AFTER INSERT OR UPDATE OR DELETE ON "SeriesProcessing"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_change"('processing');
CREATE TRIGGER "ProcessingStage_notify" AFTER INSERT OR UPDATE OR DELETE ON "ProcessingStage"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_change"('processing');
CREATE TRIGGER "ReviewTask_notify" AFTER INSERT OR UPDATE OR DELETE ON "ReviewTask"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_change"('review');
CREATE TRIGGER "TrainingRun_notify" AFTER INSERT OR UPDATE OR DELETE ON "TrainingRun"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_change"('training');
