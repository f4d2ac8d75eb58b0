// A fresh database per test file, cloned from a template that the migrations in prisma/migrations
// built once (keyed by their content hash), so tests never see leftovers and run beside a dev server.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '@imaging/config';

export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'prisma', 'migrations'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (prisma/migrations)');
    dir = up;
  }
  return dir;
}

export function migrationScripts(root = repoRoot()): { name: string; sql: string }[] {
  const dir = path.join(root, 'prisma', 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') }));
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: loadConfig().testAdminDatabaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Builds (once per migration set) the migrated template database and returns its name. */
export async function ensureTemplateDatabase(): Promise<string> {
  const scripts = migrationScripts();
  const digest = createHash('sha256').update(JSON.stringify(scripts)).digest('hex').slice(0, 16);
  const template = `imaging_tpl_${digest}`;
  return adminQuery(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(72200118)');
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount) return template;
      const building = `${template}_build`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const c = new pg.Client({ connectionString: withDatabase(loadConfig().testAdminDatabaseUrl, building) });
      await c.connect();
      try {
        for (const s of scripts) await c.query(s.sql);
      } finally {
        await c.end();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
      const stale = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'imaging_tpl_%' AND datname <> $1 AND datname NOT LIKE '%_build'`, [template]);
      for (const r of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}"`).catch(() => undefined);
      return template;
    } finally {
      await admin.query('SELECT pg_advisory_unlock(72200118)');
    }
  });
}

export interface TestDatabase { name: string; url: string; drop(): Promise<void> }

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplateDatabase();
  const name = `imaging_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: withDatabase(loadConfig().testAdminDatabaseUrl, name),
    drop: () => adminQuery((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
