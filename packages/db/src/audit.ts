// Append-only, hash-chained audit trail. Each row's hash = sha256(prevHash + canonical row), and
// ids are gap-free (assigned under one advisory lock), so a changed, removed, inserted or
// reordered row breaks verification. A trigger (see prisma/migrations) refuses UPDATE/DELETE.
import { createHash } from 'node:crypto';
import type { Db, Tx } from './client';
import { inPoolTransaction, inSqlTransaction, prismaSql, type Sql } from './sql';
import type { ActorType, AuditOutcome } from './generated/prisma/enums';

/** Key of the transaction-scoped advisory lock that serialises appends to the chain. */
const AUDIT_CHAIN_LOCK = 72_200_117;
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  outcome: AuditOutcome;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
  /** IP of the request; hashed only when present, so rows from before the column still verify. */
  clientAddress?: string | null;
}

export interface AuditRow extends AuditInput {
  id: bigint;
  at: Date;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level, so jsonb's key reordering cannot change a hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const canonical = canonicalJson([
    row.id.toString(), row.at.toISOString(), row.actorType, row.actorId ?? null, row.action,
    row.resourceType, row.resourceId ?? null, row.outcome, row.requestId ?? null, row.details ?? null,
    ...(row.clientAddress ? [row.clientAddress] : []),
  ]);
  return createHash('sha256').update(row.prevHash).update(canonical).digest('hex');
}

/** Appends one event to the chain inside the caller's transaction (a Prisma transaction or plain
 *  Sql). Call it last in a transaction: the chain lock is held until commit. On pool Sql (no
 *  transaction: a read that is audited) the append gets a transaction of its own, since the lock,
 *  the read of the chain's head and the insert must happen on one connection under one lock. */
export async function appendAudit(tx: Tx | Sql, event: AuditInput): Promise<AuditRow> {
  const sql = 'query' in tx && typeof tx.query === 'function' ? (tx as Sql) : prismaSql(tx as Tx);
  if (sql.pool) return inPoolTransaction(sql.pool, (t) => appendAudit(t, event));
  await sql.query('SELECT 1 AS locked FROM pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK]);
  const [last] = await sql.query<{ lastId: string; hash: string }>('SELECT "id"::text AS "lastId", "hash" FROM "AuditEvent" ORDER BY "AuditEvent"."id" DESC LIMIT 1');
  const partial = {
    ...event,
    id: last ? BigInt(last.lastId) + 1n : 1n,
    at: new Date(),
    prevHash: last ? last.hash : GENESIS_HASH,
    details: event.details ?? null,
  };
  const row: AuditRow = { ...partial, hash: auditHash(partial) };
  await sql.query(
    `INSERT INTO "AuditEvent" ("id", "at", "actorType", "actorId", "action", "resourceType", "resourceId", "outcome", "requestId", "details", "prevHash", "hash", "clientAddress")
     VALUES ($1::bigint, $2::timestamp, $3::"ActorType", $4, $5, $6, $7, $8::"AuditOutcome", $9, $10::jsonb, $11, $12, $13)`,
    [row.id.toString(), row.at.toISOString(), row.actorType, row.actorId ?? null, row.action, row.resourceType, row.resourceId ?? null,
      row.outcome, row.requestId ?? null, row.details ? JSON.stringify(row.details) : null, row.prevHash, row.hash, row.clientAddress ?? null],
  );
  return row;
}

/** Records an event in its own transaction (denied or failed attempts, which change nothing else). */
export function recordAudit(db: Db, event: AuditInput): Promise<AuditRow> {
  return inSqlTransaction(db, (sql) => appendAudit(sql, event));
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBadId: string | null;
  reason: string | null;
}

/** Walks the whole chain in id order, in pages, and reports the first row that does not verify. */
export async function verifyAuditChain(db: Db, pageSize = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedId = 1n;
  let checked = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({ where: { id: { gte: expectedId } }, orderBy: { id: 'asc' }, take: pageSize });
    for (const r of rows) {
      const bad = (reason: string): AuditVerification => ({ ok: false, checked, firstBadId: r.id.toString(), reason });
      if (r.id !== expectedId) return bad(`row ${expectedId} is missing (next row is ${r.id})`);
      if (r.prevHash !== prevHash) return bad('prevHash does not match the previous row (removed or reordered rows)');
      const details = (r.details ?? null) as Record<string, unknown> | null;
      if (auditHash({ ...r, details }) !== r.hash) return bad('row content does not match its hash (tampered)');
      prevHash = r.hash;
      expectedId += 1n;
      checked += 1;
    }
    if (rows.length < pageSize) return { ok: true, checked, firstBadId: null, reason: null };
  }
}
