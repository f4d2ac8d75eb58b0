// Append-only, hash-chained audit trail. Each row's hash = sha256(prevHash || contentHash || id),
// contentHash = sha256(canonical row), and ids are gap-free (assigned under one advisory lock by
// the audit_event_chain trigger at INSERT), so a changed, removed, inserted or reordered row
// breaks verification. Another trigger refuses UPDATE/DELETE/TRUNCATE (see prisma/migrations).
// Rows from before the trigger have hash = sha256(prevHash + canonical row incl. id) and verify so.
import { createHash } from 'node:crypto';
import pg from 'pg';
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
  const [row] = await insertAuditRows(sql, [{ event, at: new Date() }]);
  return row;
}

const AUDIT_COLUMNS = 11;

/** One INSERT of rows in the given order; the trigger links each (it sees the rows before it). */
async function insertAuditRows(sql: Sql, events: { event: AuditInput; at: Date }[]): Promise<AuditRow[]> {
  const rows = events.map(({ event, at }) => {
    const details = event.details ?? null;
    return { event, at, details, contentHash: auditContentHash({ ...event, at, details }) };
  });
  const values: unknown[] = [];
  const tuples = rows.map(({ event, at, details, contentHash }, i) => {
    values.push(at.toISOString(), event.actorType, event.actorId ?? null, event.action, event.resourceType, event.resourceId ?? null,
      event.outcome, event.requestId ?? null, details ? JSON.stringify(details) : null, event.clientAddress ?? null, contentHash);
    const p = (k: number) => `$${i * AUDIT_COLUMNS + k}`;
    return `(${p(1)}::timestamp, ${p(2)}::"ActorType", ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::"AuditOutcome", ${p(8)}, ${p(9)}::jsonb, ${p(10)}, ${p(11)}, '', '')`;
  });
  const links = await sql.query<{ id: string; prevHash: string; hash: string; contentHash: string }>(
    `INSERT INTO "AuditEvent" ("at", "actorType", "actorId", "action", "resourceType", "resourceId", "outcome", "requestId", "details", "clientAddress", "contentHash", "prevHash", "hash")
     VALUES ${tuples.join(', ')}
     RETURNING "id"::text AS "id", "prevHash", "hash", "contentHash"`, values);
  // rows with equal content are interchangeable; any other mismatch is a bug worth failing on
  const byContent = new Map<string, { id: string; prevHash: string; hash: string }[]>();
  for (const l of links) byContent.set(l.contentHash, [...(byContent.get(l.contentHash) ?? []), l]);
  return rows.map(({ event, at, details, contentHash }) => {
    const link = byContent.get(contentHash)?.shift();
    if (!link) throw new Error('audit insert returned rows that do not match what was inserted');
    return { ...event, details, at, id: BigInt(link.id), prevHash: link.prevHash, hash: link.hash };
  });
}

/**
 * The INSERT of one audit event with its values inlined as escaped literals, for
 * inSqlTransaction's `last` (sent with the COMMIT, so the chain lock is held for one round trip).
 */
export function auditInsertStatement(event: AuditInput, at = new Date()): string {
  const details = event.details ?? null;
  const contentHash = auditContentHash({ ...event, at, details });
  const lit = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : pg.escapeLiteral(v));
  return `INSERT INTO "AuditEvent" ("at", "actorType", "actorId", "action", "resourceType", "resourceId", "outcome", "requestId", "details", "clientAddress", "contentHash", "prevHash", "hash")
    VALUES (${lit(at.toISOString())}::timestamp, ${lit(event.actorType)}::"ActorType", ${lit(event.actorId)}, ${lit(event.action)}, ${lit(event.resourceType)},
      ${lit(event.resourceId)}, ${lit(event.outcome)}::"AuditOutcome", ${lit(event.requestId)}, ${lit(details ? JSON.stringify(details) : null)}::jsonb,
      ${lit(event.clientAddress)}, ${lit(contentHash)}, '', '')`;
}

interface PendingRead { event: AuditInput; at: Date; resolve: (row: AuditRow) => void; reject: (e: unknown) => void }
const readBatches = new WeakMap<Db, { queue: PendingRead[]; flushing: boolean }>();
/** Rows one batched INSERT carries at most. */
const READ_BATCH_MAX = 200;

/**
 * Records an event on its own (reads, denied or failed attempts, which change nothing else),
 * durable when the promise resolves. Group commit: while one INSERT of such events is in flight,
 * the ones that arrive meanwhile wait and go together in the next (one lock, one WAL flush for the
 * lot), so concurrent audited reads no longer queue one by one behind the chain lock; alone, an
 * event goes at once.
 */
export function recordAudit(db: Db, event: AuditInput): Promise<AuditRow> {
  let batch = readBatches.get(db);
  if (!batch) readBatches.set(db, (batch = { queue: [], flushing: false }));
  const b = batch;
  return new Promise<AuditRow>((resolve, reject) => {
    b.queue.push({ event, at: new Date(), resolve, reject });
    if (!b.flushing) void flushReads(db, b);
  });
}

async function flushReads(db: Db, batch: { queue: PendingRead[]; flushing: boolean }): Promise<void> {
  batch.flushing = true;
  try {
    while (batch.queue.length > 0) {
      const pending = batch.queue.splice(0, READ_BATCH_MAX);
      try {
        const rows = await insertAuditRows(poolSql(db), pending);
        pending.forEach((p, i) => p.resolve(rows[i]));
      } catch (e) {
        pending.forEach((p) => p.reject(e));
      }
    }
  } finally {
    batch.flushing = false;
  }
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
