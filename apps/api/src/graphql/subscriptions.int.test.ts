// GraphQL subscriptions over graphql-ws on the real server: studyProcessing streams the state of
// a study's AI processing until it settles; worklistChanged fires when a task changes; both need
// a valid caller.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { syntheticCtSeries } from '@imaging/dicom';
import { poolSql } from '@imaging/db';
import { startHarness, apiKeyCaller, postDicom, type Harness } from '../testing/harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h.close());

function client(authorization?: string): Client {
  return createClient({ url: h.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: authorization ? { authorization } : {}, retryAttempts: 0 });
}

function collect<T>(c: Client, query: string, variables: Record<string, unknown>, until: (values: T[]) => boolean): Promise<{ values: T[]; errors: unknown[] }> {
  return new Promise((resolve) => {
    const values: T[] = [];
    const errors: unknown[] = [];
    const stop = c.subscribe<T>({ query, variables }, {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) values.push(v.data);
        if (errors.length || until(values)) { stop(); resolve({ values, errors }); }
      },
      error: (e) => { errors.push(e); resolve({ values, errors }); },
      complete: () => resolve({ values, errors }),
    });
  });
}

describe('subscriptions', () => {
  it('streams a study\'s processing from QUEUED through RUNNING to DONE', async () => {
    const key = await apiKeyCaller(h, 'INTEGRATOR');
    const series = syntheticCtSeries({ seed: 5150, slices: 2, size: 16 });
    expect((await postDicom(h, key, series.files, { multipart: true })).status).toBe(200);
    const sql = poolSql(h.services.db);
    const [row] = await sql.query<{ id: string; study: string }>(`SELECT id, "studyDbId" AS study FROM "Series" WHERE "seriesInstanceUid" = $1`, [series.seriesInstanceUid]);
    await sql.query(`INSERT INTO "SeriesProcessing" ("seriesDbId", "studyDbId", state) VALUES ($1, $2, 'QUEUED') ON CONFLICT ("seriesDbId") DO UPDATE SET state = 'QUEUED'`, [row.id, row.study]);
    const c = client(key.headers.authorization);
    const stream = collect<{ studyProcessing: { state: string } }>(c,
      'subscription($uid: String!) { studyProcessing(studyInstanceUid: $uid) { state series { state } } }', { uid: series.studyInstanceUid },
      (v) => v.at(-1)?.studyProcessing.state === 'DONE');
    // the worker's steps, as the database sees them
    await new Promise((r) => setTimeout(r, 1200));
    await sql.query(`UPDATE "SeriesProcessing" SET state = 'RUNNING' WHERE "seriesDbId" = $1`, [row.id]);
    await new Promise((r) => setTimeout(r, 1200));
    await sql.query(`UPDATE "SeriesProcessing" SET state = 'DONE' WHERE "seriesDbId" = $1`, [row.id]);
    const { values, errors } = await stream;
    expect(errors).toEqual([]);
    expect(values.map((v) => v.studyProcessing.state)).toEqual(['QUEUED', 'RUNNING', 'DONE']);
    await c.dispose();
  });

  it('refuses callers without a valid identity', async () => {
    const anonymous = client();
    const { errors } = await collect(anonymous, 'subscription { worklistChanged { openTasks } }', {}, () => true);
    // anonymous sockets are closed at connect with 4401 (Unauthorized), before any subscription
    expect((errors[0] as { code?: number }).code).toBe(4401);
    await anonymous.dispose();
    const badKey = client('Bearer irp_not_a_key');
    const refused = await collect(badKey, 'subscription { worklistChanged { openTasks } }', {}, () => true);
    expect((refused.errors[0] as { code?: number }).code).toBe(4401);
    await badKey.dispose();
  });
});
