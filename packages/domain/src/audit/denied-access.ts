// Denied attempts (401/403 on any route or GraphQL field, 4401 on WebSocket) are audited, but
// coalesced: a scanner or a misconfigured integration making thousands of refused calls would
// otherwise append thousands of rows under the chain's global lock. Attempts are counted in memory
// per (actor, client address, operation, code) and written as one `access.denied` row per key and
// window (DENIED_AUDIT_WINDOW_MS) with the count, first and last time. The map is bounded: past
// MAX_KEYS distinct keys in a window, further attempts are counted under one overflow row.
import { recordAudit, type Db } from '@imaging/db';
import { actorOf, type Principal } from '@imaging/auth';
import type { Logger } from '@imaging/logger';

const MAX_KEYS = 1000;

export interface DeniedAttempt {
  principal: Principal;
  clientAddress: string | null;
  /** The route pattern or GraphQL root field; never a raw URL (it could carry patient identifiers). */
  operation: string;
  code: string;
  requestId?: string | null;
}

interface Tally { attempt: DeniedAttempt; count: number; firstAt: Date; lastAt: Date }

export class DeniedAccessAudit {
  private tallies = new Map<string, Tally>();
  private overflow = 0;
  private timer: NodeJS.Timeout;

  constructor(private readonly db: Db, private readonly log: Logger, windowMs = 10_000) {
    this.timer = setInterval(() => void this.flush(), windowMs);
    this.timer.unref();
  }

  record(attempt: DeniedAttempt): void {
    const { actorType, actorId } = actorOf(attempt.principal);
    const key = `${actorType}|${actorId ?? ''}|${attempt.clientAddress ?? ''}|${attempt.operation}|${attempt.code}`;
    const now = new Date();
    const tally = this.tallies.get(key);
    if (tally) {
      tally.count++;
      tally.lastAt = now;
    } else if (this.tallies.size >= MAX_KEYS) {
      this.overflow++;
    } else {
      this.tallies.set(key, { attempt, count: 1, firstAt: now, lastAt: now });
    }
  }

  /** Writes one row per key of the window (and one for the overflow); returns the rows written. */
  async flush(): Promise<number> {
    const tallies = [...this.tallies.values()];
    const overflow = this.overflow;
    this.tallies = new Map();
    this.overflow = 0;
    let written = 0;
    try {
      for (const t of tallies) {
        const { actorType, actorId } = actorOf(t.attempt.principal);
        await recordAudit(this.db, {
          actorType, actorId, action: 'access.denied', resourceType: 'Operation', resourceId: t.attempt.operation.slice(0, 200),
          outcome: 'DENIED', requestId: t.attempt.requestId ?? null, clientAddress: t.attempt.clientAddress,
          details: { code: t.attempt.code, count: t.count, firstAt: t.firstAt.toISOString(), lastAt: t.lastAt.toISOString() },
        });
        written++;
      }
      if (overflow > 0) {
        await recordAudit(this.db, {
          actorType: 'SYSTEM', actorId: 'system', action: 'access.denied', resourceType: 'Operation', resourceId: 'overflow',
          outcome: 'DENIED', details: { count: overflow, reason: `more than ${MAX_KEYS} distinct callers/operations in one window` },
        });
        written++;
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message, pending: tallies.length - written }, 'denied-access audit rows not written');
    }
    return written;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
