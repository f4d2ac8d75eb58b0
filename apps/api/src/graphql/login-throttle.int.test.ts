// Login throttling against a real server and Redis: a burst of wrong passwords reaches the password
// check at most LOGIN_MAX_FAILURES times, locks the account with one audit row, and the per-address
// limit holds across accounts.
import { createUser } from '@imaging/domain';
import { systemContext } from '@imaging/testing';
import { anonymous, errorCodes, gql, startHarness, type Harness } from '../testing/harness';

const LOGIN = 'mutation($e:String!,$p:String!){ login(email:$e,password:$p){ user { id } } }';

describe('login throttling', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ loginMaxFailures: 5, loginLockoutSeconds: 60, loginMaxPerIp: 1000 }); });
  afterAll(() => h.close());

  it('lets 5 of 200 parallel wrong guesses reach the password check and locks the account once', async () => {
    const email = 'target@example.org';
    const user = await createUser(systemContext(h.services), { email, password: 'the right password 1', role: 'RADIOLOGIST' });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => gql(h, anonymous, LOGIN, { e: email, p: `guess ${i}` })));
    const codes = answers.map((a) => errorCodes(a)[0]);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBe(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBe(195);
    expect(await h.services.db.auditEvent.count({ where: { action: 'auth.login', actorId: user.id, outcome: 'FAILURE' } })).toBe(5);
    expect(await h.services.db.auditEvent.count({ where: { action: 'auth.lockout', resourceId: user.id } })).toBe(1);
    // the right password does not open a locked account
    const locked = await gql(h, anonymous, LOGIN, { e: email, p: 'the right password 1' });
    expect(errorCodes(locked)).toEqual(['RATE_LIMITED']);
  });

  it('a success clears the failures', async () => {
    const email = 'forgetful@example.org';
    await createUser(systemContext(h.services), { email, password: 'the right password 2', role: 'RADIOLOGIST' });
    for (let i = 0; i < 4; i++) expect(errorCodes(await gql(h, anonymous, LOGIN, { e: email, p: 'wrong' }))).toEqual(['UNAUTHENTICATED']);
    expect((await gql(h, anonymous, LOGIN, { e: email, p: 'the right password 2' })).body.errors).toBeUndefined();
    for (let i = 0; i < 4; i++) expect(errorCodes(await gql(h, anonymous, LOGIN, { e: email, p: 'wrong' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('limits attempts per client address across accounts', async () => {
    const narrow = await startHarness({ loginMaxPerIp: 3 });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push(errorCodes(await gql(narrow, anonymous, LOGIN, { e: `nobody${i}@example.org`, p: 'x' }))[0]);
      expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    } finally {
      await narrow.close();
    }
  });
});
