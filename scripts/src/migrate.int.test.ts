// The migrations as `npm start`, compose and the k8s Job apply them: through the Prisma CLI's wasm
// schema engine, which splits scripts on every semicolon (even in comments and dollar-quoted
// bodies). The test helpers apply migration.sql whole, so only this test catches a script the CLI
// would break.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '@imaging/config';
import { migrate } from './migrate';
import { repoRoot } from './paths';

describe('migrations through the Prisma CLI', () => {
  const admin = loadConfig().testAdminDatabaseUrl;
  const name = `migrate_cli_${process.pid}`;
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const query = async (connectionString: string, sql: string) => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  beforeAll(() => query(admin, `CREATE DATABASE "${name}"`));
  afterAll(() => query(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

  it('applies every migration to an empty database, and again as a no-op', async () => {
    const dirs = readdirSync(path.join(repoRoot(), 'prisma', 'migrations'), { withFileTypes: true }).filter((d) => d.isDirectory());
    migrate(url.toString());
    const applied = await query(url.toString(), `SELECT migration_name, finished_at IS NOT NULL AS done FROM "_prisma_migrations"`);
    expect(applied.filter((m) => m.done).length).toBe(dirs.length);
    migrate(url.toString());
    // the objects made by PL/pgSQL bodies exist and work
    const triggers = await query(url.toString(), `SELECT tgname FROM pg_trigger WHERE tgname IN ('audit_event_no_update_delete', 'ReviewTask_notify')`);
    expect(triggers.length).toBe(2);
  }, 180_000);
});
