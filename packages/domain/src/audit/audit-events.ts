// Reading and verifying the audit trail (admins only; reading it is itself audited).
import { recordAudit, verifyAuditChain, type AuditVerification, type AuditEvent, Prisma } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Invalid } from '@imaging/errors';
import { auditBase, type DomainContext, type Services } from '../context';

export interface AuditFilter {
  actorId?: string | null;
  action?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export async function listAuditEvents(ctx: DomainContext, input: { filter?: AuditFilter | null; first?: number | null; after?: string | null }): Promise<{ rows: AuditEvent[]; hasNextPage: boolean; endCursor: string | null }> {
  requirePermission(ctx.principal, 'audit:read');
  const first = input.first ?? 50;
  if (first < 1 || first > 500) throw new Invalid('first must be between 1 and 500');
  if (input.after && !/^\d+$/.test(input.after)) throw new Invalid('cursor is not valid: pass an endCursor returned by this query');
  const f = input.filter ?? {};
  const where: Prisma.AuditEventWhereInput = {
    actorId: f.actorId ?? undefined,
    action: f.action ? (f.action.endsWith('*') ? { startsWith: f.action.slice(0, -1) } : f.action) : undefined,
    resourceType: f.resourceType ?? undefined,
    resourceId: f.resourceId ?? undefined,
    at: f.from || f.to ? { gte: f.from ?? undefined, lte: f.to ?? undefined } : undefined,
    id: input.after ? { lt: BigInt(input.after) } : undefined,
  };
  const rows = await ctx.db.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: first + 1 });
  await recordAudit(ctx.db, { ...auditBase(ctx), action: 'audit.read', resourceType: 'AuditEvent', outcome: 'SUCCESS', details: { returned: Math.min(rows.length, first) } });
  const page = rows.slice(0, first);
  return { rows: page, hasNextPage: rows.length > first, endCursor: page.length ? page[page.length - 1].id.toString() : null };
}

export function verifyAudit(services: Pick<Services, 'db'>): Promise<AuditVerification> {
  return verifyAuditChain(services.db);
}

/** One row per mask request (REST or GraphQL): which slice and which version was served. */
export async function auditMaskRead(ctx: DomainContext, sopInstanceUid: string, served: { version: number; source: string }, requestedVersion?: number): Promise<void> {
  await recordAudit(ctx.db, {
    ...auditBase(ctx), action: 'mask.read', resourceType: 'Instance', resourceId: sopInstanceUid, outcome: 'SUCCESS',
    details: { version: served.version, source: served.source, requestedVersion: requestedVersion ?? null },
  });
}
