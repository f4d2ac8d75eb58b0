// The whole shared corpus through POST /api/instances, compared with MANIFEST.tsv.
import { readManifest, readCorpusFile, countState } from '@imaging/testing';
import { startHarness, apiKeyCaller, postDicom, type Harness, type Caller } from '../testing/harness';

const manifest = readManifest();
const good = manifest.filter((r) => r.expect === 'ok');
const bad = manifest.filter((r) => r.expect === 'reject');
const hasUids = (r: (typeof manifest)[number]) => Boolean(r.study_uid && r.series_uid && r.sop_instance_uid);

describe('ingest of the DICOM corpus over HTTP', () => {
  let h: Harness;
  let integrator: Caller;
  beforeAll(async () => {
    h = await startHarness();
    integrator = await apiKeyCaller(h, 'INTEGRATOR');
  });
  afterAll(() => h.close());

  it('has the corpus the issue describes', () => {
    expect(good.length).toBe(133);
    expect(bad.length).toBe(20);
    expect(good.filter((r) => !hasUids(r)).length).toBe(13);
  });

  it('refuses every malformed file with a typed error and writes nothing', async () => {
    const before = await countState(h.services);
    for (const row of bad) {
      const res = await postDicom(h, integrator, [readCorpusFile(row)]);
      expect([row.path, res.status >= 400]).toEqual([row.path, true]);
      const [result] = res.body.results;
      expect(result.status).toBe('failed');
      expect(result.error.code).toMatch(/^[A-Z_]+$/);
      expect(result.error.message.length).toBeGreaterThan(10);
    }
    expect(await countState(h.services)).toEqual(before);
  });

  it('refuses the files without Study/Series/SOP Instance UIDs, naming the missing attribute', async () => {
    for (const row of good.filter((r) => !hasUids(r))) {
      const res = await postDicom(h, integrator, [readCorpusFile(row)]);
      expect(res.status).toBe(422);
      expect(res.body.results[0].error.code).toBe('MISSING_UID');
      expect(res.body.results[0].error.message).toMatch(/InstanceUID/);
    }
    const state = await countState(h.services);
    expect(state.instances).toBe(0);
    expect(state.blobs).toBe(0);
  });

  it('stores every file that has its UIDs: stored once per SOP Instance UID, then duplicate or conflict', async () => {
    const seen = new Map<string, string>(); // sop uid → file sha256
    const counts = { stored: 0, duplicate: 0, conflict: 0 };
    for (const row of good.filter(hasUids)) {
      const res = await postDicom(h, integrator, [readCorpusFile(row)]);
      const [result] = res.body.results;
      const first = seen.get(row.sop_instance_uid);
      const expected = first === undefined ? 'stored' : first === row.file_sha256 ? 'duplicate' : 'conflict';
      expect({ file: row.path, status: result.status }).toEqual({ file: row.path, status: expected });
      expect(result.sopInstanceUid).toBe(row.sop_instance_uid);
      expect(result.studyInstanceUid).toBe(row.study_uid);
      expect(result.seriesInstanceUid).toBe(row.series_uid);
      expect(res.status).toBe(expected === 'conflict' ? 409 : 200);
      if (first === undefined) seen.set(row.sop_instance_uid, row.file_sha256);
      counts[expected]++;
    }
    const state = await countState(h.services);
    expect(state.instances).toBe(seen.size);
    expect(state.blobs).toBe(seen.size);
    expect(state.jobs).toBe(seen.size);
    expect(counts.stored).toBe(seen.size);
    // Index rows carry what the manifest says.
    for (const row of good.filter(hasUids)) {
      if (seen.get(row.sop_instance_uid) !== row.file_sha256) continue;
      const instance = await h.services.db.instance.findUnique({ where: { sopInstanceUid: row.sop_instance_uid } });
      expect(instance?.sha256).toBe(row.file_sha256);
      expect(instance?.transferSyntaxUid).toBe(row.transfer_syntax_uid || '1.2.840.10008.1.2');
      expect(Number(instance?.sizeBytes)).toBe(Number(row.size_bytes));
    }
  });

  it('sends the same bytes again as a duplicate without a second blob or job', async () => {
    const row = good.find((r) => r.path.includes('ct-3slice/01.dcm'))!;
    const before = await countState(h.services);
    const res = await postDicom(h, integrator, [readCorpusFile(row), readCorpusFile(row)], { multipart: true });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(await countState(h.services)).toEqual(before);
  });
});
