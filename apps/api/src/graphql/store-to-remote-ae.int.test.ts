// Sending a series and the AI's DICOM SEG to a remote AE by C-STORE over GraphQL, with dcmtk's
// storescp as the remote: the images arrive byte for byte, the SEG (sent after them) arrives and
// dcmdump reads it; unknown and disabled AEs, a refusing peer, an unreachable one and a peer that takes
// images but no SEG are typed errors (the last with the failed SOP Instance UID); all audited.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readSegmentation, syntheticCtSeries } from '@imaging/dicom';
import { inSqlTransaction, poolSql } from '@imaging/db';
import { encodeMask } from '@imaging/ml';
import { datasetOffset } from '@imaging/domain';
import { freePort } from '@imaging/testing';
import { anonymous, errorCodes, gql, postDicom, startHarness, userCaller, type Harness } from '../testing/harness';

const run = promisify(execFile);
const CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

let h: Harness;
const receivers: { child: ChildProcess; dir: string }[] = [];

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** storescp writing each dataset bit for bit as received (+B) into its own folder. */
async function storescp(aeTitle: string, extra: string[] = []): Promise<{ port: number; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `storescp-${aeTitle}-`));
  const port = await freePort();
  const child = spawn('storescp', ['-aet', aeTitle, '+B', '-od', dir, ...extra, String(port)], { stdio: 'ignore' });
  receivers.push({ child, dir });
  for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return { port, dir };
}

/** A storescp profile accepting CT Image Storage only (no SEG), uncompressed. */
function ctOnlyProfile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'storescp-cfg-')), 'ct-only.cfg');
  writeFileSync(file, ['[[TransferSyntaxes]]', '[Uncompressed]', 'TransferSyntax1 = 1.2.840.10008.1.2.1', 'TransferSyntax2 = 1.2.840.10008.1.2',
    '[[PresentationContexts]]', '[Contexts]', `PresentationContext1 = ${CT_STORAGE}\\Uncompressed`,
    '[[Profiles]]', '[CtOnly]', 'PresentationContexts = Contexts', ''].join('\n'));
  return file;
}

beforeAll(async () => { h = await startHarness({ reviewSecondReadShare: 0 }); });
afterAll(async () => {
  for (const r of receivers) { r.child.kill(); rmSync(r.dir, { recursive: true, force: true }); }
  await h.close();
});

/** A 3-slice series with the AI's version 0 (a mask on slice 2), as the pipeline leaves it. */
async function seedSeries(seed: number) {
  const admin = await userCaller(h, 'ADMIN');
  const series = syntheticCtSeries({ seed, slices: 3, size: 16 });
  const stored = await postDicom(h, admin, series.files, { multipart: true });
  expect(stored.status).toBe(200);
  const mask = new Uint8Array(256);
  mask.fill(1, 17, 60);
  const sops: string[] = stored.body.results.map((r: { sopInstanceUid: string }) => r.sopInstanceUid);
  const annotationId = await inSqlTransaction(h.services.db, async (sql) => {
    const [s] = await sql.query<{ id: string }>(`SELECT id FROM "Series" WHERE "seriesInstanceUid" = $1`, [series.seriesInstanceUid]);
    const [av] = await sql.query<{ id: string }>(`INSERT INTO "AnnotationVersion" (id, "seriesDbId", version, source, label, "createdAt") VALUES (gen_random_uuid(), $1, 0, 'AI', 'lesion', now()) RETURNING id`, [s.id]);
    const [inst] = await sql.query<{ id: string }>(`SELECT id FROM "Instance" WHERE "sopInstanceUid" = $1`, [sops[1]]);
    await sql.query(`INSERT INTO "MaskSlice" ("annotationId", "instanceDbId", rows, columns, area, data) VALUES ($1, $2, 16, 16, 43, $3)`, [av.id, inst.id, Buffer.from(encodeMask(mask))]);
    return av.id;
  });
  return { series, sops, annotationId, mask, files: series.files };
}

const STORE = `mutation($i: StoreToRemoteAeInput!) { storeToRemoteAe(input: $i) { remoteAeId aeTitle instances completed warning segSopInstanceUids } }`;

interface GqlError { extensions: { code: string; reason?: string; failedSopInstanceUids?: string[]; completed?: number } }

describe('storeToRemoteAe', () => {
  it('sends a series and its AI SEG to storescp: images byte for byte, the SEG readable by dcmdump', async () => {
    const { series, sops, annotationId, mask, files } = await seedSeries(7401);
    const pacs = await storescp('PACS');
    const ae = await h.services.db.remoteAe.create({ data: { aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port } });
    const rad = await userCaller(h, 'RADIOLOGIST');
    const destinations = await gql<{ remoteAeDestinations: { aeTitle: string }[] }>(h, rad, '{ remoteAeDestinations { aeTitle } }');
    expect(destinations.body.data!.remoteAeDestinations.map((d) => d.aeTitle)).toEqual(['PACS']);

    const res = await gql<{ storeToRemoteAe: { instances: number; completed: number; segSopInstanceUids: string[] } }>(h, rad, STORE, {
      i: { remoteAeId: ae.id, studyInstanceUid: series.studyInstanceUid, seriesInstanceUids: [series.seriesInstanceUid], annotationIds: [annotationId] },
    });
    expect(res.body.errors).toBeUndefined();
    const result = res.body.data!.storeToRemoteAe;
    expect(result).toMatchObject({ aeTitle: 'PACS', instances: 4, completed: 4, warning: 0 });
    expect(result.segSopInstanceUids).toHaveLength(1);

    // storescp names files by dcmtk's SOP class abbreviation and SOP Instance UID (CT.<uid>, SG.<uid> for a SEG)
    const received = readdirSync(pacs.dir).sort();
    expect(received).toEqual([...sops.map((s) => `CT.${s}`), `SG.${result.segSopInstanceUids[0]}`].sort());
    for (const [i, sop] of sops.entries()) {
      const got = readFileSync(path.join(pacs.dir, `CT.${sop}`));
      expect(got.subarray(datasetOffset(got)).equals(files[i].subarray(datasetOffset(files[i])))).toBe(true);
    }
    const segFile = path.join(pacs.dir, `SG.${result.segSopInstanceUids[0]}`);
    const dump = await run('dcmdump', ['-q', segFile]); // rejects on a non-zero exit
    expect(dump.stderr).toBe('');
    expect(dump.stdout).toMatch(/\(0008,0016\) UI =SegmentationStorage/);
    expect(dump.stdout).toMatch(/\(0062,0005\) LO \[Lesion\]/);
    const seg = await readSegmentation(new Uint8Array(readFileSync(segFile)));
    expect(seg.frames.map((f) => f.referencedSopInstanceUid)).toEqual([sops[1]]);
    expect(seg.frames[0].mask).toEqual(mask);

    const audit = await h.services.db.auditEvent.findMany({ where: { action: 'remoteAe.store' } });
    expect(audit.map((a) => [a.actorId, a.resourceId, a.outcome])).toEqual([[rad.id, ae.id, 'SUCCESS']]);
    expect(audit[0].details).toMatchObject({ aeTitle: 'PACS', instances: 4, completed: 4, failed: 0 });
  });

  it('refuses unknown and disabled AEs and bad input with typed errors, sending nothing', async () => {
    const { series } = await seedSeries(7402);
    const off = await storescp('OFF');
    const disabled = await h.services.db.remoteAe.create({ data: { aeTitle: 'OFF', host: '127.0.0.1', port: off.port, enabled: false } });
    const rad = await userCaller(h, 'RADIOLOGIST');
    const integrator = await userCaller(h, 'INTEGRATOR');
    const input = (over: Record<string, unknown>) => ({ i: { remoteAeId: disabled.id, studyInstanceUid: series.studyInstanceUid, ...over } });
    expect(errorCodes(await gql(h, anonymous, STORE, input({})))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(h, integrator, STORE, input({})))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, rad, STORE, input({ remoteAeId: '00000000-0000-4000-8000-000000000000' })))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(h, rad, STORE, input({ remoteAeId: 'nope' })))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, rad, STORE, input({ studyInstanceUid: "1.2' OR 1=1" })))).toEqual(['BAD_USER_INPUT']);
    const refused = await gql(h, rad, STORE, input({}));
    expect((refused.body.errors as GqlError[])[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'REMOTE_AE_DISABLED' });
    expect(readdirSync(off.dir)).toEqual([]);
    const audit = await h.services.db.auditEvent.findMany({ where: { action: 'remoteAe.store', resourceId: disabled.id } });
    expect(audit.map((a) => [a.outcome, (a.details as { reason: string }).reason])).toEqual([['FAILURE', 'REMOTE_AE_DISABLED']]);
  });

  it('bounds one send by DIMSE_MOVE_MAX_INSTANCES before sending any', async () => {
    const { series } = await seedSeries(7403);
    const pacs = await storescp('SMALL');
    const ae = await h.services.db.remoteAe.create({ data: { aeTitle: 'SMALL', host: '127.0.0.1', port: pacs.port } });
    const admin = await userCaller(h, 'ADMIN');
    const saved = h.services.config.dimse.moveMaxInstances;
    h.services.config.dimse.moveMaxInstances = 2;
    try {
      const res = await gql(h, admin, STORE, { i: { remoteAeId: ae.id, studyInstanceUid: series.studyInstanceUid } });
      expect(errorCodes(res)).toEqual(['PAYLOAD_TOO_LARGE']);
    } finally {
      h.services.config.dimse.moveMaxInstances = saved;
    }
    expect(readdirSync(pacs.dir)).toEqual([]);
  });

  it('reports a refusing peer, an unreachable one and a partial failure with the failed SOP Instance UIDs', async () => {
    const { series, annotationId } = await seedSeries(7404);
    const admin = await userCaller(h, 'ADMIN');
    const refusing = await storescp('REFUSING', ['--refuse']);
    const ctOnly = await storescp('CTONLY', ['-xf', ctOnlyProfile(), 'CtOnly']);
    const [refuser, down, partial] = await Promise.all([
      h.services.db.remoteAe.create({ data: { aeTitle: 'REFUSING', host: '127.0.0.1', port: refusing.port } }),
      h.services.db.remoteAe.create({ data: { aeTitle: 'DOWN', host: '127.0.0.1', port: await freePort() } }),
      h.services.db.remoteAe.create({ data: { aeTitle: 'CTONLY', host: '127.0.0.1', port: ctOnly.port } }),
    ]);
    const send = (remoteAeId: string) => gql(h, admin, STORE, { i: { remoteAeId, studyInstanceUid: series.studyInstanceUid, annotationIds: [annotationId] } });

    const rejected = (await send(refuser.id)).body.errors as GqlError[];
    expect(rejected[0].extensions).toMatchObject({ code: 'BAD_GATEWAY', reason: 'ASSOCIATION_REJECTED', completed: 0 });
    expect(rejected[0].extensions.failedSopInstanceUids).toHaveLength(4);
    const unreachable = (await send(down.id)).body.errors as GqlError[];
    expect(unreachable[0].extensions).toMatchObject({ code: 'BAD_GATEWAY', reason: 'UNREACHABLE', completed: 0 });

    const partly = (await send(partial.id)).body.errors as GqlError[];
    const [seg] = await poolSql(h.services.db).query<{ sop: string }>(`SELECT "segSopInstanceUid" AS sop FROM "AnnotationVersion" WHERE id = $1`, [annotationId]);
    expect(partly[0].extensions).toMatchObject({ code: 'BAD_GATEWAY', reason: 'PARTIAL_FAILURE', completed: 3, failedSopInstanceUids: [seg.sop] });
    expect(readdirSync(ctOnly.dir).filter((f) => f.startsWith('CT.'))).toHaveLength(3);
    expect(readdirSync(refusing.dir)).toEqual([]);

    // a peer that takes only Implicit VR Little Endian: nothing can be written for it, and the error says why
    const implicitOnly = await storescp('IMPLICIT', ['+xi']);
    const implicitAe = await h.services.db.remoteAe.create({ data: { aeTitle: 'IMPLICIT', host: '127.0.0.1', port: implicitOnly.port } });
    const [noSyntax] = (await send(implicitAe.id)).body.errors as (GqlError & { message: string; extensions: { refusals?: { code: string }[] } })[];
    expect(noSyntax.extensions).toMatchObject({ code: 'BAD_GATEWAY', reason: 'PARTIAL_FAILURE', completed: 0 });
    expect(noSyntax.extensions.refusals?.map((r) => r.code)).toContain('NO_ACCEPTED_TRANSFER_SYNTAX');
    expect(noSyntax.message).toMatch(/NO_ACCEPTED_TRANSFER_SYNTAX/);
    expect(readdirSync(implicitOnly.dir)).toEqual([]);

    const audit = await h.services.db.auditEvent.findMany({ where: { action: 'remoteAe.store', resourceId: { in: [refuser.id, down.id, partial.id] } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.resourceId, a.outcome, (a.details as { reason: string }).reason])).toEqual([
      [refuser.id, 'FAILURE', 'ASSOCIATION_REJECTED'], [down.id, 'FAILURE', 'UNREACHABLE'], [partial.id, 'FAILURE', 'PARTIAL_FAILURE'],
    ]);
  });
});
