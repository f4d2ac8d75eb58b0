-- The audit trail is append-only: refuse UPDATE, DELETE and TRUNCATE at the database, whatever the
-- client. Tampering therefore needs superuser rights to disable the trigger, and even then the
-- hash chain (hash = sha256(prevHash + canonical row)) exposes it: `npm run admin -- verify-audit`.
-- Prisma's wasm schema engine splits migration scripts on every semicolon (it ignores dollar and
-- single quoting), so the PL/pgSQL body writes its semicolons as the escape \073.
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN RAISE EXCEPTION ''AuditEvent is append-only: % refused'', TG_OP USING ERRCODE = ''insufficient_privilege''\073 END\073';

CREATE TRIGGER audit_event_no_update_delete
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
