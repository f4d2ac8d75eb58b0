// Login throttling on Redis (rate-limiter-flexible), shared by every API replica. Each attempt takes
// a point BEFORE the password is checked, so a burst of parallel guesses cannot all reach the hash:
// LOGIN_MAX_FAILURES attempts per account per window (a success clears them), then the account is
// locked for LOGIN_LOCKOUT_MINUTES; LOGIN_MAX_PER_IP attempts per client address per window.
// Throttled attempts cost one Redis round trip and write no audit row; the lockout writes one.
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { recordAudit } from '@imaging/db';
import { RateLimited } from '@imaging/errors';
import type { DomainContext, Services } from '../context';

interface Limiters { account: RateLimiterRedis; ip: RateLimiterRedis }

const limiters = new WeakMap<object, Limiters>();
const WINDOW_SECONDS = 15 * 60;

function limitersOf(services: Services): Limiters {
  let found = limiters.get(services.queues);
  if (!found) {
    const storeClient = services.queues.redis();
    found = {
      account: new RateLimiterRedis({
        storeClient, keyPrefix: `${services.config.queuePrefix}:login:account`, points: services.config.loginMaxFailures,
        duration: WINDOW_SECONDS, blockDuration: services.config.loginLockoutSeconds,
      }),
      ip: new RateLimiterRedis({ storeClient, keyPrefix: `${services.config.queuePrefix}:login:ip`, points: services.config.loginMaxPerIp, duration: WINDOW_SECONDS }),
    };
    limiters.set(services.queues, found);
  }
  return found;
}

/** Takes one attempt for the account and the address, or throws RATE_LIMITED with Retry-After. */
export async function takeLoginAttempt(ctx: DomainContext, email: string, userId: string | null): Promise<void> {
  const { account, ip } = limitersOf(ctx);
  try {
    await ip.consume(ctx.clientAddress ?? 'unknown');
  } catch (e) {
    if (e instanceof RateLimiterRes) throw new RateLimited('too many login attempts from this address; wait before trying again', e.msBeforeNext / 1000);
    throw e;
  }
  try {
    await account.consume(email);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    // the first refused attempt starts the lockout: one audit row, not one per guess
    if (e.consumedPoints === ctx.config.loginMaxFailures + 1) {
      await recordAudit(ctx.db, {
        actorType: 'ANONYMOUS', actorId: userId, requestId: ctx.requestId, clientAddress: ctx.clientAddress ?? null, action: 'auth.lockout',
        resourceType: 'User', resourceId: userId, outcome: 'FAILURE', details: { attempts: ctx.config.loginMaxFailures, lockoutSeconds: ctx.config.loginLockoutSeconds },
      });
    }
    throw new RateLimited('too many login attempts for this account; it is locked for a while', e.msBeforeNext / 1000);
  }
}

/** A successful login clears the account's failures. */
export async function clearLoginFailures(ctx: DomainContext, email: string): Promise<void> {
  const { account } = limitersOf(ctx);
  await account.delete(email);
}
