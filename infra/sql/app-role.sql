-- The application's database role: data rights (SELECT, INSERT, UPDATE, DELETE) on the tables
-- the migrations create, and nothing else: it cannot create, alter or drop tables, so a bug or an
-- injection in the app cannot change the schema or drop the audit log. Migrations run as the
-- owner (MIGRATE_DATABASE_URL); the app connects as imaging_app (DATABASE_URL).
-- Run once as the owner, after the first migration, with psql:
--   psql "$MIGRATE_DATABASE_URL" -v app_password='...' -f infra/sql/app-role.sql
-- Idempotent. The default privileges cover tables and sequences that later migrations create.
SELECT format('CREATE ROLE imaging_app LOGIN PASSWORD %L', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imaging_app') \gexec
ALTER ROLE imaging_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO imaging_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO imaging_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO imaging_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO imaging_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO imaging_app;
-- Prisma's bookkeeping table is the migrator's alone
REVOKE ALL ON TABLE "_prisma_migrations" FROM imaging_app;
