// De-identified research export over GraphQL on a real server (Postgres, Redis queue, blob store):
// a corpus study is exported to a zip, downloaded and unzipped by Info-ZIP's unzip; every file
// parses, no X/Z/D attribute of PS3.15 Table E.1-1 keeps its original value at any depth, U UIDs
// are the project's keyed mapping (consistent across the study's series and across two exports of
// the project; another project gets other UIDs and another pseudonym), Pixel Data is byte for byte
// the original; the pseudonym table and audit rows are there. Refusals leave nothing written.
// Burned-in annotation instances are refused and listed; REMOTE_AE sends to dcmtk's storescp, one
// that takes only Deflated Explicit VR Little Endian (the instances arrive deflated and parse) and
// one that takes only Implicit VR Little Endian (each instance refused, typed, naming the syntaxes).
// The job is taken from the real BullMQ queue and run with the function the worker runs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as dcmjs from 'dcmjs';
import { BASIC_PROFILE, parseInstance, remapUid, syntheticCtSeries } from '@imaging/dicom';
import { executeDeidentifiedExport } from '@imaging/domain';
import { freePort } from '@imaging/testing';
import { errorCodes, gql, postDicom, startHarness, userCaller, type Caller, type Harness } from '../testing/harness';

const CORPUS = process.env.CORPUS_DIR ?? '/work/shared/dicom-corpus';
// a corpus study of three series (CT, and two parametric maps referencing it)
const STUDY_FILES = ['files/pydicom/CT_small.dcm', 'files/pydicom-data/parametric_map_float.dcm', 'files/pydicom-data/parametric_map_double_float.dcm'];

type Ds = Record<string, { vr: string; Value?: unknown[] }>;
const str = (v: unknown) => (v && typeof v === 'object' && 'Alphabetic' in v ? String((v as { Alphabetic: unknown }).Alphabetic ?? '') : String(v ?? ''));
function datasetOf(bytes: Uint8Array): Ds {
  return dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict as Ds;
}
function* elements(ds: Ds, at = ''): Generator<[string, { vr: string; Value?: unknown[] }]> {
  for (const [tag, el] of Object.entries(ds)) {
    yield [`${at}${tag}`, el];
    if (el.vr === 'SQ') for (const [i, item] of ((el.Value ?? []) as Ds[]).entries()) yield* elements(item, `${at}${tag}[${i}].`);
  }
}
const leaf = (p: string) => p.slice(-8);
function pixelBytes(bytes: Uint8Array): Buffer | null {
  const p = parseInstance(bytes, { requireUids: false }).pixelData;
  return p ? Buffer.from(p.source.subarray(p.offset, p.offset + p.length)) : null;
}

interface ExportResult {
  id: string; state: string; total: number; processed: number; exported: number; refused: number; failed: number;
  refusedInstances: { sopInstanceUid: string; code: string }[]; failedInstances: { sopInstanceUid: string; code: string; reason: string }[]; archiveUrl: string | null; archiveBytes: number | null; errorCode: string | null; error: string | null;
}
const FIELDS = 'id state total processed exported refused failed refusedInstances { sopInstanceUid seriesInstanceUid code reason } failedInstances { sopInstanceUid code reason } archiveUrl archiveBytes errorCode error project destination remoteAeTitle';
const START = `mutation($i: StartDeidentifiedExportInput!) { startDeidentifiedExport(input: $i) { ${FIELDS} } }`;

let h: Harness;
let admin: Caller & { id: string };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'deid-export-'));
const receivers: ChildProcess[] = [];
let originals: Buffer[] = [];
let studyUid = '';

async function runExport(input: Record<string, unknown>): Promise<ExportResult> {
  const started = await gql<{ startDeidentifiedExport: ExportResult }>(h, admin, START, { i: input });
  expect(started.body.errors).toBeUndefined();
  const queued = started.body.data!.startDeidentifiedExport;
  expect(queued.state).toBe('QUEUED');
  const job = await h.services.queues.deidentifiedExport.getJob(`export-${queued.id}`);
  expect(job?.data.exportId).toBe(queued.id);
  await executeDeidentifiedExport(h.services, queued.id, job!.data.requestId);
  await job!.remove();
  const done = await gql<{ deidentifiedExport: ExportResult }>(h, admin, `query($id: ID!) { deidentifiedExport(id: $id) { ${FIELDS} } }`, { id: queued.id });
  expect(done.body.errors).toBeUndefined();
  return done.body.data!.deidentifiedExport;
}

async function download(result: ExportResult, caller: Caller = admin): Promise<{ status: number; files: Map<string, Buffer>; report: unknown }> {
  const res = await fetch(`${h.url}${result.archiveUrl ?? `/api/exports/${result.id}/archive`}`, { headers: caller.headers });
  if (res.status !== 200) return { status: res.status, files: new Map(), report: null };
  expect(res.headers.get('content-type')).toBe('application/zip');
  const zip = path.join(tmp, `${result.id}.zip`);
  writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
  const out = path.join(tmp, result.id);
  execFileSync('unzip', ['-q', '-o', zip, '-d', out]); // an independent reader of the archive
  const files = new Map<string, Buffer>();
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}${e.name}/`);
      else files.set(`${rel}${e.name}`, readFileSync(path.join(dir, e.name)));
    }
  };
  walk(out, '');
  const report = JSON.parse(files.get('REPORT.json')!.toString('utf8'));
  files.delete('REPORT.json');
  return { status: 200, files, report };
}

async function projectKey(project: string): Promise<Uint8Array> {
  const [row] = await h.services.db.$queryRawUnsafe<{ key: Buffer }[]>(`SELECT key FROM "ResearchProject" WHERE name = $1`, project);
  return new Uint8Array(row.key);
}

/** A dcmtk storescp on a free port, storing what it receives as received (+B); `options` set what it accepts. */
async function startReceiver(aeTitle: string, options: string[] = []): Promise<{ dir: string; port: number }> {
  const dir = mkdtempSync(path.join(tmp, 'storescp-'));
  const port = await freePort();
  receivers.push(spawn('storescp', ['-aet', aeTitle, ...options, '+B', '-od', dir, String(port)], { stdio: 'ignore' }));
  const listening = () => new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  for (let i = 0; i < 100 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 50));
  return { dir, port };
}

/** A storescp association profile (dcmtk config file) taking the study's SOP classes (CT, Parametric
 *  Map) in Deflated Explicit VR Little Endian only. */
function receiverConfig(): string {
  const file = path.join(tmp, 'storescp-deflated.cfg');
  writeFileSync(file, [
    '[[TransferSyntaxes]]', '[Deflated]', 'TransferSyntax1 = DeflatedLittleEndianExplicit',
    '[[PresentationContexts]]', '[DeflatedOnly]', 'PresentationContext1 = CTImageStorage\\Deflated', 'PresentationContext2 = 1.2.840.10008.5.1.4.1.1.30\\Deflated',
    '[[Profiles]]', '[DeflatedOnly]', 'PresentationContexts = DeflatedOnly', '',
  ].join('\n'));
  return file;
}

beforeAll(async () => {
  h = await startHarness({ export: { maxStudies: 3, maxInstances: 100, maxArchiveBytes: 64 * 1024 * 1024 } });
  admin = await userCaller(h, 'ADMIN');
  originals = STUDY_FILES.map((f) => readFileSync(path.join(CORPUS, f)));
  const stored = await postDicom(h, admin, originals, { multipart: true });
  expect(stored.status).toBe(200);
  expect(stored.body.results).toHaveLength(3);
  studyUid = str(datasetOf(originals[0])['0020000D'].Value![0]);
}, 60_000);
afterAll(async () => {
  for (const r of receivers) r.kill();
  rmSync(tmp, { recursive: true, force: true });
  await h.close();
});

describe('de-identified export', () => {
  it('exports a corpus study to a zip: every file parses, nothing of the profile survives, UIDs remapped consistently, pixels identical, audited', async () => {
    const result = await runExport({ studyInstanceUids: [studyUid], project: 'Lung Study A', destination: 'ARCHIVE' });
    expect(result).toMatchObject({ state: 'DONE', total: 3, processed: 3, exported: 3, refused: 0, failed: 0, errorCode: null });
    expect(result.archiveUrl).toBe(`/api/exports/${result.id}/archive`);
    const { files, report } = await download(result);
    expect(files.size).toBe(3);
    expect(report).toMatchObject({ exportId: result.id, instances: 3, refusedBurnedInAnnotation: 0 });

    const key = await projectKey('Lung Study A');
    const problems: string[] = [];
    const pseudonyms = new Set<string>();
    const studies = new Set<string>();
    const series = new Set<string>();
    for (const original of originals) {
      const before = datasetOf(original);
      const sop = remapUid(key, str(before['00080018'].Value![0]));
      const name = [...files.keys()].find((k) => k.endsWith(`/${sop}.dcm`));
      expect(name).toBeDefined();
      const out = files.get(name!)!;
      parseInstance(out, { requireUids: true }); // our strict parser, File Meta included
      const after = datasetOf(out);
      expect(execFileSync('dcmdump', ['-q', path.join(tmp, result.id, name!)], { encoding: 'utf8' })).toMatch(/\(0012,0062\) CS \[YES\]/);
      const afterByPath = new Map([...elements(after)]);
      for (const [p, el] of elements(before)) {
        const rule = BASIC_PROFILE.get(leaf(p));
        if (!rule || !['X', 'Z', 'D', 'U'].includes(rule.basic) || el.vr === 'SQ') continue;
        const was = (el.Value ?? []).map(str).filter(Boolean);
        if (was.length === 0) continue;
        const now = afterByPath.get(p);
        if (!now) continue; // removed
        if (rule.basic === 'X') problems.push(`${rule.keyword} survived`);
        const values = (now.Value ?? []).map(str);
        if (values.some((v) => was.includes(v))) problems.push(`${rule.keyword} (${rule.table}) keeps its original value`);
        if (rule.basic === 'U' && values.join('\\') !== was.map((u) => remapUid(key, u)).join('\\')) problems.push(`${rule.keyword} is not the project's keyed UID`);
      }
      for (const [p] of elements(after)) if (parseInt(leaf(p).slice(0, 4), 16) % 2 === 1) problems.push(`private ${p} survived`);
      expect(pixelBytes(out)!.equals(pixelBytes(original)!)).toBe(true);
      pseudonyms.add(str(after['00100020'].Value![0]));
      studies.add(str(after['0020000D'].Value![0]));
      series.add(str(after['0020000E'].Value![0]));
      expect(name!.split('/').slice(0, 3)).toEqual([str(after['00100020'].Value![0]), str(after['0020000D'].Value![0]), str(after['0020000E'].Value![0])]);
    }
    expect(problems).toEqual([]);
    expect(studies).toEqual(new Set([remapUid(key, studyUid)]));
    expect(series.size).toBe(3);
    expect(pseudonyms.size).toBe(1);
    // the parametric maps' references to the CT point at the remapped CT
    const ctSop = remapUid(key, str(datasetOf(originals[0])['00080018'].Value![0]));
    const refs = [...files.values()].flatMap((b) => [...elements(datasetOf(b))].filter(([p]) => leaf(p) === '00081155').map(([, el]) => str(el.Value?.[0])));
    for (const r of refs) expect(r === ctSop || [...files.keys()].some((k) => k.endsWith(`/${r}.dcm`))).toBe(true);

    // the pseudonym table: admins only, the read audited
    const table = await gql<{ pseudonyms: { originalPatientId: string; pseudonym: string }[] }>(h, admin, '{ pseudonyms(project: "Lung Study A") { originalPatientId originalIssuer pseudonym } }');
    expect(table.body.errors).toBeUndefined();
    expect(table.body.data!.pseudonyms).toEqual([{ originalPatientId: str(datasetOf(originals[0])['00100020'].Value![0]).trim(), originalIssuer: '', pseudonym: [...pseudonyms][0] }]);
    const audit = await h.services.db.auditEvent.findMany({ where: { resourceId: result.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([['export.start', 'SUCCESS'], ['export.done', 'SUCCESS'], ['export.download', 'SUCCESS']]);
    expect(audit[0].actorId).toBe(admin.id);
    expect(await h.services.db.auditEvent.count({ where: { action: 'pseudonym.read', actorId: admin.id } })).toBe(1);
    expect(await h.services.db.auditEvent.count({ where: { action: 'export.read', resourceId: studyUid } })).toBeGreaterThanOrEqual(1);
  });

  it('keeps pseudonym and UIDs across exports of one project, and changes them for another project', async () => {
    const again = await runExport({ studyInstanceUids: [studyUid], project: 'Lung Study A', destination: 'ARCHIVE', options: { retainLongitudinalTemporal: true, cleanDescriptors: true } });
    const other = await runExport({ studyInstanceUids: [studyUid], project: 'Other Project', destination: 'ARCHIVE' });
    const first = (await gql<{ deidentifiedExports: ExportResult[] }>(h, admin, `{ deidentifiedExports { ${FIELDS} } }`)).body.data!.deidentifiedExports.at(-1)!;
    const [a, b, c] = await Promise.all([download(first), download(again), download(other)]);
    const top = (m: Map<string, Buffer>) => [...new Set([...m.keys()].map((k) => k.split('/').slice(0, 2).join('/')))];
    expect(top(a.files)).toHaveLength(1);
    expect(top(b.files)).toEqual(top(a.files)); // same pseudonym, same study UID
    expect([...b.files.keys()].sort()).toEqual([...a.files.keys()].sort()); // same series and SOP UIDs
    const [pa, sa] = top(a.files)[0].split('/');
    const [pc, sc] = top(c.files)[0].split('/');
    expect(pc).not.toBe(pa);
    expect(sc).not.toBe(sa);
    const dates = datasetOf([...b.files.values()][0]);
    expect(str(dates['00280303'].Value![0])).toBe('MODIFIED');
    const rows = await h.services.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "Pseudonym"`);
    expect(rows[0].n).toBe(2); // one patient, two projects
  });

  it('refuses a non-admin, unknown studies and too much with typed errors, writing nothing', async () => {
    const before = await h.services.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "DeidentifiedExport"`);
    const jobsBefore = await h.services.queues.deidentifiedExport.getJobCounts('waiting');
    const rad = await userCaller(h, 'RADIOLOGIST');
    const input = { studyInstanceUids: [studyUid], project: 'Lung Study A', destination: 'ARCHIVE' };
    expect(errorCodes(await gql(h, rad, START, { i: input }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, rad, '{ pseudonyms(project: "Lung Study A") { pseudonym } }'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, rad, '{ deidentifiedExports { id } }'))).toEqual(['FORBIDDEN']);
    const exportId = (await h.services.db.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text FROM "DeidentifiedExport" LIMIT 1`))[0].id;
    expect((await download({ id: exportId } as ExportResult, rad)).status).toBe(403);
    expect(errorCodes(await gql(h, admin, START, { i: { ...input, studyInstanceUids: ['1.2.3.404'] } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(h, admin, START, { i: { ...input, studyInstanceUids: ['1.2.3.1', '1.2.3.2', '1.2.3.3', '1.2.3.4'] } }))).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(errorCodes(await gql(h, admin, START, { i: { ...input, studyInstanceUids: ['not a uid'] } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, START, { i: { ...input, project: '' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, START, { i: { ...input, destination: 'REMOTE_AE' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql(h, admin, START, { i: { ...input, destination: 'REMOTE_AE', remoteAeTitle: 'NOBODY' } }))).toEqual(['NOT_FOUND']);
    const after = await h.services.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "DeidentifiedExport"`);
    expect(after[0].n).toBe(before[0].n);
    expect(await h.services.queues.deidentifiedExport.getJobCounts('waiting')).toEqual(jobsBefore);
    expect(await h.services.db.auditEvent.count({ where: { action: 'export.start', actorId: rad.id } })).toBe(0);
  });

  it('refuses, when asked, a selection naming a study that holds no instances or that is unknown: typed error, no row, no job', async () => {
    const patient = await h.services.db.patient.findFirstOrThrow();
    const noInstances = '1.2.826.0.1.3680043.8.498.1301';
    const noSeries = '1.2.826.0.1.3680043.8.498.1302';
    await h.services.db.study.create({ data: { studyInstanceUid: noInstances, patientDbId: patient.id, series: { create: { seriesInstanceUid: `${noInstances}.1`, modality: 'CT' } } } });
    await h.services.db.study.create({ data: { studyInstanceUid: noSeries, patientDbId: patient.id } });
    const count = async () => (await h.services.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "DeidentifiedExport"`))[0].n;
    const rows = await count();
    const jobs = await h.services.queues.deidentifiedExport.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    for (const studies of [[noInstances], [studyUid, noSeries]]) {
      const res = await gql(h, admin, START, { i: { studyInstanceUids: studies, project: 'Lung Study A', destination: 'ARCHIVE' } });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      const error = res.body.errors![0];
      expect(error.extensions).toMatchObject({ reason: 'NO_INSTANCES', studyInstanceUids: studies.filter((u) => u !== studyUid) });
      expect(error.message).toContain('holds no instances');
    }
    await h.services.db.remoteAe.create({ data: { aeTitle: 'EMPTYTEST', host: '127.0.0.1', port: 1 } });
    const toAe = await gql(h, admin, START, { i: { studyInstanceUids: [noInstances, noSeries], project: 'Lung Study A', destination: 'REMOTE_AE', remoteAeTitle: 'EMPTYTEST' } });
    expect(errorCodes(toAe)).toEqual(['BAD_USER_INPUT']);
    expect(toAe.body.errors![0].message).toContain('studies');
    // unknown UIDs beside an empty or a full study: NOT_FOUND, before anything else
    expect(errorCodes(await gql(h, admin, START, { i: { studyInstanceUids: [studyUid, noInstances, '1.2.3.404'], project: 'Lung Study A', destination: 'ARCHIVE' } }))).toEqual(['NOT_FOUND']);
    expect(await count()).toBe(rows);
    expect(await h.services.queues.deidentifiedExport.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual(jobs);
    await h.services.db.remoteAe.delete({ where: { aeTitle: 'EMPTYTEST' } });
  });

  it('refuses burned-in annotation instances and lists them; a study of only those is a CONFLICT', async () => {
    const burn = (file: Buffer) => {
      const dict = dcmjs.data.DicomMessage.readFile(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
      (dict.dict as Ds)['00280301'] = { vr: 'CS', Value: ['YES'] };
      return Buffer.from(dict.write());
    };
    const mixed = syntheticCtSeries({ seed: 8801, slices: 3, size: 16 });
    const files = [mixed.files[0], burn(mixed.files[1]), mixed.files[2]];
    expect((await postDicom(h, admin, files, { multipart: true })).status).toBe(200);
    const result = await runExport({ studyInstanceUids: [mixed.studyInstanceUid], project: 'Lung Study A', destination: 'ARCHIVE' });
    expect(result).toMatchObject({ state: 'DONE', total: 3, exported: 2, refused: 1 });
    expect(result.refusedInstances).toEqual([expect.objectContaining({ sopInstanceUid: str(datasetOf(files[1])['00080018'].Value![0]), code: 'BURNED_IN_ANNOTATION' })]);
    const { files: got, report } = await download(result);
    expect(got.size).toBe(2);
    expect((report as { refused: unknown[] }).refused).toHaveLength(1);

    const only = syntheticCtSeries({ seed: 8802, slices: 2, size: 16 });
    expect((await postDicom(h, admin, only.files.map(burn), { multipart: true })).status).toBe(200);
    const refused = await runExport({ studyInstanceUids: [only.studyInstanceUid], project: 'Lung Study A', destination: 'ARCHIVE' });
    expect(refused).toMatchObject({ state: 'FAILED', errorCode: 'CONFLICT', exported: 0, refused: 2, archiveUrl: null });
    expect(refused.refusedInstances).toHaveLength(2);
    expect((await download(refused)).status).toBe(409);
    expect(await h.services.db.auditEvent.count({ where: { action: 'export.done', resourceId: refused.id, outcome: 'FAILURE' } })).toBe(1);
  });

  it('sends the de-identified study to a remote AE (dcmtk storescp)', async () => {
    const { dir, port } = await startReceiver('RESEARCH');
    await h.services.db.remoteAe.create({ data: { aeTitle: 'RESEARCH', host: '127.0.0.1', port } });
    const result = await runExport({ studyInstanceUids: [studyUid], project: 'Lung Study A', destination: 'REMOTE_AE', remoteAeTitle: 'RESEARCH' });
    expect(result).toMatchObject({ state: 'DONE', total: 3, exported: 3, failed: 0, archiveUrl: null });
    const key = await projectKey('Lung Study A');
    const received = readdirSync(dir);
    expect(received).toHaveLength(3);
    const sops = new Set(received.map((f) => f.replace(/^[A-Z]+\./, '')));
    expect(sops).toEqual(new Set(originals.map((o) => remapUid(key, str(datasetOf(o)['00080018'].Value![0])))));
    for (const f of received) {
      const ds = datasetOf(readFileSync(path.join(dir, f)));
      expect(str(ds['00120062'].Value![0])).toBe('YES');
      expect(str(ds['0020000D'].Value![0])).toBe(remapUid(key, studyUid));
    }
  });

  it('sends to a remote AE that accepts only Deflated Explicit VR Little Endian: the instances arrive deflated and parse', async () => {
    const { dir, port } = await startReceiver('DEFLATED', ['-xf', receiverConfig(), 'DeflatedOnly']);
    await h.services.db.remoteAe.create({ data: { aeTitle: 'DEFLATED', host: '127.0.0.1', port } });
    const result = await runExport({ studyInstanceUids: [studyUid], project: 'Lung Study A', destination: 'REMOTE_AE', remoteAeTitle: 'DEFLATED' });
    expect(result).toMatchObject({ state: 'DONE', total: 3, exported: 3, failed: 0 });
    const key = await projectKey('Lung Study A');
    const received = readdirSync(dir);
    expect(received).toHaveLength(3);
    for (const f of received) {
      const file = path.join(dir, f);
      // dcmtk reads it (it inflates the dataset), and it came in the deflated syntax
      const dump = execFileSync('dcmdump', ['-q', '-Un', file], { encoding: 'utf8' });
      expect(dump).toMatch(/\(0002,0010\) UI \[1\.2\.840\.10008\.1\.2\.1\.99\]/);
      expect(dump).toMatch(/\(0012,0062\) CS \[YES\]/);
      const bytes = readFileSync(file);
      const parsed = parseInstance(bytes, { requireUids: true });
      expect(parsed.studyInstanceUid).toBe(remapUid(key, studyUid));
      const original = originals.find((o) => remapUid(key, str(datasetOf(o)['00080018'].Value![0])) === parsed.sopInstanceUid);
      expect(original).toBeDefined();
      expect(pixelBytes(bytes)!.equals(pixelBytes(original!)!)).toBe(true);
    }
  });

  it('a remote AE that accepts only Implicit VR Little Endian: every instance is refused, typed and named, and the export FAILED says which syntax was missing', async () => {
    const { dir, port } = await startReceiver('IMPLICIT', ['+xi']);
    await h.services.db.remoteAe.create({ data: { aeTitle: 'IMPLICIT', host: '127.0.0.1', port } });
    const result = await runExport({ studyInstanceUids: [studyUid], project: 'Lung Study A', destination: 'REMOTE_AE', remoteAeTitle: 'IMPLICIT' });
    expect(result).toMatchObject({ state: 'FAILED', errorCode: 'BAD_GATEWAY', total: 3, exported: 0, failed: 3 });
    expect(result.error).toContain('accepts only Implicit VR Little Endian');
    expect(result.failedInstances).toHaveLength(3);
    expect(new Set(result.failedInstances.map((f) => f.sopInstanceUid))).toEqual(new Set(originals.map((o) => str(datasetOf(o)['00080018'].Value![0]))));
    for (const f of result.failedInstances) {
      expect(f.code).toBe('NO_ACCEPTED_TRANSFER_SYNTAX');
      expect(f.reason).toMatch(/accepted none of .*Explicit VR Little Endian.*Deflated Explicit VR Little Endian; it accepts only Implicit VR Little Endian/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
