// GraphQL over WebSocket as an attacker meets it, on the real server: every operation from every
// kind of anonymous or forged caller is closed with 4401 before it runs; a session cookie counts
// only from an allowed Origin; the HTTP validation rules apply; frames are capped; live
// subscriptions per socket and sockets per caller are bounded; and the loops wake on Postgres
// change notifications (worklistChanged fires on a task change, not on a timer).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createChangeFeed } from '@imaging/db';
import { allowedOrigins, MAX_CONNECTIONS_PER_PRINCIPAL, MAX_SUBSCRIPTIONS_PER_CONNECTION } from './ws';
import { apiKeyCaller, startHarness, userCaller, type Harness } from '../testing/harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h.close());

function client(options: { authorization?: string; headers?: Record<string, string> } = {}): Client {
  const headers = options.headers ?? {};
  class HeaderSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) { super(url, protocols, { headers }); }
  }
  return createClient({
    url: h.url.replace('http', 'ws') + '/graphql', webSocketImpl: HeaderSocket, retryAttempts: 0, lazy: true,
    connectionParams: options.authorization ? { authorization: options.authorization } : {},
  });
}

interface Outcome { data: unknown[]; errors: { message?: string; code?: number; extensions?: { code?: string } }[]; completed: boolean }

function run(c: Client, query: string, variables: Record<string, unknown> = {}, until: (o: Outcome) => boolean = () => true): Promise<Outcome> {
  return new Promise((resolve) => {
    const o: Outcome = { data: [], errors: [], completed: false };
    const stop = c.subscribe({ query, variables }, {
      next: (v) => {
        if (v.errors) o.errors.push(...(v.errors as Outcome['errors']));
        if (v.data) o.data.push(v.data);
        if (o.errors.length || until(o)) { stop(); resolve(o); }
      },
      // a close event, or the array of GraphQL errors an Error message carries
      error: (e) => { o.errors.push(...(Array.isArray(e) ? e : [e]) as Outcome['errors']); resolve(o); },
      complete: () => { o.completed = true; resolve(o); },
    });
  });
}

const OPERATIONS: [string, string, Record<string, unknown>][] = [
  ['worklistChanged', 'subscription { worklistChanged { openTasks } }', {}],
  ['studyProcessing', 'subscription($u: String!) { studyProcessing(studyInstanceUid: $u) { state } }', { u: '1.2.3.4' }],
  ['trainingRunProgress', 'subscription($id: ID!) { trainingRunProgress(id: $id) { state } }', { id: '00000000-0000-4000-8000-000000000000' }],
  ['query studies', '{ studies { totalCount } }', {}],
  ['query me', '{ me { id } }', {}],
  ['mutation createApiKey', 'mutation { createApiKey(name: "ws", role: INTEGRATOR) { key } }', {}],
];

describe('GraphQL over WebSocket, anonymous and forged callers', () => {
  it('closes every operation of every anonymous caller with 4401 before it runs', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const webOrigin = [...allowedOrigins(h.services)][0];
    const callers: [string, Parameters<typeof client>[0]][] = [
      ['no credentials', {}],
      ['a made-up API key', { authorization: 'Bearer irp_not_a_key' }],
      ['a malformed authorization', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ['a revoked session cookie', { headers: { origin: webOrigin, cookie: 'irp_session=not-a-session' } }],
      ['a valid admin cookie from a foreign Origin (CSWSH)', { headers: { origin: 'http://evil.example', cookie: admin.headers.cookie } }],
      ['a valid admin cookie from a look-alike Origin', { headers: { origin: `${webOrigin}.evil.example`, cookie: admin.headers.cookie } }],
    ];
    const outcomes: string[] = [];
    for (const [who, options] of callers) {
      for (const [name, query, variables] of OPERATIONS) {
        const c = client(options);
        const o = await run(c, query, variables);
        outcomes.push(`${name} by ${who}: ${o.errors[0]?.code === 4401 && o.data.length === 0 ? 'closed 4401' : JSON.stringify(o)}`);
        await c.dispose();
      }
    }
    expect(outcomes.filter((o) => !o.endsWith('closed 4401'))).toEqual([]);
    expect(await h.services.db.apiKey.count({ where: { name: 'ws' } })).toBe(0);
  });

  it('accepts the session cookie from an allowed Origin, and a bearer key from anywhere', async () => {
    const rad = await userCaller(h, 'RADIOLOGIST');
    const webOrigin = [...allowedOrigins(h.services)][0];
    const byCookie = client({ headers: { origin: webOrigin, cookie: rad.headers.cookie } });
    expect((await run(byCookie, '{ me { id } }')).data).toEqual([{ me: { id: rad.id } }]);
    await byCookie.dispose();
    const key = await apiKeyCaller(h, 'INTEGRATOR');
    const byKey = client({ authorization: key.headers.authorization, headers: { origin: 'http://elsewhere.example' } });
    expect((await run(byKey, '{ me { id } }')).data).toEqual([{ me: { id: key.id } }]);
    await byKey.dispose();
  });

  it('applies the HTTP depth and complexity rules and caps the frame size', async () => {
    const key = await apiKeyCaller(h, 'INTEGRATOR');
    const c = client({ authorization: key.headers.authorization });
    const deep = `{ studies { nodes { patient { studies { nodes { patient { studies { nodes { patient { studies { nodes { id } } } } } } } } } } } }`;
    const o = await run(c, deep);
    expect(o.data).toEqual([]);
    expect(o.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(o.errors)).toMatch(/depth/i);
    // a frame over 64 KiB closes the socket (1009 Message Too Big)
    const big = await run(c, `{ me { id } } # ${'x'.repeat(70 * 1024)}`);
    expect(big.errors[0]?.code).toBe(1009);
    await c.dispose();
  });
});

describe('GraphQL over WebSocket, bounds and wake-ups', () => {
  it(`refuses subscription ${MAX_SUBSCRIPTIONS_PER_CONNECTION + 1} on one socket and socket ${MAX_CONNECTIONS_PER_PRINCIPAL + 1} of one caller`, async () => {
    const key = await apiKeyCaller(h, 'INTEGRATOR');
    const c = client({ authorization: key.headers.authorization });
    const stops: (() => void)[] = [];
    const first = new Promise<void>((resolve) => { stops.push(c.subscribe({ query: 'subscription { worklistChanged { openTasks } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined })); c.on('connected', () => resolve()); });
    await first;
    for (let i = 1; i < MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) {
      stops.push(c.subscribe({ query: 'subscription { worklistChanged { openTasks } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined }));
    }
    await new Promise((r) => setTimeout(r, 300));
    const over = await run(c, 'subscription { worklistChanged { openTasks } }');
    expect(over.errors.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    // once one ends, there is room again
    stops.pop()!();
    await new Promise((r) => setTimeout(r, 200));
    const again = await run(c, '{ me { id } }');
    expect(again.errors).toEqual([]);
    stops.forEach((s) => s());
    await c.dispose();

    const sockets: Client[] = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_PRINCIPAL; i++) {
      const s = client({ authorization: key.headers.authorization });
      expect((await run(s, '{ me { id } }')).errors).toEqual([]);
      sockets.push(s);
    }
    const extra = client({ authorization: key.headers.authorization });
    expect((await run(extra, '{ me { id } }')).errors[0]?.code).toBe(4429);
    await extra.dispose();
    await sockets.pop()!.dispose();
    await new Promise((r) => setTimeout(r, 200));
    const room = client({ authorization: key.headers.authorization });
    expect((await run(room, '{ me { id } }')).errors).toEqual([]);
    await room.dispose();
    await Promise.all(sockets.map((s) => s.dispose()));
  });

  it('wakes a waiter on a change of its topic only, across connections (LISTEN/NOTIFY)', async () => {
    const feed = createChangeFeed(h.services.db);
    try {
      for (let i = 0; i < 50 && !feed.listening; i++) await new Promise((r) => setTimeout(r, 50));
      expect(feed.listening).toBe(true);
      const review = feed.next(['review'], 10_000);
      const training = feed.next(['training'], 1_000);
      const started = Date.now();
      await h.services.db.$executeRawUnsafe(`UPDATE "ReviewTask" SET "id" = "id" WHERE false`);
      expect(await review).toBe('change');
      expect(Date.now() - started).toBeLessThan(5_000); // far from the 10 s timeout
      expect(await training).toBe('timeout');
      const aborted = new AbortController();
      const waiting = feed.next(['review'], 10_000, aborted.signal);
      aborted.abort();
      expect(await waiting).toBe('aborted');
    } finally {
      await feed.close();
    }
  });
});
