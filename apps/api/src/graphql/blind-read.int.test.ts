// The blind second read: nothing the first reader decided reaches the second reader before they
// submit, through any field or route; and the reads that show tasks and masks are audited.
import { syntheticCtSeries } from '@imaging/dicom';
import { inSqlTransaction } from '@imaging/db';
import { packBits, encodeMask } from '@imaging/ml';
import { startHarness, userCaller, apiKeyCaller, gql, errorCodes, postDicom, type Harness, type Caller } from '../testing/harness';

let h: Harness;
let seed = 700;

/** An ingested 4-slice series with an AI mask (version 0) and a NEW review task. */
async function seedTask(admin: Caller): Promise<{ taskId: string; sops: string[] }> {
  const series = syntheticCtSeries({ seed: ++seed, slices: 4, size: 16 });
  const stored = await postDicom(h, admin, series.files, { multipart: true });
  expect(stored.status).toBe(200);
  const sops: string[] = stored.body.results.map((r: { sopInstanceUid: string }) => r.sopInstanceUid);
  const taskId = await inSqlTransaction(h.services.db, async (sql) => {
    const [s] = await sql.query<{ id: string; study: string }>(`SELECT id, "studyDbId" AS study FROM "Series" WHERE "seriesInstanceUid" = $1`, [series.seriesInstanceUid]);
    const [av] = await sql.query<{ id: string }>(`INSERT INTO "AnnotationVersion" (id, "seriesDbId", version, source, label, "createdAt") VALUES (gen_random_uuid(), $1, 0, 'AI', 'lesion', now()) RETURNING id`, [s.id]);
    const [inst] = await sql.query<{ id: string }>(`SELECT id FROM "Instance" WHERE "sopInstanceUid" = $1`, [sops[2]]);
    const mask = new Uint8Array(256); mask.fill(1, 0, 40);
    await sql.query(`INSERT INTO "MaskSlice" ("annotationId", "instanceDbId", rows, columns, area, data) VALUES ($1, $2, 16, 16, 40, $3)`, [av.id, inst.id, Buffer.from(encodeMask(mask))]);
    const [t] = await sql.query<{ id: string }>(
      `INSERT INTO "ReviewTask" (id, "seriesDbId", "studyDbId", state, urgent, "aiLabel", "aiScore", "createdAt", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'NEW', false, 'lesion', 0.8, now(), now()) RETURNING id`,
      [s.id, s.study]);
    return t.id;
  });
  return { taskId, sops };
}

const TASK = 'id state secondReadRequired secondReadReason disagreement decisions { read decision label comment readerName annotationVersion } annotationVersions { version source authorName label }';
type Task = { state: string; secondReadReason: string | null; decisions: { read: number }[]; annotationVersions: { version: number }[] };
const NEUTRAL = 'second read requested';

async function taskVia(c: Caller, op: 'claimReviewTask' | 'startReview' | 'reviewTask', id: string): Promise<Task> {
  const kind = op === 'reviewTask' ? 'query' : 'mutation';
  const res = await gql<Record<string, Task>>(h, c, `${kind}($id: ID!) { ${op}(id: $id) { ${TASK} } }`, { id });
  expect(res.body.errors).toBeUndefined();
  return res.body.data![op];
}

/** The annotation version the REST mask route served. */
async function restMaskVersion(c: Caller, sop: string, version?: number): Promise<string | null> {
  const res = await fetch(`${h.url}/api/instances/${sop}/mask${version === undefined ? '' : `?version=${version}`}`, { headers: c.headers });
  expect(res.status).toBe(200);
  return res.headers.get('x-mask-version');
}

beforeAll(async () => { h = await startHarness({ reviewSecondReadShare: 0 }); });
afterAll(() => h.close());

describe('blind second read', () => {
  it('hides the first decision, reason, masks and versions from the second reader until they submit', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const first = await userCaller(h, 'RADIOLOGIST');
    const second = await userCaller(h, 'RADIOLOGIST');
    const { taskId, sops } = await seedTask(admin);
    await taskVia(first, 'claimReviewTask', taskId);
    await taskVia(first, 'startReview', taskId);
    const edited = new Uint8Array(256); edited.fill(1, 100, 140);
    const submitted = await gql<{ submitReview: Task }>(h, first, `mutation($input: SubmitReviewInput!) { submitReview(input: $input) { ${TASK} } }`, {
      input: { taskId, decision: 'CORRECT', label: 'none', comment: 'calcification', masks: [{ sopInstanceUid: sops[2], data: Buffer.from(packBits(edited)).toString('base64') }] },
    });
    expect(submitted.body.data!.submitReview).toMatchObject({ state: 'SECOND_READ', secondReadReason: 'AI and reader disagree' });

    // the second reader, before claiming (worklist, task), on claiming and on starting
    const rows = await gql<{ worklist: { nodes: (Task & { id: string })[] } }>(h, second, `{ worklist(first: 20, filter: { states: [SECOND_READ] }) { nodes { ${TASK} } } }`);
    expect(rows.body.errors).toBeUndefined();
    const row = rows.body.data!.worklist.nodes.find((n) => n.id === taskId)!;
    const seen = [row, await taskVia(second, 'reviewTask', taskId), await taskVia(second, 'claimReviewTask', taskId), await taskVia(second, 'startReview', taskId)];
    for (const t of seen) {
      expect(t).toMatchObject({ state: 'SECOND_READ', secondReadReason: NEUTRAL, decisions: [] });
      expect(t.annotationVersions.map((v) => v.version)).toEqual([0]);
    }
    // masks: the newest and an explicitly asked-for first-reader version both give the AI's
    expect(await restMaskVersion(second, sops[2])).toBe('0');
    expect(await restMaskVersion(second, sops[2], 1)).toBe('0');
    for (const version of [null, 1]) {
      const m = await gql<{ sliceMask: { version: number; area: number } }>(h, second, 'query($s: String!, $v: Int) { sliceMask(sopInstanceUid: $s, version: $v) { version area } }', { s: sops[2], v: version });
      expect(m.body.data!.sliceMask).toEqual({ version: 0, area: 40 });
    }
    // the audit log is not a side door
    expect(errorCodes(await gql(h, second, '{ auditEvents(first: 10) { nodes { action details } } }'))).toEqual(['FORBIDDEN']);

    // an admin overseeing the case sees the real reason and the first read
    const overseen = await taskVia(admin, 'reviewTask', taskId);
    expect(overseen).toMatchObject({ secondReadReason: 'AI and reader disagree' });
    expect(overseen.decisions.map((d) => d.read)).toEqual([1]);

    // after submitting, the second reader sees it all
    const done = await gql<{ submitReview: Task }>(h, second, `mutation($input: SubmitReviewInput!) { submitReview(input: $input) { ${TASK} } }`, { input: { taskId, decision: 'APPROVE' } });
    expect(done.body.data!.submitReview).toMatchObject({ state: 'FINAL', secondReadReason: 'AI and reader disagree', disagreement: true });
    expect(done.body.data!.submitReview.decisions.map((d) => d.read)).toEqual([1, 2]);

    // an integrator's key sees the outcome but not who read it or what they wrote
    const integrator = await apiKeyCaller(h, 'INTEGRATOR');
    const q = `query($id: ID!) { reviewTask(id: $id) { assigneeId assigneeName decisions { read decision label comment readerName } annotationVersions { version authorName } } }`;
    const asIntegrator = await gql<{ reviewTask: { decisions: unknown[]; annotationVersions: unknown[] } }>(h, integrator, q, { id: taskId });
    expect(asIntegrator.body.errors).toBeUndefined();
    expect(asIntegrator.body.data!.reviewTask).toEqual({
      assigneeId: null, assigneeName: null,
      decisions: [{ read: 1, decision: 'CORRECT', label: 'none', comment: null, readerName: null }, { read: 2, decision: 'APPROVE', label: 'lesion', comment: null, readerName: null }],
      annotationVersions: [{ version: 0, authorName: null }, { version: 1, authorName: null }],
    });
    const asAdmin = await gql<{ reviewTask: { decisions: { comment: string | null; readerName: string | null }[] } }>(h, admin, q, { id: taskId });
    expect(asAdmin.body.data!.reviewTask.decisions[0]).toMatchObject({ comment: 'calcification', readerName: expect.any(String) });
  });

  it('audits worklist reads once per request and every mask read', async () => {
    const admin = await userCaller(h, 'ADMIN');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const { sops } = await seedTask(admin);
    const before = await h.services.db.auditEvent.count({ where: { actorId: rad.id, action: 'worklist.read' } });
    const res = await gql<{ worklist: { nodes: { id: string }[] } }>(h, rad, '{ worklist(first: 200) { nodes { id } } }');
    const shown = res.body.data!.worklist.nodes.length;
    expect(shown).toBeGreaterThan(0);
    const rows = await h.services.db.auditEvent.findMany({ where: { actorId: rad.id, action: 'worklist.read' }, orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)!.details).toMatchObject({ count: shown });
    expect(rows.at(-1)!.clientAddress).toMatch(/127\.0\.0\.1|::1/);

    await restMaskVersion(rad, sops[2]);
    await gql(h, rad, 'query($s: String!) { sliceMask(sopInstanceUid: $s) { version } }', { s: sops[2] });
    const masks = await h.services.db.auditEvent.findMany({ where: { actorId: rad.id, action: 'mask.read', resourceId: sops[2] } });
    expect(masks).toHaveLength(2);
    expect(masks[0].details).toMatchObject({ version: 0, source: 'AI' });
  });
});
