// Subscription loops poll the database (it works across api and worker processes without a
// broker) and must end when the subscriber goes: graphql-ws can only return() a generator at a
// yield, and a loop waiting for a change may not yield for hours.
import type { GraphQLContext } from './context';

const POLL_MS = 1000;

/** Waits one poll interval; false once the subscriber's socket has closed. */
export async function nextPoll(ctx: GraphQLContext): Promise<boolean> {
  if (ctx.closed?.()) return false;
  await new Promise((r) => setTimeout(r, POLL_MS));
  return !ctx.closed?.();
}
