// API keys for integrators: created by admins, shown once, stored hashed, revocable.
import { appendAudit, inTransaction, type Role } from '@imaging/db';
import { newApiKey, requirePermission } from '@imaging/auth';
import { Forbidden, Invalid, NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';

export interface ApiKeyView { id: string; name: string; prefix: string; role: Role; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null }

/**
 * A new key, shown once. Caps: keys are made by people (not by other keys), never carry ADMIN unless
 * API_KEY_ALLOW_ADMIN, and expire within API_KEY_MAX_DAYS (the default life).
 */
export async function createApiKey(ctx: DomainContext, input: { name: string; role: Role; expiresInDays?: number | null }): Promise<{ key: string; apiKey: ApiKeyView }> {
  requirePermission(ctx.principal, 'apikey:manage');
  if (ctx.principal.kind === 'apiKey') throw new Forbidden('API keys cannot create API keys');
  if (input.role === 'ADMIN' && !ctx.config.apiKeyAllowAdmin) throw new Forbidden('API keys may not carry the ADMIN role (API_KEY_ALLOW_ADMIN)');
  const name = input.name.trim();
  if (!name || name.length > 100) throw new Invalid('name must have 1 to 100 characters');
  const days = input.expiresInDays ?? ctx.config.apiKeyMaxDays;
  if (!Number.isInteger(days) || days < 1 || days > ctx.config.apiKeyMaxDays) throw new Invalid(`expiresInDays must be a whole number from 1 to ${ctx.config.apiKeyMaxDays}`);
  const expiresAt = new Date(Date.now() + days * 86_400_000);
  const { key, prefix, keyHash } = newApiKey();
  const createdById = ctx.principal.kind === 'user' ? ctx.principal.id : null;
  const apiKey = await inTransaction(ctx.db, async (tx) => {
    const created = await tx.apiKey.create({ data: { name, prefix, keyHash, role: input.role, createdById, expiresAt } });
    await appendAudit(tx, { ...auditBase(ctx), action: 'apiKey.create', resourceType: 'ApiKey', resourceId: created.id, outcome: 'SUCCESS', details: { role: input.role, expiresAt: expiresAt.toISOString() } });
    return created;
  });
  return { key, apiKey: { id: apiKey.id, name, prefix, role: apiKey.role, createdAt: apiKey.createdAt, lastUsedAt: null, expiresAt, revokedAt: null } };
}

export async function revokeApiKey(ctx: DomainContext, id: string): Promise<ApiKeyView> {
  requirePermission(ctx.principal, 'apikey:manage');
  return inTransaction(ctx.db, async (tx) => {
    const existing = await tx.apiKey.findUnique({ where: { id } });
    if (!existing) throw new NotFound('API key');
    const updated = existing.revokedAt ? existing : await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, { ...auditBase(ctx), action: 'apiKey.revoke', resourceType: 'ApiKey', resourceId: id, outcome: 'SUCCESS' });
    const { keyHash: _hash, createdById: _by, ...rest } = updated;
    return rest;
  });
}

export async function listApiKeys(ctx: DomainContext): Promise<ApiKeyView[]> {
  requirePermission(ctx.principal, 'apikey:manage');
  const keys = await ctx.db.apiKey.findMany({ orderBy: { createdAt: 'desc' } });
  return keys.map(({ keyHash: _hash, createdById: _by, ...rest }) => rest);
}
