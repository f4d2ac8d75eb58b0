// DICOM SEG over HTTP on a real server: export an annotation version by GraphQL (idempotent), the
// download route (authorised, audited like mask reads, hostile ids refused), QIDO modality SEG and
// WADO-RS for the stored SEG, the segDownloadUrl field, and the import state of the SEG.
import { readSegmentation, syntheticCtSeries } from '@imaging/dicom';
import { inSqlTransaction, poolSql } from '@imaging/db';
import { encodeMask } from '@imaging/ml';
import { preprocessInstance } from '@imaging/domain';
import { anonymous, errorCodes, gql, postDicom, startHarness, userCaller, type Harness } from '../testing/harness';

let h: Harness;
beforeAll(async () => { h = await startHarness({ reviewSecondReadShare: 0 }); });
afterAll(() => h.close());

/** A 3-slice series with the AI's version 0 (a mask on slice 2) and a NEW task, as the pipeline leaves them. */
async function seedAiVersion(): Promise<{ annotationId: string; taskId: string; sops: string[]; studyUid: string; mask: Uint8Array }> {
  const admin = await userCaller(h, 'ADMIN');
  const series = syntheticCtSeries({ seed: 7301, slices: 3, size: 16 });
  const stored = await postDicom(h, admin, series.files, { multipart: true });
  expect(stored.status).toBe(200);
  const sops: string[] = stored.body.results.map((r: { sopInstanceUid: string }) => r.sopInstanceUid);
  const mask = new Uint8Array(256);
  mask.fill(1, 17, 60);
  const ids = await inSqlTransaction(h.services.db, async (sql) => {
    const [s] = await sql.query<{ id: string; study: string }>(`SELECT id, "studyDbId" AS study FROM "Series" WHERE "seriesInstanceUid" = $1`, [series.seriesInstanceUid]);
    const [av] = await sql.query<{ id: string }>(`INSERT INTO "AnnotationVersion" (id, "seriesDbId", version, source, label, "createdAt") VALUES (gen_random_uuid(), $1, 0, 'AI', 'lesion', now()) RETURNING id`, [s.id]);
    const [inst] = await sql.query<{ id: string }>(`SELECT id FROM "Instance" WHERE "sopInstanceUid" = $1`, [sops[1]]);
    await sql.query(`INSERT INTO "MaskSlice" ("annotationId", "instanceDbId", rows, columns, area, data) VALUES ($1, $2, 16, 16, 43, $3)`, [av.id, inst.id, Buffer.from(encodeMask(mask))]);
    const [t] = await sql.query<{ id: string }>(
      `INSERT INTO "ReviewTask" (id, "seriesDbId", "studyDbId", state, "aiLabel", "aiScore", "createdAt", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'NEW', 'lesion', 0.9, now(), now()) RETURNING id`, [s.id, s.study]);
    return { annotationId: av.id, taskId: t.id };
  });
  return { ...ids, sops, studyUid: series.studyInstanceUid, mask };
}

const EXPORT = 'mutation($id: ID!) { exportAnnotationSeg(annotationId: $id) { annotationId version source sopInstanceUid seriesInstanceUid studyInstanceUid created downloadUrl } }';

describe('DICOM SEG over HTTP', () => {
  it('exports once, serves the SEG for download, in QIDO as modality SEG and by WADO-RS, audited per read', async () => {
    const { annotationId, taskId, sops, studyUid, mask } = await seedAiVersion();
    const rad = await userCaller(h, 'RADIOLOGIST');
    const first = await gql<{ exportAnnotationSeg: Record<string, unknown> }>(h, rad, EXPORT, { id: annotationId });
    expect(first.body.errors).toBeUndefined();
    const exported = first.body.data!.exportAnnotationSeg;
    expect(exported).toMatchObject({ annotationId, version: 0, source: 'AI', created: true, studyInstanceUid: studyUid, downloadUrl: `/api/annotations/${annotationId}/seg` });
    const second = await gql<{ exportAnnotationSeg: Record<string, unknown> }>(h, rad, EXPORT, { id: annotationId });
    expect(second.body.data!.exportAnnotationSeg).toMatchObject({ created: false, sopInstanceUid: exported.sopInstanceUid });

    const download = await fetch(`${h.url}${exported.downloadUrl as string}`, { headers: rad.headers });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/dicom');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="seg-v0-/);
    const seg = await readSegmentation(new Uint8Array(await download.arrayBuffer()));
    expect(seg.frames.map((f) => f.referencedSopInstanceUid)).toEqual([sops[1]]);
    expect(seg.frames[0].mask).toEqual(mask);
    const reads = await poolSql(h.services.db).query<{ actorId: string }>(`SELECT "actorId" FROM "AuditEvent" WHERE action = 'seg.read' AND "resourceId" = $1`, [annotationId]);
    expect(reads).toEqual([{ actorId: rad.id }]);

    const qido = await fetch(`${h.url}/dicom-web/studies/${studyUid}/series?Modality=SEG`, { headers: rad.headers });
    expect(qido.status).toBe(200);
    const series = (await qido.json()) as Record<string, { Value?: unknown[] }>[];
    expect(series.map((s) => s['0020000E'].Value?.[0])).toEqual([exported.seriesInstanceUid]);
    const wado = await fetch(`${h.url}/dicom-web/studies/${studyUid}/series/${exported.seriesInstanceUid as string}/instances/${exported.sopInstanceUid as string}`, {
      headers: { ...rad.headers, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
    });
    expect(wado.status).toBe(200);

    // the task's versions link to it; the SEG's own ingest is recognised as our export once processed
    const task = await gql<{ reviewTask: { annotationVersions: { version: number; segDownloadUrl: string }[] } }>(
      h, rad, 'query($id: ID!) { reviewTask(id: $id) { annotationVersions { version segDownloadUrl } } }', { id: taskId });
    expect(task.body.data!.reviewTask.annotationVersions).toEqual([{ version: 0, segDownloadUrl: `/api/annotations/${annotationId}/seg` }]);
    const IMPORT = 'query($sop: String!) { segmentationImport(sopInstanceUid: $sop) { state reason annotationId } }';
    const pending = await gql<{ segmentationImport: { state: string } }>(h, rad, IMPORT, { sop: exported.sopInstanceUid });
    expect(pending.body.data!.segmentationImport.state).toBe('PENDING');
    const [segRow] = await poolSql(h.services.db).query<{ id: string }>(`SELECT id FROM "Instance" WHERE "sopInstanceUid" = $1`, [exported.sopInstanceUid]);
    await preprocessInstance(h.services, segRow.id);
    const done = await gql<{ segmentationImport: Record<string, unknown> }>(h, rad, IMPORT, { sop: exported.sopInstanceUid });
    expect(done.body.data!.segmentationImport).toEqual({ state: 'EXPORTED', reason: null, annotationId });
  });

  it('refuses anonymous callers and hostile ids with typed errors, producing nothing', async () => {
    const rad = await userCaller(h, 'RADIOLOGIST');
    const before = await poolSql(h.services.db).query<{ n: number }>(`SELECT count(*)::int AS n FROM "Instance"`);
    expect((await fetch(`${h.url}/api/annotations/00000000-0000-4000-8000-000000000000/seg`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/annotations/00000000-0000-4000-8000-000000000000/seg`, { headers: rad.headers })).status).toBe(404);
    const bad = await fetch(`${h.url}/api/annotations/${encodeURIComponent("x' OR 1=1 --")}/seg`, { headers: rad.headers });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    expect(errorCodes(await gql(h, anonymous, EXPORT, { id: '00000000-0000-4000-8000-000000000000' }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(h, rad, EXPORT, { id: 'nope' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, rad, 'query { segmentationImport(sopInstanceUid: "1.2.3") { state } }'))).toEqual(['NOT_FOUND']);
    const after = await poolSql(h.services.db).query<{ n: number }>(`SELECT count(*)::int AS n FROM "Instance"`);
    expect(after).toEqual(before);
  });
});
