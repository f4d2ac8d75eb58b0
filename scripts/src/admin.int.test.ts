// The admin CLI as an operator runs it: a real process against a real database.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createTestServices, type TestServices } from '@imaging/testing';
import { principalFromApiKey, verifyPassword } from '@imaging/auth';

const CLI = path.join(__dirname, '..', 'dist', 'admin.js');

function admin(s: TestServices, ...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, DATABASE_URL: s.databaseUrl, REDIS_URL: s.config.redisUrl, STORAGE_DIR: s.config.storageDir, AUDIT_CHECKPOINT_DIR: s.config.auditCheckpointDir, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('npm run admin', () => {
  let s: TestServices;
  beforeAll(async () => { s = await createTestServices(); });
  afterAll(() => s.close());

  it('creates a user who can log in with the given password', async () => {
    const r = admin(s, 'create-user', '--email', 'Ops@Example.org', '--password', 'a long password 1', '--role', 'radiologist');
    expect(r).toMatchObject({ code: 0 });
    const user = await s.db.user.findUnique({ where: { email: 'ops@example.org' } });
    expect(user?.role).toBe('RADIOLOGIST');
    expect(await verifyPassword('a long password 1', user!.passwordHash)).toBe(true);
    expect(admin(s, 'create-user', '--email', 'ops@example.org', '--password', 'a long password 1', '--role', 'ADMIN'))
      .toMatchObject({ code: 1, err: expect.stringContaining('CONFLICT') });
  });

  it('creates an API key, prints it once, and stores only its hash', async () => {
    const r = admin(s, 'create-api-key', '--name', 'pacs bridge');
    expect(r.code).toBe(0);
    const key = r.out.trim().split('\n').pop()!;
    expect(key).toMatch(/^irp_/);
    expect(await principalFromApiKey(s.db, key)).toMatchObject({ kind: 'apiKey', role: 'INTEGRATOR', name: 'pacs bridge' });
    const stored = await s.db.apiKey.findFirst({ where: { name: 'pacs bridge' } });
    expect(JSON.stringify(stored)).not.toContain(key);
  });

  it('verify-audit exits 0 on an intact chain and 1 on a tampered one', async () => {
    expect(admin(s, 'verify-audit')).toMatchObject({ code: 0, out: expect.stringMatching(/audit chain OK: [1-9]\d* events/) });
    const c = new pg.Client({ connectionString: s.databaseUrl });
    await c.connect();
    await c.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER audit_event_no_update_delete');
    await c.query(`UPDATE "AuditEvent" SET "action" = 'user.delete' WHERE "id" = 1`);
    await c.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER audit_event_no_update_delete');
    await c.end();
    expect(admin(s, 'verify-audit')).toMatchObject({ code: 1, err: expect.stringMatching(/BROKEN at event 1/) });
  });

  it('prints usage for an unknown command', () => {
    expect(admin(s, 'frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('usage') });
  });
});
