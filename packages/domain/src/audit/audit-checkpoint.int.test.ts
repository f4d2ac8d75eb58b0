// The chain head anchored outside the database: an owner who disables the append-only trigger
// and deletes the tail leaves a chain that still verifies, but not against the checkpoint.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { appendAudit, inTransaction, verifyAuditChain } from '@imaging/db';
import { createTestServices, type TestServices } from '@imaging/testing';
import { verifyAuditCheckpoint, writeAuditCheckpoint } from './audit-checkpoint';

const hmacKey = 'test-audit-hmac-key';
let s: TestServices;
let dir: string;

beforeAll(async () => {
  s = await createTestServices();
  dir = await mkdtemp(join(tmpdir(), 'audit-checkpoints-'));
});
afterAll(() => s.close());

async function append(n: number) {
  for (let i = 0; i < n; i++) {
    await inTransaction(s.db, (tx) => appendAudit(tx, { actorType: 'SYSTEM', actorId: 'system', action: 'test.event', resourceType: 'Test', outcome: 'SUCCESS' }));
  }
}

it('detects tail rows deleted after a checkpoint although the chain itself still verifies', async () => {
  await append(5);
  const cp = (await writeAuditCheckpoint(s, { dir, hmacKey }))!;
  await append(2);
  expect(await verifyAuditCheckpoint(s, { dir, hmacKey })).toEqual({ ok: true, checkpointId: cp.id });

  const c = new pg.Client({ connectionString: s.databaseUrl });
  await c.connect();
  try {
    await c.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER audit_event_no_update_delete');
    await c.query('DELETE FROM "AuditEvent" WHERE id >= $1', [BigInt(cp.id) - 1n]);
    await c.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER audit_event_no_update_delete');
  } finally {
    await c.end();
  }
  expect((await verifyAuditChain(s.db)).ok).toBe(true);
  expect(await verifyAuditCheckpoint(s, { dir, hmacKey })).toEqual({ ok: false, checkpointId: cp.id, reason: `audit chain truncated or rewritten after checkpoint ${cp.id}` });
  expect((await verifyAuditCheckpoint(s, { dir, hmacKey: 'another key' })).ok).toBe(false);
});
