// Review workflow over GraphQL on a real server: every transition, illegal moves, the parallel
// claim race, second reads with the first read hidden, mask versions, permissions, the worklist
// order, and the audit rows each step writes.
import { syntheticCtSeries } from '@imaging/dicom';
import { inSqlTransaction } from '@imaging/db';
import { packBits, encodeMask, unpackBits } from '@imaging/ml';
import { releaseIdleTasks } from '@imaging/domain';
import { startHarness, userCaller, apiKeyCaller, gql, errorCodes, postDicom, type Harness, type Caller } from '../testing/harness';

let h: Harness;
let seed = 300;

/** An ingested 4-slice series with an AI result, AI mask (version 0) and a NEW review task, as the pipeline leaves them. */
async function seedTask(h: Harness, ai: { label: string; score: number; urgent?: boolean }, admin: Caller): Promise<{ taskId: string; sops: string[]; studyUid: string }> {
  const series = syntheticCtSeries({ seed: ++seed, slices: 4, size: 16 });
  const stored = await postDicom(h, admin, series.files, { multipart: true });
  expect(stored.status).toBe(200);
  const sops: string[] = stored.body.results.map((r: { sopInstanceUid: string }) => r.sopInstanceUid);
  const taskId = await inSqlTransaction(h.services.db, async (sql) => {
    const [s] = await sql.query<{ id: string; study: string }>(`SELECT id, "studyDbId" AS study FROM "Series" WHERE "seriesInstanceUid" = $1`, [series.seriesInstanceUid]);
    const [av] = await sql.query<{ id: string }>(`INSERT INTO "AnnotationVersion" (id, "seriesDbId", version, source, label, "createdAt") VALUES (gen_random_uuid(), $1, 0, 'AI', $2, now()) RETURNING id`, [s.id, ai.label]);
    const [inst] = await sql.query<{ id: string }>(`SELECT id FROM "Instance" WHERE "sopInstanceUid" = $1`, [sops[1]]);
    const mask = new Uint8Array(256); mask.fill(1, 0, 40);
    await sql.query(`INSERT INTO "MaskSlice" ("annotationId", "instanceDbId", rows, columns, area, data) VALUES ($1, $2, 16, 16, 40, $3)`, [av.id, inst.id, Buffer.from(encodeMask(mask))]);
    const [t] = await sql.query<{ id: string }>(
      `INSERT INTO "ReviewTask" (id, "seriesDbId", "studyDbId", state, urgent, "aiLabel", "aiScore", "createdAt", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'NEW', $3, $4, $5, now(), now()) RETURNING id`,
      [s.id, s.study, ai.urgent ?? false, ai.label, ai.score]);
    return t.id;
  });
  return { taskId, sops, studyUid: series.studyInstanceUid };
}

const TASK = 'id state priority urgent aiLabel aiScore assigneeId assigneeName secondReadRequired secondReadReason disagreement decisions { read decision label comment readerName annotationVersion } annotationVersions { version source authorName label slices }';

async function mutate(c: Caller, name: string, args: string, variables: Record<string, unknown> = {}) {
  const declared = [['$id', 'ID!'], ['$input', 'SubmitReviewInput!'], ['$userId', 'ID!']].filter(([v]) => args.includes(v)).map(([v, t]) => `${v}: ${t}`);
  const used = Object.fromEntries(Object.entries(variables).filter(([k]) => args.includes(`$${k}`)));
  return gql(h, c, `mutation(${declared.join(', ')}) { ${name}(${args}) { ${TASK} } }`, used);
}
const claim = (c: Caller, id: string) => mutate(c, 'claimReviewTask', 'id: $id', { id });
const start = (c: Caller, id: string) => mutate(c, 'startReview', 'id: $id', { id });
const submit = (c: Caller, input: Record<string, unknown>) => mutate(c, 'submitReview', 'input: $input', { input, id: input.taskId });
type Task = { state: string; decisions: { read: number; decision: string; label: string | null }[]; annotationVersions: { version: number; source: string }[]; [k: string]: unknown };
const data = (res: Awaited<ReturnType<typeof mutate>>, name: string) => (res.body.data as Record<string, Task> | null)?.[name];

beforeAll(async () => { h = await startHarness({ reviewSecondReadShare: 0, apiKeyAllowAdmin: true }); });
afterAll(() => h.close());

describe('review workflow', () => {
  it('walks NEW → ASSIGNED → IN_PROGRESS → SUBMITTED → FINAL on approval, audited step by step', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const { taskId } = await seedTask(h, { label: 'lesion', score: 0.9 }, admin);
    expect(data(await claim(rad, taskId), 'claimReviewTask')).toMatchObject({ state: 'ASSIGNED', assigneeId: rad.id });
    expect(data(await start(rad, taskId), 'startReview')).toMatchObject({ state: 'IN_PROGRESS' });
    const done = data(await submit(rad, { taskId, decision: 'APPROVE' }), 'submitReview')!;
    expect(done).toMatchObject({ state: 'FINAL', assigneeId: null, secondReadRequired: false });
    expect(done.decisions).toEqual([expect.objectContaining({ read: 1, decision: 'APPROVE', label: 'lesion' })]);
    const audit = await h.services.db.auditEvent.findMany({ where: { resourceId: taskId, action: { startsWith: 'review.' } }, orderBy: { id: 'asc' } });
    expect(audit.filter((a) => a.action !== 'review.read').map((a) => [a.action, (a.details as { to?: string }).to])).toEqual([
      ['review.claim', 'ASSIGNED'], ['review.start', 'IN_PROGRESS'], ['review.submit', 'SUBMITTED'], ['review.route', 'FINAL'],
    ]);
    // nothing more can happen to a FINAL task
    expect(errorCodes(await claim(rad, taskId))).toEqual(['CONFLICT']);
    expect(errorCodes(await submit(rad, { taskId, decision: 'APPROVE' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await mutate(admin, 'cancelReviewTask', 'id: $id, reason: "dup"', { id: taskId }))).toEqual(['CONFLICT']);
  });

  it('refuses illegal or incomplete moves with precise errors and changes nothing', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const { taskId } = await seedTask(h, { label: 'none', score: 0.1 }, admin);
    expect(errorCodes(await start(rad, taskId))).toEqual(['FORBIDDEN']); // not claimed by them
    await claim(rad, taskId);
    const noReason = await submit(rad, { taskId, decision: 'REJECT' });
    expect(errorCodes(noReason)).toEqual(['BAD_USER_INPUT']);
    expect(noReason.body.errors![0].message).toMatch(/reason/);
    expect(errorCodes(await submit(rad, { taskId, decision: 'CORRECT' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await submit(rad, { taskId, decision: 'CORRECT', label: 'lesion' }))).toEqual(['BAD_USER_INPUT']); // no mask
    expect(errorCodes(await submit(rad, { taskId, decision: 'CORRECT', label: 'lesion', masks: [{ sopInstanceUid: 'x', data: 'AAAA' }] }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await submit(rad, { taskId, decision: 'APPROVE', masks: [{ sopInstanceUid: 'x', data: 'AAAA' }] }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await submit(rad, { taskId, decision: 'MAYBE' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await claim(rad, 'not-a-uuid'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await claim(rad, '00000000-0000-4000-8000-000000000000'))).toEqual(['NOT_FOUND']);
    const task = await h.services.db.reviewTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.state).toBe('ASSIGNED');
    expect(await h.services.db.reviewDecision.count({ where: { taskId } })).toBe(0);
    expect(await h.services.db.annotationVersion.count({ where: { seriesDbId: task.seriesDbId } })).toBe(1);
  });

  it('gives a task to exactly one of many parallel claims', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const readers = await Promise.all(Array.from({ length: 6 }, () => userCaller(h, 'RADIOLOGIST')));
    const { taskId } = await seedTask(h, { label: 'lesion', score: 0.7 }, admin);
    const results = await Promise.all(readers.map((r) => claim(r, taskId)));
    const winners = results.filter((r) => !r.body.errors);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => errorCodes(r).join() === 'CONFLICT')).toHaveLength(5);
    const winner = readers[results.indexOf(winners[0])];
    expect((await h.services.db.reviewTask.findUniqueOrThrow({ where: { id: taskId } })).assigneeId).toBe(winner.id);
    expect(await h.services.db.auditEvent.count({ where: { resourceId: taskId, action: 'review.claim' } })).toBe(1);
  });

  it('routes a correction that disagrees with the AI to a second reader who cannot see the first read, and records the disagreement', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const first = await userCaller(h, 'RADIOLOGIST');
    const second = await userCaller(h, 'RADIOLOGIST');
    const { taskId, sops } = await seedTask(h, { label: 'lesion', score: 0.8 }, admin);
    await claim(first, taskId);
    await start(first, taskId);
    const edited = new Uint8Array(256); edited.fill(1, 100, 140);
    const corrected = data(await submit(first, { taskId, decision: 'CORRECT', label: 'none', comment: 'calcification, not a lesion', masks: [{ sopInstanceUid: sops[2], data: Buffer.from(packBits(edited)).toString('base64') }] }), 'submitReview')!;
    expect(corrected).toMatchObject({ state: 'SECOND_READ', assigneeId: null, secondReadRequired: true, secondReadReason: 'AI and reader disagree' });
    expect(corrected.annotationVersions.map((v) => [v.version, v.source])).toEqual([[0, 'AI'], [1, 'READER']]);

    // an admin overseeing the case sees the first read; the second reader will not
    const overseen = await gql<{ reviewTask: Task }>(h, admin, `query($id: ID!) { reviewTask(id: $id) { ${TASK} } }`, { id: taskId });
    expect(overseen.body.data!.reviewTask.decisions.map((d) => d.read)).toEqual([1]);
    // the first reader cannot take the second read
    expect(errorCodes(await claim(first, taskId))).toEqual(['CONFLICT']);
    const claimed = data(await claim(second, taskId), 'claimReviewTask')!;
    expect(claimed.state).toBe('SECOND_READ');
    expect(claimed.decisions).toEqual([]); // hidden until the second reader submits
    expect(claimed.annotationVersions.map((v) => v.version)).toEqual([0]);
    // the mask the second reader gets is the AI's, not the first reader's
    const maskRes = await fetch(`${h.url}/api/instances/${sops[2]}/mask`, { headers: second.headers });
    expect(maskRes.headers.get('x-mask-version')).toBe('0');
    const firstView = await fetch(`${h.url}/api/instances/${sops[2]}/mask`, { headers: first.headers });
    expect(firstView.headers.get('x-mask-version')).toBe('1');
    expect(unpackBits(new Uint8Array(await firstView.arrayBuffer()), 256)).toEqual(edited);
    const viaGraphql = await gql<{ sliceMask: { version: number; area: number; data: string } }>(h, first, 'query($s: String!) { sliceMask(sopInstanceUid: $s) { version area data } }', { s: sops[2] });
    expect(viaGraphql.body.data!.sliceMask).toMatchObject({ version: 1, area: 40 });
    expect(unpackBits(Buffer.from(viaGraphql.body.data!.sliceMask.data, 'base64'), 256)).toEqual(edited);
    // any version can be viewed (by the first reader or an admin)
    const v0 = await fetch(`${h.url}/api/instances/${sops[1]}/mask?version=0`, { headers: admin.headers });
    expect([v0.status, v0.headers.get('x-mask-area')]).toEqual([200, '40']);

    const final = data(await submit(second, { taskId, decision: 'APPROVE' }), 'submitReview')!;
    expect(final).toMatchObject({ state: 'FINAL', disagreement: true });
    expect(final.decisions.map((d) => [d.read, d.decision, d.label])).toEqual([[1, 'CORRECT', 'none'], [2, 'APPROVE', 'lesion']]);
    const audit = await h.services.db.auditEvent.findFirstOrThrow({ where: { resourceId: taskId, action: 'review.second-read' } });
    expect(audit.details).toMatchObject({ disagreement: true, to: 'FINAL', firstLabel: 'none' });
  });

  it('rejects with a reason, lets admins assign, unassign, cancel and auto-assign, and returns idle claims to the pool', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const a = await seedTask(h, { label: 'lesion', score: 0.6 }, admin);
    expect(data(await mutate(admin, 'assignReviewTask', 'id: $id, userId: $userId', { id: a.taskId, userId: rad.id }), 'assignReviewTask')).toMatchObject({ state: 'ASSIGNED', assigneeId: rad.id });
    const rejected = data(await submit(rad, { taskId: a.taskId, decision: 'REJECT', comment: 'motion artefact, unreadable' }), 'submitReview')!;
    expect(rejected).toMatchObject({ state: 'SECOND_READ', secondReadReason: 'AI result rejected' });

    const b = await seedTask(h, { label: 'none', score: 0.2 }, admin);
    await claim(rad, b.taskId);
    expect(data(await mutate(admin, 'unassignReviewTask', 'id: $id', { id: b.taskId }), 'unassignReviewTask')).toMatchObject({ state: 'NEW', assigneeId: null });
    expect(data(await mutate(admin, 'cancelReviewTask', 'id: $id, reason: "duplicate upload"', { id: b.taskId }), 'cancelReviewTask')).toMatchObject({ state: 'CANCELLED' });

    const c = await seedTask(h, { label: 'lesion', score: 0.95, urgent: true }, admin);
    const assigned = await gql<{ autoAssignReviewTasks: number }>(h, admin, 'mutation { autoAssignReviewTasks }');
    expect(assigned.body.data!.autoAssignReviewTasks).toBeGreaterThanOrEqual(1);
    const cTask = await h.services.db.reviewTask.findUniqueOrThrow({ where: { id: c.taskId } });
    expect(cTask.state).toBe('ASSIGNED');
    // idle for longer than the claim timeout → back to NEW, audited as a system action
    const later = new Date(Date.now() + h.services.config.reviewClaimTimeoutMs + 60_000);
    expect(await releaseIdleTasks(h.services, later)).toBeGreaterThanOrEqual(1);
    expect((await h.services.db.reviewTask.findUniqueOrThrow({ where: { id: c.taskId } })).state).toBe('NEW');
    expect(await h.services.db.auditEvent.count({ where: { resourceId: c.taskId, action: 'review.release', actorType: 'SYSTEM' } })).toBe(1);
  });

  it('orders the worklist by priority (urgent, AI score, age), filters it, and pages it', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const urgent = await seedTask(h, { label: 'none', score: 0.05, urgent: true }, admin);
    const high = await seedTask(h, { label: 'lesion', score: 0.99 }, admin);
    const low = await seedTask(h, { label: 'none', score: 0.01 }, admin);
    const q = `query($f: WorklistFilterInput, $s: WorklistSort, $first: Int, $after: String) { worklist(filter: $f, sort: $s, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id priority aiScore urgent state } } }`;
    type Page = { worklist: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { id: string; priority: number; urgent: boolean }[] } };
    const all = (await gql<Page>(h, rad, q, { f: { states: ['NEW'] } })).body.data!.worklist;
    const ids = all.nodes.map((n) => n.id);
    expect(ids.indexOf(urgent.taskId)).toBeLessThan(ids.indexOf(high.taskId));
    expect(ids.indexOf(high.taskId)).toBeLessThan(ids.indexOf(low.taskId));
    const priorities = all.nodes.map((n) => n.priority);
    expect([...priorities].sort((x, y) => y - x)).toEqual(priorities);
    const page1 = (await gql<Page>(h, rad, q, { f: { states: ['NEW'] }, first: 2 })).body.data!.worklist;
    const page2 = (await gql<Page>(h, rad, q, { f: { states: ['NEW'] }, first: 2, after: page1.pageInfo.endCursor })).body.data!.worklist;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect([...page1.nodes, ...page2.nodes].map((n) => n.id)).toEqual(ids.slice(0, 4));
    expect(page1.totalCount).toBe(all.totalCount);
    expect(page2.totalCount).toBe(all.totalCount);
    // a cursor past the end: no rows, and the total still counted
    const past = (await gql<Page>(h, rad, q, { f: { states: ['NEW'] }, after: Buffer.from(String(all.totalCount + 5)).toString('base64url') })).body.data!.worklist;
    expect(past).toMatchObject({ totalCount: all.totalCount, nodes: [], pageInfo: { hasNextPage: false } });
    const urgentOnly = (await gql<Page>(h, rad, q, { f: { urgent: true, states: ['NEW'] } })).body.data!.worklist;
    expect(urgentOnly.nodes.every((n) => n.urgent)).toBe(true);
    expect(errorCodes(await gql(h, rad, q, { first: 1000 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, rad, q, { f: { aiLabel: 'maybe' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('enforces who may do what: integrators cannot review, a radiologist cannot act on a task another one claimed, only admins manage', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const other = await userCaller(h, 'RADIOLOGIST');
    const integrator = await userCaller(h, 'INTEGRATOR');
    const integratorKey = await apiKeyCaller(h, 'INTEGRATOR');
    const adminKey = await apiKeyCaller(h, 'ADMIN');
    const { taskId } = await seedTask(h, { label: 'lesion', score: 0.5 }, admin);
    expect(errorCodes(await claim(integrator, taskId))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await claim(integratorKey, taskId))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await claim(adminKey, taskId))).toEqual(['FORBIDDEN']); // decisions need a person
    expect(errorCodes(await claim({ headers: {}, label: 'anonymous' }, taskId))).toEqual(['UNAUTHENTICATED']);
    await claim(rad, taskId);
    expect(errorCodes(await claim(other, taskId))).toEqual(['CONFLICT']);
    expect(errorCodes(await start(other, taskId))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await submit(other, { taskId, decision: 'APPROVE' }))).toEqual(['FORBIDDEN']);
    for (const c of [rad, integrator, integratorKey]) {
      expect(errorCodes(await mutate(c, 'assignReviewTask', 'id: $id, userId: $userId', { id: taskId, userId: other.id }))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await mutate(c, 'cancelReviewTask', 'id: $id, reason: "x"', { id: taskId }))).toEqual(['FORBIDDEN']);
    }
    // integrators may read the worklist (they query results), not change it
    expect(errorCodes(await gql(h, integratorKey, '{ worklist { totalCount } }'))).toEqual([]);
    expect((await h.services.db.reviewTask.findUniqueOrThrow({ where: { id: taskId } })).assigneeId).toBe(rad.id);
  });
});

describe('measurements saved with the review decision', () => {
  const M_TASK = 'id state decisions { read decision measurements { id tool sopInstanceUid frame label points lengthMm widthMm angleDeg areaMm2 meanHu stdDevHu valueHu } }';
  type Measured = { state: string; decisions: { read: number; decision: string; measurements: Record<string, unknown>[] }[] };
  const submitMeasured = (c: Caller, input: Record<string, unknown>) =>
    gql<{ submitReview: Measured }>(h, c, `mutation($input: SubmitReviewInput!) { submitReview(input: $input) { ${M_TASK} } }`, { input });
  const readTask = (c: Caller, id: string) => gql<{ reviewTask: Measured }>(h, c, `query($id: ID!) { reviewTask(id: $id) { ${M_TASK} } }`, { id });

  it('saves each tool\'s measurement with the decision, typed in GraphQL, audited in the same transaction', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const { taskId, sops } = await seedTask(h, { label: 'lesion', score: 0.9 }, admin);
    await claim(rad, taskId);
    await start(rad, taskId);
    const measurements = [
      { tool: 'LENGTH', sopInstanceUid: sops[1], points: [[2, 3], [12.5, 9]], lengthMm: 12.3, label: 'lesion A' },
      { tool: 'BIDIRECTIONAL', sopInstanceUid: sops[1], points: [[2, 8], [14, 8], [8, 5], [8, 11]], lengthMm: 12, widthMm: 6 },
      { tool: 'ANGLE', sopInstanceUid: sops[0], points: [[1, 1], [8, 8], [15, 1]], angleDeg: 90 },
      { tool: 'ELLIPTICAL_ROI', sopInstanceUid: sops[2], points: [[8, 4], [8, 12], [4, 8], [12, 8]], areaMm2: 50.3, meanHu: 41.5, stdDevHu: 12.25 },
      { tool: 'RECTANGLE_ROI', sopInstanceUid: sops[2], points: [[4, 4], [12, 4], [4, 12], [12, 12]], areaMm2: 64, meanHu: -3, stdDevHu: 8 },
      { tool: 'PROBE', sopInstanceUid: sops[3], points: [[16, 16]], valueHu: -1000 },
    ];
    const res = await submitMeasured(rad, { taskId, decision: 'APPROVE', measurements });
    expect(res.body.errors).toBeUndefined();
    const saved = res.body.data!.submitReview.decisions[0].measurements;
    expect(saved).toHaveLength(6);
    expect(saved[0]).toMatchObject({ tool: 'LENGTH', sopInstanceUid: sops[1], frame: 1, label: 'lesion A', points: [[2, 3], [12.5, 9]], lengthMm: 12.3, widthMm: null });
    expect(saved[3]).toMatchObject({ tool: 'ELLIPTICAL_ROI', areaMm2: 50.3, meanHu: 41.5, stdDevHu: 12.25 });
    expect(saved[5]).toMatchObject({ tool: 'PROBE', valueHu: -1000, points: [[16, 16]] });
    // read back the same way later
    expect((await readTask(rad, taskId)).body.data!.reviewTask.decisions[0].measurements).toEqual(saved);
    const decision = await h.services.db.reviewDecision.findFirstOrThrow({ where: { taskId } });
    expect(await h.services.db.reviewMeasurement.count({ where: { decisionId: decision.id } })).toBe(6);
    const audit = await h.services.db.auditEvent.findFirstOrThrow({ where: { resourceId: taskId, action: 'review.submit' } });
    expect(audit.details).toMatchObject({ measurements: 6, measurementTools: ['ANGLE', 'BIDIRECTIONAL', 'ELLIPTICAL_ROI', 'LENGTH', 'PROBE', 'RECTANGLE_ROI'] });
  });

  it('refuses an invalid measurement with a typed error and writes nothing: no decision, no measurement, no audit, task unchanged', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const other = await seedTask(h, { label: 'none', score: 0.1 }, admin);
    const { taskId, sops } = await seedTask(h, { label: 'lesion', score: 0.9 }, admin);
    await claim(rad, taskId);
    await start(rad, taskId);
    const good = { tool: 'LENGTH', sopInstanceUid: sops[0], points: [[1, 1], [5, 5]], lengthMm: 5.6 };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, points: [[1, 1]] }, /LENGTH needs 2 points/],
      [{ ...good, points: [[1, 1], [17, 5]] }, /outside the 16×16 image/],
      [{ ...good, sopInstanceUid: other.sops[0] }, /not an image of this task's series/],
      [{ ...good, frame: 2 }, /has no frame 2/],
      [{ ...good, angleDeg: 30 }, /LENGTH has no angleDeg/],
      [{ ...good, lengthMm: -1 }, /lengthMm must not be negative/],
    ];
    for (const [bad, message] of cases) {
      const res = await submitMeasured(rad, { taskId, decision: 'APPROVE', measurements: [good, bad] });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0].message).toMatch(/^measurement 2: /);
      expect(res.body.errors![0].message).toMatch(message);
    }
    // an unknown tool is refused by the GraphQL enum before it reaches the domain
    expect(errorCodes(await submitMeasured(rad, { taskId, decision: 'APPROVE', measurements: [{ ...good, tool: 'RULER' }] }))).toEqual(['BAD_USER_INPUT']);
    // too many measurements: refused before any work
    expect(errorCodes(await submitMeasured(rad, { taskId, decision: 'APPROVE', measurements: Array.from({ length: 201 }, () => good) }))).toEqual(['BAD_USER_INPUT']);
    expect((await h.services.db.reviewTask.findUniqueOrThrow({ where: { id: taskId } })).state).toBe('IN_PROGRESS');
    expect(await h.services.db.reviewDecision.count({ where: { taskId } })).toBe(0);
    expect(await h.services.db.reviewMeasurement.count({ where: { instance: { sopInstanceUid: { in: sops } } } })).toBe(0);
    expect(await h.services.db.auditEvent.count({ where: { resourceId: taskId, action: 'review.submit' } })).toBe(0);
    // the same read with the good measurement alone goes through
    const ok = await submitMeasured(rad, { taskId, decision: 'APPROVE', measurements: [good] });
    expect(ok.body.data!.submitReview.decisions[0].measurements).toEqual([expect.objectContaining({ tool: 'LENGTH', lengthMm: 5.6 })]);
  });

  it('shows the first reader\'s measurements to the second reader only after their own read', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const first = await userCaller(h, 'RADIOLOGIST');
    const second = await userCaller(h, 'RADIOLOGIST');
    const { taskId, sops } = await seedTask(h, { label: 'lesion', score: 0.8 }, admin);
    await claim(first, taskId);
    await start(first, taskId);
    const routed = await submitMeasured(first, { taskId, decision: 'CORRECT', label: 'none', measurements: [{ tool: 'LENGTH', sopInstanceUid: sops[1], points: [[0, 0], [10, 0]], lengthMm: 10 }] });
    expect(routed.body.data!.submitReview.state).toBe('SECOND_READ');
    expect(routed.body.data!.submitReview.decisions[0].measurements).toHaveLength(1); // the first reader sees their own
    await claim(second, taskId);
    // before their own read: no first decision, hence none of its measurements
    expect((await readTask(second, taskId)).body.data!.reviewTask.decisions).toEqual([]);
    const own = await submitMeasured(second, { taskId, decision: 'APPROVE', measurements: [{ tool: 'PROBE', sopInstanceUid: sops[2], points: [[3, 3]], valueHu: 40 }] });
    const decisions = own.body.data!.submitReview.decisions;
    expect(decisions.map((d) => [d.read, d.measurements.map((m) => m.tool)])).toEqual([[1, ['LENGTH']], [2, ['PROBE']]]);
    expect(decisions[0].measurements[0]).toMatchObject({ lengthMm: 10, sopInstanceUid: sops[1] });
  });
});
