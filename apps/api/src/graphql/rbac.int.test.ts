// Role × operation matrix, including anonymous callers, for users (session cookie) and API keys.
import { readManifest, readCorpusFile } from '@imaging/testing';
import { startHarness, anonymous, userCaller, apiKeyCaller, gql, errorCodes, postDicom, type Harness, type Caller } from '../testing/harness';

type Who = 'anonymous' | 'ADMIN' | 'RADIOLOGIST' | 'INTEGRATOR';
const ALL: Who[] = ['ADMIN', 'RADIOLOGIST', 'INTEGRATOR'];
const ADMIN_ONLY: Who[] = ['ADMIN'];

interface Operation { name: string; allowed: Who[]; /** false: people only, API keys of any role are refused */ keys?: false; run(h: Harness, c: Caller): Promise<'allowed' | string> }

function graphqlOp(name: string, allowed: Who[], query: string, variables: () => Record<string, unknown> = () => ({})): Operation {
  return {
    name, allowed,
    async run(h, c) {
      const res = await gql(h, c, query, variables());
      const codes = errorCodes(res);
      if (codes.includes('UNAUTHENTICATED') || codes.includes('FORBIDDEN')) return codes.find((x) => x === 'UNAUTHENTICATED' || x === 'FORBIDDEN')!;
      if (codes.length && !codes.every((x) => x === 'NOT_FOUND' || x === 'CONFLICT')) throw new Error(`${name}: unexpected ${JSON.stringify(res.body.errors)}`);
      return 'allowed';
    },
  };
}

let userSeq = 0;
const OPERATIONS: Operation[] = [
  graphqlOp('studies', ALL, '{ studies { totalCount nodes { studyInstanceUid } } }'),
  graphqlOp('study', ALL, '{ study(studyInstanceUid: "1.2.3.404") { id } }'),
  graphqlOp('patients', ALL, '{ patients { id } }'),
  graphqlOp('series', ALL, '{ series(seriesInstanceUid: "1.2.3.404") { id } }'),
  graphqlOp('instances', ALL, '{ instances(seriesInstanceUid: "1.2.3.404") { id } }'),
  graphqlOp('modelVersions', ALL, '{ modelVersions { version status } }'),
  graphqlOp('worklist', ALL, '{ worklist { totalCount } }'),
  graphqlOp('queues', ADMIN_ONLY, '{ queues { name waiting } }'),
  graphqlOp('promoteModelVersion', ADMIN_ONLY, 'mutation { promoteModelVersion(version: "v-none") { id } }'),
  graphqlOp('cancelReviewTask', ADMIN_ONLY, 'mutation { cancelReviewTask(id: "00000000-0000-4000-8000-000000000000", reason: "x") { id } }'),
  graphqlOp('auditEvents', ADMIN_ONLY, '{ auditEvents(first: 5) { nodes { id } } }'),
  graphqlOp('auditChainStatus', ADMIN_ONLY, '{ auditChainStatus { ok } }'),
  graphqlOp('users', ADMIN_ONLY, '{ users { id } }'),
  graphqlOp('apiKeys', ADMIN_ONLY, '{ apiKeys { id } }'),
  graphqlOp('createUser', ADMIN_ONLY, 'mutation($i: CreateUserInput!){ createUser(input: $i) { id } }',
    () => ({ i: { email: `matrix${++userSeq}@example.org`, password: 'long enough password', role: 'RADIOLOGIST' } })),
  graphqlOp('setUserRole', ADMIN_ONLY, 'mutation{ setUserRole(userId: "00000000-0000-4000-8000-000000000000", role: ADMIN) { id } }'),
  { ...graphqlOp('createApiKey', ADMIN_ONLY, 'mutation{ createApiKey(name: "matrix", role: INTEGRATOR) { key } }'), keys: false },
  graphqlOp('setUserDisabled', ADMIN_ONLY, 'mutation{ setUserDisabled(userId: "00000000-0000-4000-8000-000000000000", disabled: true) { id } }'),
  graphqlOp('revokeUserSessions', ADMIN_ONLY, 'mutation{ revokeUserSessions(userId: "00000000-0000-4000-8000-000000000000") }'),
  graphqlOp('revokeApiKey', ADMIN_ONLY, 'mutation{ revokeApiKey(id: "00000000-0000-4000-8000-000000000000") { id } }'),
  graphqlOp('remoteAes', ADMIN_ONLY, '{ remoteAes { id } }'),
  graphqlOp('remoteAeDestinations', ['ADMIN', 'RADIOLOGIST'], '{ remoteAeDestinations { id } }'),
  graphqlOp('storeToRemoteAe', ['ADMIN', 'RADIOLOGIST'], 'mutation{ storeToRemoteAe(input: { remoteAeId: "00000000-0000-4000-8000-000000000000", studyInstanceUid: "1.2.3.404" }) { instances } }'),
  graphqlOp('startDeidentifiedExport', ADMIN_ONLY, 'mutation{ startDeidentifiedExport(input: { studyInstanceUids: ["1.2.3.404"], project: "matrix", destination: ARCHIVE }) { id } }'),
  graphqlOp('deidentifiedExports', ADMIN_ONLY, '{ deidentifiedExports { id } }'),
  graphqlOp('deidentifiedExport', ADMIN_ONLY, '{ deidentifiedExport(id: "00000000-0000-4000-8000-000000000000") { id } }'),
  graphqlOp('pseudonyms', ADMIN_ONLY, '{ pseudonyms(project: "matrix") { pseudonym } }'),
  graphqlOp('deleteRemoteAe', ADMIN_ONLY, 'mutation{ deleteRemoteAe(id: "00000000-0000-4000-8000-000000000000") { id } }'),
  {
    name: 'POST /api/instances', allowed: ALL,
    async run(h, c) {
      const row = readManifest().find((r) => r.path.includes('ct-3slice/02.dcm'))!;
      const res = await postDicom(h, c, [readCorpusFile(row)]);
      if (res.status === 401) return 'UNAUTHENTICATED';
      if (res.status === 403) return 'FORBIDDEN';
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${JSON.stringify(res.body)}`);
      return 'allowed';
    },
  },
];

describe('access control matrix', () => {
  let h: Harness;
  const callers: { who: Who; caller: Caller }[] = [];
  beforeAll(async () => {
    h = await startHarness({ apiKeyAllowAdmin: true });
    callers.push({ who: 'anonymous', caller: anonymous });
    for (const role of ['ADMIN', 'RADIOLOGIST', 'INTEGRATOR'] as const) {
      callers.push({ who: role, caller: await userCaller(h, role) });
      callers.push({ who: role, caller: await apiKeyCaller(h, role) });
    }
  });
  afterAll(() => h.close());

  it('allows and denies exactly as the role table says', async () => {
    const outcomes: string[] = [];
    for (const op of OPERATIONS) {
      for (const { who, caller } of callers) {
        const got = await op.run(h, caller);
        const allowed = op.allowed.includes(who) && !(op.keys === false && caller.label.startsWith('apiKey:'));
        const expected = allowed ? 'allowed' : who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
        outcomes.push(`${op.name} ${caller.label}: ${got === expected ? 'ok' : `expected ${expected}, got ${got}`}`);
      }
    }
    expect(outcomes.filter((o) => !o.endsWith(': ok'))).toEqual([]);
    expect(outcomes.length).toBe(OPERATIONS.length * 7);
  });

  it('me answers for every caller, null when anonymous', async () => {
    expect((await gql(h, anonymous, '{ me { id } }')).body.data).toEqual({ me: null });
    for (const { who, caller } of callers.filter((c) => c.who !== 'anonymous')) {
      const res = await gql<{ me: { role: string; kind: string } }>(h, caller, '{ me { role kind permissions } }');
      expect(res.body.data?.me.role).toBe(who);
    }
  });

  it('refuses a wrong or revoked API key with 401', async () => {
    const res = await gql(h, { label: 'bad', headers: { authorization: 'Bearer irp_not-a-real-key' } }, '{ me { id } }');
    expect(res.status).toBe(401);
    const key = await apiKeyCaller(h, 'INTEGRATOR');
    const admin = callers.find((c) => c.who === 'ADMIN')!.caller;
    const revoked = await gql(h, admin, `mutation{ revokeApiKey(id: "${key.id}") { revokedAt } }`);
    expect(revoked.body.errors).toBeUndefined();
    expect((await gql(h, key, '{ me { id } }')).status).toBe(401);
  });

  it('ends a session on logout', async () => {
    const user = await userCaller(h, 'RADIOLOGIST');
    expect((await gql(h, user, 'mutation { logout }')).body.data).toEqual({ logout: true });
    expect(errorCodes(await gql(h, user, '{ studies { totalCount } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a wrong password without saying whether the account exists', async () => {
    const user = await userCaller(h, 'RADIOLOGIST');
    const wrong = await gql(h, anonymous, 'mutation($e:String!){ login(email:$e, password:"wrong password!") { expiresAt } }', { e: user.email });
    const unknown = await gql(h, anonymous, 'mutation{ login(email:"nobody@example.org", password:"wrong password!") { expiresAt } }');
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.body.errors?.[0].message).toBe(unknown.body.errors?.[0].message);
  });
});
