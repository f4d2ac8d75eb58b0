// Resolving who is calling: a session cookie (web app) or an API key (integrators).
import type { Db } from '@imaging/db';
import { hashSecret, newSecret, API_KEY_PREFIX } from './tokens';
import type { Principal } from './permissions';

export async function createSession(db: Db, userId: string, ttlMs: number): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = newSecret();
  const expiresAt = new Date(Date.now() + ttlMs);
  const session = await db.session.create({ data: { userId, tokenHash: hashSecret(token), expiresAt } });
  return { token, sessionId: session.id, expiresAt };
}

export async function principalFromSession(db: Db, token: string): Promise<Principal | null> {
  const session = await db.session.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
  if (!session || session.revokedAt || session.expiresAt <= new Date() || session.user.disabled) return null;
  const { user } = session;
  return { kind: 'user', id: user.id, email: user.email, role: user.role, sessionId: session.id };
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

export function newApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = newSecret(API_KEY_PREFIX);
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashSecret(key) };
}

export async function principalFromApiKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const apiKey = await db.apiKey.findUnique({ where: { keyHash: hashSecret(key) } });
  if (!apiKey || apiKey.revokedAt) return null;
  // Last use is informational: update at most once a minute so keys do not write on every call.
  if (!apiKey.lastUsedAt || Date.now() - apiKey.lastUsedAt.getTime() > 60_000) {
    await db.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });
  }
  return { kind: 'apiKey', id: apiKey.id, name: apiKey.name, role: apiKey.role };
}
