-- The client address of the request an audit event came from (null for system work and rows
-- written before this column). Adding a column does not touch existing rows, so the append-only
-- trigger and the hash chain are unaffected, new rows hash it when present.
ALTER TABLE "AuditEvent" ADD COLUMN "clientAddress" TEXT;
