// API keys for integrators: created by admins, shown once, stored hashed, revocable.
import { appendAudit, inTransaction, type Role } from '@imaging/db';
import { newApiKey, requirePermission } from '@imaging/auth';
import { Invalid, NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';

export interface ApiKeyView { id: string; name: string; prefix: string; role: Role; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }

export async function createApiKey(ctx: DomainContext, input: { name: string; role: Role }): Promise<{ key: string; apiKey: ApiKeyView }> {
  requirePermission(ctx.principal, 'apikey:manage');
  const name = input.name.trim();
  if (!name || name.length > 100) throw new Invalid('name must have 1 to 100 characters');
  const { key, prefix, keyHash } = newApiKey();
  const createdById = ctx.principal.kind === 'user' ? ctx.principal.id : null;
  const apiKey = await inTransaction(ctx.db, async (tx) => {
    const created = await tx.apiKey.create({ data: { name, prefix, keyHash, role: input.role, createdById } });
    await appendAudit(tx, { ...auditBase(ctx), action: 'apiKey.create', resourceType: 'ApiKey', resourceId: created.id, outcome: 'SUCCESS', details: { role: input.role } });
    return created;
  });
  return { key, apiKey: { id: apiKey.id, name, prefix, role: apiKey.role, createdAt: apiKey.createdAt, lastUsedAt: null, revokedAt: null } };
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
