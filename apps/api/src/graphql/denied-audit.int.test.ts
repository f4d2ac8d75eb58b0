// Refused calls are audited without flooding the chain: hundreds of denied attempts over GraphQL,
// HTTP and WebSocket become one `access.denied` row per caller, address, operation and code per
// window, each with its count; the chain still verifies.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { verifyAudit } from '@imaging/domain';
import { anonymous, apiKeyCaller, gql, startHarness, userCaller, type Harness } from '../testing/harness';
import { until } from '@imaging/testing';

describe('audit of denied attempts', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ auditDeniedWindowMs: 300 }); });
  afterAll(() => h.close());

  it('coalesces 200 anonymous, 50 forbidden, 30 HTTP and 5 WebSocket refusals into a handful of counted rows', async () => {
    const before = await h.services.db.auditEvent.count();
    const integrator = await userCaller(h, 'INTEGRATOR');
    const key = await apiKeyCaller(h, 'INTEGRATOR');
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 10 }, () => gql(h, anonymous, '{ studies { totalCount } }')));
    for (let i = 0; i < 50; i++) await gql(h, integrator, '{ users { id } }');
    for (let i = 0; i < 30; i++) await fetch(`${h.url}/dicom-web/studies`);
    for (let i = 0; i < 5; i++) {
      const c = createClient({ url: h.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
      await new Promise<void>((resolve) => c.subscribe({ query: '{ me { id } }' }, { next: () => undefined, error: () => resolve(), complete: () => resolve() }));
      await c.dispose();
    }
    expect((await gql(h, key, '{ users { id } }')).status).toBe(200);

    const total = async (operation: string, actorType: string) => {
      const rows = await h.services.db.auditEvent.findMany({ where: { action: 'access.denied', resourceId: operation, actorType: actorType as never } });
      return rows.reduce((n, r) => n + Number((r.details as { count: number }).count), 0);
    };
    await until(async () => (await total('ws /graphql', 'ANONYMOUS')) === 5 && (await total('graphql users', 'API_KEY')) === 1, 'denied rows flushed', { timeoutMs: 10_000 });
    expect(await total('graphql studies', 'ANONYMOUS')).toBe(200);
    expect(await total('graphql users', 'USER')).toBe(50);
    expect(await total('GET /dicom-web', 'ANONYMOUS')).toBe(30);
    const rows = await h.services.db.auditEvent.findMany({ where: { action: 'access.denied' } });
    // a few windows' worth of rows, not one per attempt
    expect(rows.length).toBeLessThan(40);
    const forbidden = rows.find((r) => r.resourceId === 'graphql users' && r.actorType === 'USER')!;
    expect(forbidden).toMatchObject({ outcome: 'DENIED', actorId: integrator.id, clientAddress: expect.stringMatching(/127\.0\.0\.1/) });
    expect((forbidden.details as { code: string }).code).toBe('FORBIDDEN');
    expect(await h.services.db.auditEvent.count()).toBeLessThan(before + 60);
    expect((await verifyAudit(h.services)).ok).toBe(true);
  });
});
