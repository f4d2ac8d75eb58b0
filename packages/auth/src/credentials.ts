// Resolving who is calling: a session cookie (web app) or an API key (integrators).
import { poolSql, type Db, type Role } from '@imaging/db';
import { hashSecret, newSecret, API_KEY_PREFIX } from './tokens';
import type { Principal } from './permissions';

export async function createSession(db: Db, userId: string, ttlMs: number): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = newSecret();
  const expiresAt = new Date(Date.now() + ttlMs);
  const session = await db.session.create({ data: { userId, tokenHash: hashSecret(token), expiresAt } });
  return { token, sessionId: session.id, expiresAt };
}

/** The user of a live session: not revoked, not past its expiry, used within `idleMs`, user enabled. */
export async function principalFromSession(db: Db, token: string, idleMs: number): Promise<Principal | null> {
  // Every web request passes here: one indexed join in plain SQL (timestamps are stored as UTC).
  const sql = poolSql(db);
  const [row] = await sql.query<{ sessionId: string; userId: string; email: string; role: Role; stale: boolean }>(
    `SELECT s."id" AS "sessionId", u."id" AS "userId", u."email", u."role"::text AS "role",
            s."lastSeenAt" < (now() AT TIME ZONE 'UTC') - interval '1 minute' AS "stale"
     FROM "Session" s JOIN "User" u ON u."id" = s."userId"
     WHERE s."tokenHash" = $1 AND s."revokedAt" IS NULL AND s."expiresAt" > (now() AT TIME ZONE 'UTC')
       AND s."lastSeenAt" > (now() AT TIME ZONE 'UTC') - make_interval(secs => $2::double precision / 1000)
       AND NOT u."disabled"`, [hashSecret(token), idleMs]);
  if (!row) return null;
  // Activity keeps the session alive; written at most once a minute so reads do not write.
  if (row.stale) await sql.query(`UPDATE "Session" SET "lastSeenAt" = now() AT TIME ZONE 'UTC' WHERE "id" = $1::uuid`, [row.sessionId]);
  return { kind: 'user', id: row.userId, email: row.email, role: row.role, sessionId: row.sessionId };
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Ends every live session of a user (sign out everywhere, disabled account); returns how many. */
export async function revokeUserSessions(db: Pick<Db, 'session'>, userId: string): Promise<number> {
  const { count } = await db.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}

export function newApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = newSecret(API_KEY_PREFIX);
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashSecret(key) };
}

export async function principalFromApiKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  // Every integrator call passes here: one plain indexed lookup, no ORM round trip.
  const sql = poolSql(db);
  const [apiKey] = await sql.query<{ id: string; name: string; role: Role; revoked: boolean; stale: boolean }>(
    `SELECT "id", "name", "role"::text AS "role",
            ("revokedAt" IS NOT NULL OR ("expiresAt" IS NOT NULL AND "expiresAt" <= (now() AT TIME ZONE 'UTC'))) AS "revoked",
            ("lastUsedAt" IS NULL OR "lastUsedAt" < (now() AT TIME ZONE 'UTC') - interval '1 minute') AS "stale"
     FROM "ApiKey" WHERE "keyHash" = $1`, [hashSecret(key)]);
  if (!apiKey || apiKey.revoked) return null;
  // Last use is informational: update at most once a minute so keys do not write on every call.
  if (apiKey.stale) await sql.query(`UPDATE "ApiKey" SET "lastUsedAt" = now() AT TIME ZONE 'UTC' WHERE "id" = $1::uuid`, [apiKey.id]);
  return { kind: 'apiKey', id: apiKey.id, name: apiKey.name, role: apiKey.role };
}
