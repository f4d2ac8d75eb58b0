// User administration (admins only); every change is audited in its own transaction.
import { appendAudit, inTransaction, Prisma, type Role } from '@imaging/db';
import { hashPassword, requirePermission, revokeUserSessions, validatePasswordStrength } from '@imaging/auth';
import { Conflict, Forbidden, Invalid, NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';

export interface UserView { id: string; email: string; displayName: string; role: Role; disabled: boolean; createdAt: Date }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function view(u: UserView): UserView {
  return { id: u.id, email: u.email, displayName: u.displayName, role: u.role, disabled: u.disabled, createdAt: u.createdAt };
}

export async function createUser(ctx: DomainContext, input: { email: string; password: string; role: Role; displayName?: string | null }): Promise<UserView> {
  requirePermission(ctx.principal, 'user:manage');
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) throw new Invalid('email is not a valid address');
  const weak = validatePasswordStrength(input.password);
  if (weak) throw new Invalid(weak);
  const passwordHash = await hashPassword(input.password);
  try {
    return await inTransaction(ctx.db, async (tx) => {
      const user = await tx.user.create({ data: { email, passwordHash, role: input.role, displayName: input.displayName?.trim() || email } });
      await appendAudit(tx, { ...auditBase(ctx), action: 'user.create', resourceType: 'User', resourceId: user.id, outcome: 'SUCCESS', details: { role: input.role } });
      return view(user);
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw new Conflict('a user with this email already exists');
    throw e;
  }
}

export async function setUserRole(ctx: DomainContext, userId: string, role: Role): Promise<UserView> {
  requirePermission(ctx.principal, 'user:manage');
  return inTransaction(ctx.db, async (tx) => {
    const before = await tx.user.findUnique({ where: { id: userId } });
    if (!before) throw new NotFound('user');
    const user = await tx.user.update({ where: { id: userId }, data: { role } });
    await appendAudit(tx, {
      ...auditBase(ctx), action: 'user.setRole', resourceType: 'User', resourceId: userId, outcome: 'SUCCESS', details: { from: before.role, to: role },
    });
    return view(user);
  });
}

export async function listUsers(ctx: DomainContext): Promise<UserView[]> {
  requirePermission(ctx.principal, 'user:manage');
  const users = await ctx.db.user.findMany({ orderBy: { email: 'asc' } });
  return users.map(view);
}

/**
 * Disables (or re-enables) an account. Disabling ends every session of the user at once, in the same
 * transaction; an admin cannot disable their own account (no lock-out by mistake).
 */
export async function setUserDisabled(ctx: DomainContext, userId: string, disabled: boolean): Promise<UserView> {
  requirePermission(ctx.principal, 'user:manage');
  if (disabled && ctx.principal.kind === 'user' && ctx.principal.id === userId) throw new Forbidden('you cannot disable your own account');
  return inTransaction(ctx.db, async (tx) => {
    const before = await tx.user.findUnique({ where: { id: userId } });
    if (!before) throw new NotFound('user');
    const user = before.disabled === disabled ? before : await tx.user.update({ where: { id: userId }, data: { disabled } });
    const sessionsRevoked = disabled ? await revokeUserSessions(tx, userId) : 0;
    await appendAudit(tx, {
      ...auditBase(ctx), action: disabled ? 'user.disable' : 'user.enable', resourceType: 'User', resourceId: userId, outcome: 'SUCCESS', details: { sessionsRevoked },
    });
    return view(user);
  });
}

/** Signs a user out everywhere (a lost laptop, a role change that must apply now); audited. */
export async function revokeSessionsOfUser(ctx: DomainContext, userId: string): Promise<number> {
  requirePermission(ctx.principal, 'user:manage');
  return inTransaction(ctx.db, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFound('user');
    const sessionsRevoked = await revokeUserSessions(tx, userId);
    await appendAudit(tx, { ...auditBase(ctx), action: 'user.revokeSessions', resourceType: 'User', resourceId: userId, outcome: 'SUCCESS', details: { sessionsRevoked } });
    return sessionsRevoked;
  });
}
