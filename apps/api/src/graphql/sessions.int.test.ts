// Sessions, API key caps and security headers against a real server: idle sessions end, disabling a
// user ends their sessions at once, sign-out-everywhere, keys expire and cannot carry ADMIN, the
// session cookie is Secure outside loopback, every answer carries the security headers.
import { systemContext } from '@imaging/testing';
import { anonymous, apiKeyCaller, errorCodes, gql, startHarness, userCaller, type Harness } from '../testing/harness';

const LOGIN = 'mutation($e:String!,$p:String!){ login(email:$e,password:$p){ user { id } } }';

describe('sessions and keys', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ sessionIdleMs: 30 * 60_000, apiKeyMaxDays: 90 }); });
  afterAll(() => h.close());

  const me = async (c: { headers: Record<string, string>; label: string }) => (await gql<{ me: { id: string } | null }>(h, c, '{ me { id } }')).body.data?.me ?? null;

  it('ends a session idle for longer than SESSION_IDLE_MINUTES, and activity keeps one alive', async () => {
    const user = await userCaller(h, 'RADIOLOGIST');
    const other = await userCaller(h, 'RADIOLOGIST');
    expect(await me(user)).toEqual({ id: user.id });
    // one session was last seen 31 minutes ago, the other 29 minutes ago
    await h.services.db.$executeRawUnsafe(`UPDATE "Session" SET "lastSeenAt" = (now() AT TIME ZONE 'UTC') - interval '31 minutes' WHERE "userId" = $1::uuid`, user.id);
    await h.services.db.$executeRawUnsafe(`UPDATE "Session" SET "lastSeenAt" = (now() AT TIME ZONE 'UTC') - interval '29 minutes' WHERE "userId" = $1::uuid`, other.id);
    expect(await me(user)).toBeNull();
    expect(errorCodes(await gql(h, user, '{ studies { totalCount } }'))).toEqual(['UNAUTHENTICATED']);
    expect(await me(other)).toEqual({ id: other.id });
    // that request moved lastSeenAt forward (it was older than a minute)
    const [row] = await h.services.db.$queryRawUnsafe<{ idle: number }[]>(
      `SELECT extract(epoch FROM (now() AT TIME ZONE 'UTC') - "lastSeenAt")::float AS idle FROM "Session" WHERE "userId" = $1::uuid`, other.id);
    expect(row.idle).toBeLessThan(60);
  });

  it('disabling a user ends every session at once and refuses login; enabling lets them log in again', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const user = await userCaller(h, 'RADIOLOGIST');
    const secondDevice = { headers: { cookie: (await gql(h, anonymous, LOGIN, { e: user.email, p: user.password })).headers.get('set-cookie')!.split(';')[0] }, label: 'second device' };
    expect(await me(secondDevice)).toEqual({ id: user.id });
    const off = await gql<{ setUserDisabled: { disabled: boolean } }>(h, admin, 'mutation($u:ID!){ setUserDisabled(userId:$u, disabled:true){ disabled } }', { u: user.id });
    expect(off.body.data?.setUserDisabled.disabled).toBe(true);
    expect(await me(user)).toBeNull();
    expect(await me(secondDevice)).toBeNull();
    expect(await h.services.db.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    expect(errorCodes(await gql(h, anonymous, LOGIN, { e: user.email, p: user.password }))).toEqual(['UNAUTHENTICATED']);
    const audit = await h.services.db.auditEvent.findFirst({ where: { action: 'user.disable', resourceId: user.id } });
    expect(audit).toMatchObject({ actorId: admin.id, outcome: 'SUCCESS', details: { sessionsRevoked: 2 } });
    await gql(h, admin, 'mutation($u:ID!){ setUserDisabled(userId:$u, disabled:false){ id } }', { u: user.id });
    expect((await gql(h, anonymous, LOGIN, { e: user.email, p: user.password })).body.errors).toBeUndefined();
    // an admin cannot lock themselves out
    expect(errorCodes(await gql(h, admin, 'mutation($u:ID!){ setUserDisabled(userId:$u, disabled:true){ id } }', { u: admin.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, admin, 'mutation{ setUserDisabled(userId:"not-a-uuid", disabled:true){ id } }'))).toEqual(['BAD_USER_INPUT']);
  });

  it('signs a user out everywhere', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const user = await userCaller(h, 'RADIOLOGIST');
    const res = await gql<{ revokeUserSessions: number }>(h, admin, 'mutation($u:ID!){ revokeUserSessions(userId:$u) }', { u: user.id });
    expect(res.body.data?.revokeUserSessions).toBe(1);
    expect(await me(user)).toBeNull();
    expect(await h.services.db.auditEvent.count({ where: { action: 'user.revokeSessions', resourceId: user.id } })).toBe(1);
    const missing = await gql(h, admin, 'mutation{ revokeUserSessions(userId:"00000000-0000-4000-8000-000000000000") }');
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
  });

  it('gives every key an expiry within API_KEY_MAX_DAYS, refuses expired keys, ADMIN keys and keys made by keys', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const made = await gql<{ createApiKey: { key: string; apiKey: { id: string; expiresAt: string } } }>(
      h, admin, 'mutation{ createApiKey(name:"pacs", role: INTEGRATOR){ key apiKey { id expiresAt } } }');
    const days = (Date.parse(made.body.data!.createApiKey.apiKey.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    const key = { headers: { authorization: `Bearer ${made.body.data!.createApiKey.key}` }, label: 'key' };
    expect(await me(key)).not.toBeNull();
    await h.services.db.apiKey.update({ where: { id: made.body.data!.createApiKey.apiKey.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await gql(h, key, '{ me { id } }')).status).toBe(401);

    expect(errorCodes(await gql(h, admin, 'mutation{ createApiKey(name:"long", role: INTEGRATOR, expiresInDays: 91){ key } }'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, 'mutation{ createApiKey(name:"zero", role: INTEGRATOR, expiresInDays: 0){ key } }'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, 'mutation{ createApiKey(name:"root", role: ADMIN){ key } }'))).toEqual(['FORBIDDEN']);
    expect(await h.services.db.apiKey.count({ where: { name: { in: ['long', 'zero', 'root'] } } })).toBe(0);
  });

  it('does not let an API key mint keys, even an ADMIN key where those are allowed', async () => {
    const wide = await startHarness({ apiKeyAllowAdmin: true });
    try {
      const adminKey = await apiKeyCaller(wide, 'ADMIN');
      expect(errorCodes(await gql(wide, adminKey, 'mutation{ createApiKey(name:"child", role: INTEGRATOR){ key } }'))).toEqual(['FORBIDDEN']);
      const { apiKey } = await (await import('@imaging/domain')).createApiKey(systemContext(wide.services), { name: 'short', role: 'INTEGRATOR', expiresInDays: 1 });
      expect(apiKey.expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    } finally {
      await wide.close();
    }
  });
});

describe('cookies and headers', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ cookieSecure: undefined }); });
  afterAll(() => h.close());

  const loginCookie = async (headers: Record<string, string>): Promise<string> => {
    const user = await userCaller(h, 'RADIOLOGIST');
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: LOGIN, variables: { e: user.email, p: user.password } }),
    });
    return res.headers.get('set-cookie') ?? '';
  };

  it('sets Secure on the session cookie except for plain http on a loopback host', async () => {
    expect(await loginCookie({})).not.toMatch(/;\s*Secure/i);
    expect(await loginCookie({ 'x-forwarded-host': 'localhost:3000', 'x-forwarded-proto': 'http' })).not.toMatch(/;\s*Secure/i);
    expect(await loginCookie({ 'x-forwarded-host': 'imaging.hospital.example', 'x-forwarded-proto': 'http' })).toMatch(/;\s*Secure/i);
    expect(await loginCookie({ 'x-forwarded-host': 'localhost:3000', 'x-forwarded-proto': 'https' })).toMatch(/;\s*Secure/i);
    expect(await loginCookie({})).toMatch(/HttpOnly/i);
  });

  it('answers with a CSP that allows nothing, no framing, nosniff; HSTS only over TLS', async () => {
    for (const path of ['/healthz', '/graphql?query=%7B__typename%7D', '/dicom-web/studies']) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    const tls = await fetch(`${h.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });
});
