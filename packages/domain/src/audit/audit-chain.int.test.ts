// The audit trail on a real Postgres: appends are chained, the trigger refuses UPDATE/DELETE, and
// verification finds a tampered, removed, inserted or reordered row (tampering done with the
// trigger disabled, as a superuser could).
import pg from 'pg';
import { appendAudit, auditContentHash, auditHash, GENESIS_HASH, inTransaction, poolSql, recordAudit, verifyAuditChain } from '@imaging/db';
import { createTestServices, type TestServices } from '@imaging/testing';

async function appendMany(s: TestServices, n: number) {
  for (let i = 0; i < n; i++) {
    await inTransaction(s.db, (tx) => appendAudit(tx, {
      actorType: 'USER', actorId: `u${i}`, action: 'study.read', resourceType: 'Study', resourceId: `1.2.${i}`, outcome: 'SUCCESS', requestId: `r${i}`,
      details: { z: i, a: [1, 2, { y: 'x', b: null }] },
    }));
  }
}

async function asSuperuser<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

async function tamper(url: string, sql: string) {
  await asSuperuser(url, async (c) => {
    await c.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER audit_event_no_update_delete');
    await c.query(sql);
    await c.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER audit_event_no_update_delete');
  });
}

describe('audit chain', () => {
  let s: TestServices;
  beforeEach(async () => {
    s = await createTestServices();
    await appendMany(s, 6);
  });
  afterEach(() => s.close());

  it('verifies an untouched chain', async () => {
    expect(await verifyAuditChain(s.db)).toEqual({ ok: true, checked: 6, firstBadId: null, reason: null });
  });

  it('keeps the chain consistent under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => inTransaction(s.db, (tx) => appendAudit(tx, {
      actorType: 'SYSTEM', action: 'parallel', resourceType: 'Test', resourceId: String(i), outcome: 'SUCCESS',
    }))));
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: true, checked: 26 });
  });

  it('keeps the chain consistent when audited reads append on the pool, outside a transaction', async () => {
    // (the worklist and task reads do this; before, the lock ended with its own statement and
    // 50 concurrent worklist requests collided on the next id)
    await Promise.all(Array.from({ length: 30 }, (_, i) => appendAudit(poolSql(s.db), {
      actorType: 'SYSTEM', action: 'parallel.read', resourceType: 'Test', resourceId: String(i), outcome: 'SUCCESS',
    })));
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: true, checked: 36 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE through the trigger', async () => {
    await asSuperuser(s.databaseUrl, async (c) => {
      await expect(c.query(`UPDATE "AuditEvent" SET "action" = 'x' WHERE "id" = 2`)).rejects.toThrow(/append-only/);
      await expect(c.query('DELETE FROM "AuditEvent" WHERE "id" = 2')).rejects.toThrow(/append-only/);
      await expect(c.query('TRUNCATE "AuditEvent"')).rejects.toThrow(/append-only/);
    });
    expect(await s.db.auditEvent.count()).toBe(6);
  });

  it('records concurrent audited reads in batched INSERTs (group commit), each durable and linked when its promise resolves', async () => {
    const before = s.queryCounter.count;
    const rows = await Promise.all(Array.from({ length: 40 }, (_, i) => recordAudit(s.db, {
      actorType: 'USER', actorId: `reader${i}`, action: 'worklist.read', resourceType: 'ReviewTask', outcome: 'SUCCESS', details: { i },
    })));
    const statements = s.queryCounter.count - before;
    expect(statements).toBeLessThan(40);
    expect(new Set(rows.map((r) => r.id)).size).toBe(40);
    const stored = await s.db.auditEvent.findMany({ where: { action: 'worklist.read' }, orderBy: { id: 'asc' } });
    // each caller got its own row back
    for (const r of rows) expect(stored.find((x) => x.id === r.id)).toMatchObject({ actorId: r.actorId, hash: r.hash, prevHash: r.prevHash });
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: true, checked: 46 });
  });

  it('detects a tampered row', async () => {
    await tamper(s.databaseUrl, `UPDATE "AuditEvent" SET "outcome" = 'DENIED' WHERE "id" = 3`);
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: false, firstBadId: '3', reason: expect.stringMatching(/tampered/) });
  });

  it('detects tampered details, even when only JSON content changes', async () => {
    await tamper(s.databaseUrl, `UPDATE "AuditEvent" SET "details" = jsonb_set("details", '{z}', '99') WHERE "id" = 4`);
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: false, firstBadId: '4' });
  });

  it('detects a removed row', async () => {
    await tamper(s.databaseUrl, 'DELETE FROM "AuditEvent" WHERE "id" = 2');
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: false, firstBadId: '3', reason: expect.stringMatching(/missing/) });
  });

  it('detects reordered rows', async () => {
    await tamper(s.databaseUrl, `UPDATE "AuditEvent" SET "id" = CASE "id" WHEN 2 THEN -3 WHEN 3 THEN -2 END WHERE "id" IN (2, 3);
      UPDATE "AuditEvent" SET "id" = -"id" WHERE "id" < 0`);
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: false, firstBadId: '2' });
  });

  it('detects a forged row whose own hash is right but which was spliced into the chain', async () => {
    const [row] = await s.db.auditEvent.findMany({ where: { id: 5n } });
    await tamper(s.databaseUrl, `UPDATE "AuditEvent" SET "prevHash" = '${'f'.repeat(64)}' WHERE "id" = ${row.id}`);
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: false, firstBadId: '5' });
  });

  it('detects a row whose content hash was recomputed after tampering but whose link was not', async () => {
    const [row] = await s.db.auditEvent.findMany({ where: { id: 4n } });
    const forged = auditContentHash({ ...row, outcome: 'DENIED', details: row.details as Record<string, unknown> });
    await tamper(s.databaseUrl, `UPDATE "AuditEvent" SET "outcome" = 'DENIED', "contentHash" = '${forged}' WHERE "id" = 4`);
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: false, firstBadId: '4', reason: expect.stringMatching(/place in the chain/) });
  });

  it('links rows in the database to a chain begun by the application (rows from before the trigger still verify)', async () => {
    const fresh = await createTestServices();
    try {
      let prevHash = GENESIS_HASH;
      await asSuperuser(fresh.databaseUrl, async (c) => {
        for (const id of [1n, 2n]) {
          const row = { id, at: new Date(), actorType: 'SYSTEM' as const, action: 'before.trigger', resourceType: 'Test', resourceId: String(id), outcome: 'SUCCESS' as const, details: { n: Number(id) }, prevHash };
          const hash = auditHash(row);
          await c.query(`INSERT INTO "AuditEvent" ("id", "at", "actorType", "action", "resourceType", "resourceId", "outcome", "details", "prevHash", "hash")
            VALUES ($1, $2, 'SYSTEM', $3, $4, $5, 'SUCCESS', $6, $7, $8)`, [id.toString(), row.at.toISOString(), row.action, row.resourceType, row.resourceId, JSON.stringify(row.details), prevHash, hash]);
          prevHash = hash;
        }
      });
      const appended = await appendAudit(poolSql(fresh.db), { actorType: 'SYSTEM', action: 'after.trigger', resourceType: 'Test', outcome: 'SUCCESS' });
      expect(appended).toMatchObject({ id: 3n, prevHash });
      expect(await verifyAuditChain(fresh.db)).toEqual({ ok: true, checked: 3, firstBadId: null, reason: null });
    } finally {
      await fresh.close();
    }
  });
});
