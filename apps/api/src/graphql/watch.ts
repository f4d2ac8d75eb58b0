// Subscription loops wait for a change notification from Postgres (packages/db changes.ts: works
// across api and worker processes without a broker) and re-read only then. They end when the
// subscriber goes: graphql-ws can only return() a generator at a yield, so the wait also ends on
// the connection's abort signal. Without a change feed (or while it is reconnecting) they fall back
// to polling once a second; with one, a periodic re-read every 30 s guards against a lost notify.
import type { ChangeTopic } from '@imaging/db';
import type { GraphQLContext } from './context';

const POLL_MS = 1000;
const SAFETY_MS = 30_000;
/** A burst of changes (a series being processed) costs each subscriber one re-read per this. */
const COALESCE_MS = 200;

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
  signal?.addEventListener('abort', done, { once: true });
});

/** Waits until something of `topics` may have changed; false once the subscriber has gone. */
export async function nextChange(ctx: GraphQLContext, topics: readonly ChangeTopic[]): Promise<boolean> {
  if (ctx.closed?.()) return false;
  const feed = ctx.changes;
  if (!feed) {
    await sleep(POLL_MS, ctx.signal);
    return !ctx.closed?.();
  }
  // a client that completes one operation (not the socket) is seen within a second, in memory
  for (let waited = 0; waited < (feed.listening ? SAFETY_MS : POLL_MS); waited += POLL_MS) {
    const outcome = await feed.next(topics, POLL_MS, ctx.signal);
    if (ctx.closed?.()) return false;
    if (outcome === 'change') {
      await sleep(COALESCE_MS, ctx.signal);
      break;
    }
  }
  return !ctx.closed?.();
}
