// Email + password login for the web app; every attempt that reaches the password check, good or
// bad, is audited; throttled ones are not (login-throttle.ts).
import { recordAudit } from '@imaging/db';
import { createSession, verifyPassword, DUMMY_PASSWORD_HASH, revokeSession, type Principal } from '@imaging/auth';
import { Unauthenticated, Invalid } from '@imaging/errors';
import type { DomainContext } from '../context';
import { clearLoginFailures, takeLoginAttempt } from './login-throttle';
import type { UserView } from '../users/manage-users';

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserView;
}

export async function login(ctx: DomainContext, email: string, password: string): Promise<LoginResult> {
  const normalised = email.trim().toLowerCase();
  if (!normalised || !password) throw new Invalid('email and password are required');
  if (normalised.length > 254 || password.length > 200) throw new Invalid('email or password is too long');
  const user = await ctx.db.user.findUnique({ where: { email: normalised } });
  await takeLoginAttempt(ctx, normalised, user?.id ?? null);
  // Compare against a dummy hash for unknown users so response time does not reveal accounts.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok || user.disabled) {
    await recordAudit(ctx.db, {
      actorType: 'ANONYMOUS', actorId: user?.id ?? null, requestId: ctx.requestId, action: 'auth.login',
      resourceType: 'User', resourceId: user?.id ?? null, outcome: 'FAILURE', details: { reason: user?.disabled ? 'disabled' : 'bad credentials' },
    });
    throw new Unauthenticated('email or password is wrong');
  }
  await clearLoginFailures(ctx, normalised);
  const session = await createSession(ctx.db, user.id, ctx.config.sessionTtlMs);
  await recordAudit(ctx.db, {
    actorType: 'USER', actorId: user.id, requestId: ctx.requestId, action: 'auth.login',
    resourceType: 'Session', resourceId: session.sessionId, outcome: 'SUCCESS',
  });
  return {
    token: session.token, expiresAt: session.expiresAt,
    user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role, disabled: user.disabled, createdAt: user.createdAt },
  };
}

export async function logout(ctx: DomainContext): Promise<boolean> {
  const p: Principal = ctx.principal;
  if (p.kind !== 'user') return false;
  await revokeSession(ctx.db, p.sessionId);
  await recordAudit(ctx.db, {
    actorType: 'USER', actorId: p.id, requestId: ctx.requestId, action: 'auth.logout', resourceType: 'Session', resourceId: p.sessionId, outcome: 'SUCCESS',
  });
  return true;
}
