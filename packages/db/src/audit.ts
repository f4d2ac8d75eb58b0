// Append-only, hash-chained audit trail. Each row's hash = sha256(prevHash || contentHash || id),
// contentHash = sha256(canonical row), and ids are gap-free (assigned under one advisory lock by
// the audit_event_chain trigger at INSERT), so a changed, removed, inserted or reordered row
// breaks verification. Another trigger refuses UPDATE/DELETE/TRUNCATE (see prisma/migrations).
// Rows from before the trigger have hash = sha256(prevHash + canonical row incl. id) and verify so.
import { createHash } from 'node:crypto';
import type { Db, Tx } from './client';
import { poolSql, prismaSql, type Sql } from './sql';
import type { ActorType, AuditOutcome } from './generated/prisma/enums';

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

/** The hash of rows chained before the database made the links (no contentHash): over the whole row. */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const canonical = canonicalJson([
    row.id.toString(), row.at.toISOString(), row.actorType, row.actorId ?? null, row.action,
    row.resourceType, row.resourceId ?? null, row.outcome, row.requestId ?? null, row.details ?? null,
    ...(row.clientAddress ? [row.clientAddress] : []),
  ]);
  return createHash('sha256').update(row.prevHash).update(canonical).digest('hex');
}

/** sha256 of the canonical row without its place in the chain (id, prevHash): computed before the INSERT. */
export function auditContentHash(row: AuditInput & { at: Date }): string {
  const canonical = canonicalJson([
    row.at.toISOString(), row.actorType, row.actorId ?? null, row.action, row.resourceType, row.resourceId ?? null,
    row.outcome, row.requestId ?? null, row.details ?? null, row.clientAddress ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The link the audit_event_chain trigger computes: sha256(prevHash || contentHash || id). */
export function auditLinkHash(prevHash: string, contentHash: string, id: bigint): string {
  return createHash('sha256').update(`${prevHash}${contentHash}${id.toString()}`).digest('hex');
}

/** Appends one event to the chain inside the caller's transaction (a Prisma transaction or plain
 *  Sql), or as one autocommit statement on pool Sql (an audited read). The app hashes the content;
 *  the INSERT's trigger takes the chain lock and links the row (id, prevHash, hash), and the lock
 *  is held until commit: call it last in a transaction. */
export async function appendAudit(tx: Tx | Sql, event: AuditInput): Promise<AuditRow> {
  const sql = 'query' in tx && typeof tx.query === 'function' ? (tx as Sql) : prismaSql(tx as Tx);
  const at = new Date();
  const details = event.details ?? null;
  const contentHash = auditContentHash({ ...event, at, details });
  const [link] = await sql.query<{ id: string; prevHash: string; hash: string }>(
    `INSERT INTO "AuditEvent" ("at", "actorType", "actorId", "action", "resourceType", "resourceId", "outcome", "requestId", "details", "clientAddress", "contentHash", "prevHash", "hash")
     VALUES ($1::timestamp, $2::"ActorType", $3, $4, $5, $6, $7::"AuditOutcome", $8, $9::jsonb, $10, $11, '', '')
     RETURNING "id"::text AS "id", "prevHash", "hash"`,
    [at.toISOString(), event.actorType, event.actorId ?? null, event.action, event.resourceType, event.resourceId ?? null,
      event.outcome, event.requestId ?? null, details ? JSON.stringify(details) : null, event.clientAddress ?? null, contentHash],
  );
  return { ...event, details, at, id: BigInt(link.id), prevHash: link.prevHash, hash: link.hash };
}

/** Records an event on its own (reads, denied or failed attempts, which change nothing else): one
 *  autocommit INSERT, linked and committed in that statement. */
export function recordAudit(db: Db, event: AuditInput): Promise<AuditRow> {
  return appendAudit(poolSql(db), event);
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
      if (r.contentHash === null) {
        if (auditHash({ ...r, details }) !== r.hash) return bad('row content does not match its hash (tampered)');
      } else {
        if (auditContentHash({ ...r, details }) !== r.contentHash) return bad('row content does not match its hash (tampered)');
        if (auditLinkHash(r.prevHash, r.contentHash, r.id) !== r.hash) return bad('row hash does not match its place in the chain (tampered)');
      }
      prevHash = r.hash;
      expectedId += 1n;
      checked += 1;
    }
    if (rows.length < pageSize) return { ok: true, checked, firstBadId: null, reason: null };
  }
}
