// Change notifications from Postgres (LISTEN/NOTIFY, migration 20261202180000_change_notify): one
// dedicated connection per process listens; subscription loops wait on a topic instead of polling.
// Works across processes (the worker's writes notify the api's listeners) without a broker. While
// the connection is down it reconnects with backoff; waiters then fall back to their timeout.
import pg from 'pg';
import type { Db } from './client';
import { poolOf } from './client';

export const CHANGE_CHANNEL = 'imaging_changes';
export type ChangeTopic = 'processing' | 'review' | 'training';

export interface ChangeFeed {
  /** Resolves on the next change of one of `topics`, after `timeoutMs`, or when `signal` aborts. */
  next(topics: readonly ChangeTopic[], timeoutMs: number, signal?: AbortSignal): Promise<'change' | 'timeout' | 'aborted'>;
  /** Whether the listening connection is up (waiters rely on their timeout while it is not). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export function createChangeFeed(db: Db, log: { warn(o: object, msg: string): void } = { warn: () => undefined }): ChangeFeed {
  const waiters = new Set<{ topics: readonly ChangeTopic[]; wake: () => void }>();
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: poolOf(db).options.connectionString });
    c.on('notification', (n) => {
      if (n.channel !== CHANGE_CHANNEL) return;
      for (const w of [...waiters]) if (w.topics.includes(n.payload as ChangeTopic)) w.wake();
    });
    c.on('error', (e) => { log.warn({ err: e.message }, 'change feed connection lost'); });
    c.on('end', () => {
      listening = false;
      client = null;
      if (!closed) schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (closed) { await c.end(); return; }
      client = c;
      listening = true;
      retryMs = 250;
      // whatever changed while we were not listening: every waiter looks again
      for (const w of [...waiters]) w.wake();
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'change feed cannot listen; retrying');
      await c.end().catch(() => undefined);
      schedule();
    }
  };
  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => { timer = null; void connect(); }, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, 10_000);
  };
  void connect();

  return {
    get listening() { return listening; },
    next(topics, timeoutMs, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve('aborted');
        let done = false;
        const finish = (why: 'change' | 'timeout' | 'aborted') => {
          if (done) return;
          done = true;
          clearTimeout(t);
          waiters.delete(waiter);
          signal?.removeEventListener('abort', onAbort);
          resolve(why);
        };
        const waiter = { topics, wake: () => finish('change') };
        const onAbort = () => finish('aborted');
        const t = setTimeout(() => finish('timeout'), timeoutMs);
        waiters.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of [...waiters]) w.wake();
      const c = client;
      client = null;
      listening = false;
      await c?.end().catch(() => undefined);
    },
  };
}
