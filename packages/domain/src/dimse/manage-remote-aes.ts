// Remote DICOM application entities (PACS, workstations, research nodes): the C-MOVE destinations
// and export targets. Admins manage them; every change and every verification is audited.
import { appendAudit, inTransaction, Prisma, recordAudit, type RemoteAe } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Conflict, Invalid, NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';
import { echoRemote, type EchoResult } from './dimse-client';

export interface RemoteAeView { id: string; aeTitle: string; host: string; port: number; description: string; enabled: boolean; createdAt: Date; updatedAt: Date }

export interface RemoteAeInput { aeTitle: string; host: string; port: number; description?: string | null; enabled?: boolean | null }

/** PS3.5 §6.2 (VR AE): 16 characters at most, leading and trailing spaces not significant, no
 *  backslash (the value delimiter) and no control characters. */
export function normaliseAeTitle(value: string): string {
  const title = value.trim();
  if (!title) throw new Invalid('aeTitle must not be empty');
  if (title.length > 16) throw new Invalid('aeTitle has more than 16 characters (PS3.5 §6.2, VR AE)');
  if (!/^[\x20-\x5b\x5d-\x7e]+$/.test(title)) throw new Invalid('aeTitle may hold printable ASCII only, no backslash or control characters (PS3.5 §6.2, VR AE)');
  return title;
}

/** A DNS name (RFC 1123 labels) or an IPv4 / IPv6 literal. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9A-Fa-f:.]{2,45}$/;

function validate(input: RemoteAeInput): Omit<RemoteAeView, 'id' | 'createdAt' | 'updatedAt'> {
  const aeTitle = normaliseAeTitle(input.aeTitle);
  const host = input.host.trim();
  if (!host || host.length > 253 || !HOST.test(host)) throw new Invalid('host must be a DNS name or an IP address');
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65_535) throw new Invalid('port must be a whole number from 1 to 65535');
  const description = (input.description ?? '').trim();
  if (description.length > 200) throw new Invalid('description has more than 200 characters');
  return { aeTitle, host, port: input.port, description, enabled: input.enabled ?? true };
}

function view(ae: RemoteAe): RemoteAeView {
  return { id: ae.id, aeTitle: ae.aeTitle, host: ae.host, port: ae.port, description: ae.description, enabled: ae.enabled, createdAt: ae.createdAt, updatedAt: ae.updatedAt };
}

function duplicateTitle(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}

export async function listRemoteAes(ctx: DomainContext): Promise<RemoteAeView[]> {
  requirePermission(ctx.principal, 'remoteAe:manage');
  return (await ctx.db.remoteAe.findMany({ orderBy: { aeTitle: 'asc' } })).map(view);
}

export async function createRemoteAe(ctx: DomainContext, input: RemoteAeInput): Promise<RemoteAeView> {
  requirePermission(ctx.principal, 'remoteAe:manage');
  const data = validate(input);
  try {
    return await inTransaction(ctx.db, async (tx) => {
      const ae = await tx.remoteAe.create({ data });
      await appendAudit(tx, { ...auditBase(ctx), action: 'remoteAe.create', resourceType: 'RemoteAe', resourceId: ae.id, outcome: 'SUCCESS', details: { aeTitle: ae.aeTitle, host: ae.host, port: ae.port, enabled: ae.enabled } });
      return view(ae);
    });
  } catch (e) {
    if (duplicateTitle(e)) throw new Conflict(`a remote AE titled ${data.aeTitle} already exists`);
    throw e;
  }
}

export async function updateRemoteAe(ctx: DomainContext, id: string, input: RemoteAeInput): Promise<RemoteAeView> {
  requirePermission(ctx.principal, 'remoteAe:manage');
  const data = validate(input);
  try {
    return await inTransaction(ctx.db, async (tx) => {
      const before = await tx.remoteAe.findUnique({ where: { id } });
      if (!before) throw new NotFound('remote AE');
      const ae = await tx.remoteAe.update({ where: { id }, data });
      const changed = Object.fromEntries((['aeTitle', 'host', 'port', 'description', 'enabled'] as const)
        .filter((k) => before[k] !== ae[k]).map((k) => [k, { from: before[k], to: ae[k] }]));
      await appendAudit(tx, { ...auditBase(ctx), action: 'remoteAe.update', resourceType: 'RemoteAe', resourceId: id, outcome: 'SUCCESS', details: { changed } });
      return view(ae);
    });
  } catch (e) {
    if (duplicateTitle(e)) throw new Conflict(`a remote AE titled ${data.aeTitle} already exists`);
    throw e;
  }
}

export async function deleteRemoteAe(ctx: DomainContext, id: string): Promise<RemoteAeView> {
  requirePermission(ctx.principal, 'remoteAe:manage');
  return inTransaction(ctx.db, async (tx) => {
    const before = await tx.remoteAe.findUnique({ where: { id } });
    if (!before) throw new NotFound('remote AE');
    await tx.remoteAe.delete({ where: { id } });
    await appendAudit(tx, { ...auditBase(ctx), action: 'remoteAe.delete', resourceType: 'RemoteAe', resourceId: id, outcome: 'SUCCESS', details: { aeTitle: before.aeTitle, host: before.host, port: before.port } });
    return view(before);
  });
}

/** C-ECHO (PS3.7 §9.1.5) from our AE title to the remote; the outcome is audited either way. */
export async function verifyRemoteAe(ctx: DomainContext, id: string): Promise<EchoResult> {
  requirePermission(ctx.principal, 'remoteAe:manage');
  const ae = await ctx.db.remoteAe.findUnique({ where: { id } });
  if (!ae) throw new NotFound('remote AE');
  const result = await echoRemote(ctx.config, ae);
  await recordAudit(ctx.db, {
    ...auditBase(ctx), action: 'remoteAe.verify', resourceType: 'RemoteAe', resourceId: id, outcome: result.ok ? 'SUCCESS' : 'FAILURE',
    details: { aeTitle: ae.aeTitle, status: result.status, error: result.error, durationMs: result.durationMs },
  });
  return result;
}

/** The enabled remote AE with this title (a C-MOVE destination), or null (PS3.4 §C.4.2.1.4: A801). */
export async function findMoveDestination(ctx: DomainContext, aeTitle: string): Promise<RemoteAeView | null> {
  const ae = await ctx.db.remoteAe.findUnique({ where: { aeTitle: aeTitle.trim() } });
  return ae && ae.enabled ? view(ae) : null;
}
