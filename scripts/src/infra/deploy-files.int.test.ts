// What can be checked here of the Dockerfile and infra/docker-compose.yml without pulling images
// (none can be pulled on these machines): their structure, and the app role's SQL, run for real
// against Postgres with psql.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parse } from 'yaml';
import { loadConfig } from '@imaging/config';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Dockerfile stages: name → instructions, in order. */
function stages(): { name: string; lines: string[] }[] {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const out: { name: string; lines: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[1] ?? `stage${out.length}`, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

describe('Dockerfile', () => {
  const all = stages();
  const runtime = all.at(-1)!;

  it('ends in a runtime stage that installs production dependencies only and runs non-root', () => {
    expect(runtime.name).toBe('runtime');
    expect(runtime.lines.some((l) => /^RUN .*npm ci --omit=dev/.test(l))).toBe(true);
    const users = runtime.lines.filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(Number(users.at(-1)!.split(/\s+/)[1].split(':')[0])).toBeGreaterThan(0);
    expect(runtime.lines.findIndex((l) => l.startsWith('USER '))).toBeLessThan(runtime.lines.findIndex((l) => l.startsWith('CMD ')));
  });

  it('builds in its own stage and has a non-root migrate target', () => {
    expect(all.map((s) => s.name)).toEqual(['build', 'migrate', 'runtime']);
    expect(all[0].lines).toEqual(expect.arrayContaining([expect.stringMatching(/^RUN npm ci && npm run build/)]));
    expect(all[1].lines).toEqual(expect.arrayContaining(['USER 10001:10001', 'CMD ["npm", "run", "db:migrate:deploy"]']));
  });
});

describe('infra/docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'infra', 'docker-compose.yml'), 'utf8'), { merge: true });
  const s = compose.services;

  it('builds api, worker and web from the Dockerfile and connects them as the data-only role', () => {
    for (const name of ['api', 'worker', 'web']) {
      expect(s[name].build).toEqual({ context: '..', dockerfile: 'Dockerfile', target: 'runtime' });
      expect(new URL(s[name].environment.DATABASE_URL).username).toBe('imaging_app');
    }
    expect(s.migrate.build.target).toBe('migrate');
    expect(new URL(s.migrate.environment.DATABASE_URL).username).toBe(s.postgres.environment.POSTGRES_USER);
    expect(s.api.depends_on['app-role'].condition).toBe('service_completed_successfully');
  });

  it('keeps MinIO optional, behind the s3 profile, with the bucket the apps use', () => {
    expect(s.minio.profiles).toEqual(['s3']);
    expect(s['minio-bucket'].entrypoint.join(' ')).toContain(`local/${s.api.environment.S3_BUCKET}`);
    expect(s.api.environment.STORAGE_DRIVER).toBe('${STORAGE_DRIVER:-fs}');
  });
});

describe('infra/sql/app-role.sql', () => {
  const admin = loadConfig().testAdminDatabaseUrl;
  const db = `test_app_role_${randomBytes(4).toString('hex')}`;
  const role = 'imaging_app';
  const url = (user: string, password?: string) => {
    const u = new URL(admin);
    u.pathname = `/${db}`;
    u.username = user;
    if (password) u.password = password;
    return u.toString();
  };
  const psql = (...args: string[]) => spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '-q', ...args], { encoding: 'utf8' });
  const sql = async (connectionString: string, text: string) => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    try { return await c.query(text); } finally { await c.end(); }
  };

  beforeAll(async () => {
    await sql(admin, `CREATE DATABASE ${db}`);
    await sql(url(new URL(admin).username), 'CREATE TABLE "_prisma_migrations"(id text); CREATE TABLE "Study"(id serial PRIMARY KEY, uid text)');
  });
  afterAll(async () => {
    await sql(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await sql(admin, `DROP ROLE IF EXISTS ${role}`);
  });

  it('gives the app role data rights only, twice without error, and on tables created later', async () => {
    const owner = url(new URL(admin).username);
    for (let i = 0; i < 2; i++) {
      const run = psql(owner, '-v', 'app_password=test-app-password', '-f', path.join(ROOT, 'infra', 'sql', 'app-role.sql'));
      if (run.error) throw new Error(`psql not runnable (${run.error.message}); run scripts/setup-system.sh`);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    const app = url(role, 'test-app-password');
    await sql(app, `INSERT INTO "Study"(uid) VALUES ('1.2.3'); UPDATE "Study" SET uid = '1.2.4'; DELETE FROM "Study"`);
    await expect(sql(app, 'CREATE TABLE evil(x int)')).rejects.toThrow(/permission denied/);
    await expect(sql(app, 'DROP TABLE "Study"')).rejects.toThrow(/must be owner/);
    await expect(sql(app, 'ALTER TABLE "Study" ADD COLUMN x int')).rejects.toThrow(/must be owner/);
    await expect(sql(app, 'SELECT * FROM "_prisma_migrations"')).rejects.toThrow(/permission denied/);
    await sql(owner, 'CREATE TABLE "Later"(id serial PRIMARY KEY)');
    expect((await sql(app, 'INSERT INTO "Later" DEFAULT VALUES RETURNING id')).rows).toHaveLength(1);
  });
});
