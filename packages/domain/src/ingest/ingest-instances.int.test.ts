// Ingest failure paths on real services: a crash between blob write and commit leaves no visible
// instance; a retry of the same bytes reuses the blob; the sweep removes orphans; limits hold.
import { containerFrames, encodeElement, locateDataset, parseInstance, syntheticCtSeries } from '@imaging/dicom';
import { createTestServices, systemContext, countState, type TestServices } from '@imaging/testing';
import pg from 'pg';
import { ingestInstances } from './ingest-instances';
import { sweepOrphanBlobs } from './sweep-orphan-blobs';
import { compressStoredInstance, isCompressedKey, readInstanceFile } from './compress-stored-instance';
import { retrieveFrames } from '../dicomweb/retrieve';
import { verifyStoredInstance } from './verify-stored-instance';
import { preprocessInstance } from './preprocess-instance';
import { sweepPipeline } from '../pipeline/sweep-pipeline';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Makes the next transactions die just before COMMIT (after the index rows were written), as a
 *  crash would: the audit insert, the last statement of an ingest transaction, raises. */
async function failAuditInserts(url: string, fail: boolean) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  if (fail) {
    await c.query(`CREATE FUNCTION test_crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash before commit'; END $$`);
    await c.query('CREATE TRIGGER test_crash BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION test_crash()');
  } else {
    await c.query('DROP TRIGGER test_crash ON "AuditEvent"');
    await c.query('DROP FUNCTION test_crash()');
  }
  await c.end();
}

describe('ingestInstances', () => {
  let s: TestServices;
  const { files } = syntheticCtSeries({ seed: 7, slices: 2, size: 32 });
  beforeEach(async () => { s = await createTestServices(); });
  afterEach(() => s.close());

  it('treats the same dataset under another File Meta header as a duplicate (sent by HTTP, then by C-STORE), a changed one as a conflict', async () => {
    const [first] = await ingestInstances(systemContext(s), [files[0]]);
    expect(first.status).toBe('stored');
    const dataset = files[0].subarray(locateDataset(files[0]).datasetStart);
    const meta = Buffer.concat([
      encodeElement({ tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) }),
      encodeElement({ tag: 0x00020002, vr: 'UI', value: first.sopClassUid! }),
      encodeElement({ tag: 0x00020003, vr: 'UI', value: first.sopInstanceUid! }),
      encodeElement({ tag: 0x00020010, vr: 'UI', value: '1.2.840.10008.1.2.1' }),
      encodeElement({ tag: 0x00020012, vr: 'UI', value: '1.2.826.0.1.3680043.9.9999' }),
      encodeElement({ tag: 0x00020013, vr: 'SH', value: 'OTHER_SCU_1' }),
    ]);
    const rewrapped = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), encodeElement({ tag: 0x00020000, vr: 'UL', value: meta.length }), meta, dataset]);
    expect(createHash('sha256').update(rewrapped).digest('hex')).not.toBe(createHash('sha256').update(files[0]).digest('hex'));
    const [again] = await ingestInstances(systemContext(s), [rewrapped]);
    expect(again).toMatchObject({ status: 'duplicate', instanceId: first.instanceId, error: null });
    const changed = Buffer.from(rewrapped);
    changed[changed.length - 3] ^= 0xff; // one pixel
    const [other] = await ingestInstances(systemContext(s), [changed]);
    expect(other).toMatchObject({ status: 'conflict', error: { code: 'CONFLICT' } });
    expect(await s.db.instance.count()).toBe(1);
  });

  it('stores, indexes, audits and enqueues', async () => {
    const results = await ingestInstances(systemContext(s), files);
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored']);
    expect(await countState(s)).toMatchObject({ patients: 1, studies: 1, series: 1, instances: 2, blobs: 2, jobs: 2 });
    const audit = await s.db.auditEvent.findMany({ where: { action: 'instance.store' } });
    expect(audit.map((a) => a.resourceId).sort()).toEqual(results.map((r) => r.sopInstanceUid).sort());
    const job = await s.queues.preprocess.getJob(`instance-${results[0].instanceId}`);
    expect(job?.data).toEqual({ instanceId: results[0].instanceId, seriesId: results[0].seriesId, studyId: results[0].studyId, requestId: expect.any(String) });
  });

  it('leaves no visible instance after a crash before commit, and a retry reuses the blob', async () => {
    await failAuditInserts(s.databaseUrl, true);
    const [crashed] = await ingestInstances(systemContext(s), [files[0]]);
    await failAuditInserts(s.databaseUrl, false);
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(await countState(s)).toMatchObject({ patients: 0, studies: 0, series: 0, instances: 0, blobs: 1, jobs: 0 });
    const [retried] = await ingestInstances(systemContext(s), [files[0]]);
    expect(retried.status).toBe('stored');
    expect(await countState(s)).toMatchObject({ instances: 1, blobs: 1, jobs: 1 });
  });

  it('sweeps orphan blobs older than the grace period and keeps referenced ones', async () => {
    await failAuditInserts(s.databaseUrl, true);
    await ingestInstances(systemContext(s), [files[0]]);
    await failAuditInserts(s.databaseUrl, false);
    await ingestInstances(systemContext(s), [files[1]]);
    expect((await countState(s)).blobs).toBe(2);
    // and what a process killed mid-write leaves: a temp file beside where its blob would have gone
    const part = path.join(s.config.storageDir, 'sha256', 'ab', 'cd', `${'ab'.repeat(32)}.0123456789ab.part`);
    mkdirSync(path.dirname(part), { recursive: true });
    writeFileSync(part, Buffer.alloc(100));
    expect((await countState(s)).blobs).toBe(3);
    expect(await sweepOrphanBlobs(s, { olderThanMs: 60_000 })).toEqual({ checked: 3, removed: 0 });
    expect(await sweepOrphanBlobs(s, { olderThanMs: 0, now: new Date(Date.now() + 1000) })).toEqual({ checked: 3, removed: 2 });
    expect(existsSync(part)).toBe(false);
    expect(await countState(s)).toMatchObject({ instances: 1, blobs: 1 });
  });

  it('refuses a file above the per-instance limit without writing anything', async () => {
    const ctx = { ...systemContext(s), config: { ...s.config, maxInstanceBytes: 1000 } };
    const [result] = await ingestInstances(ctx, [files[0]]);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await countState(s)).toMatchObject({ instances: 0, blobs: 0, jobs: 0 });
  });

  it('resolves parallel uploads of one series to one patient, study and series', async () => {
    const many = syntheticCtSeries({ seed: 8, slices: 12, size: 32 }).files;
    const results = await Promise.all(many.map((f) => ingestInstances(systemContext(s), [f])));
    expect(results.flat().map((r) => r.error?.message ?? r.status)).toEqual(many.map(() => 'stored'));
    expect(await countState(s)).toMatchObject({ patients: 1, studies: 1, series: 1, instances: 12 });
  });

  it.each(['jpeg-ls', 'htj2k'] as const)('compresses stored instances losslessly in the background and serves the original bytes (STORAGE_CODEC=%s)', async (codec) => {
    await s.close();
    s = await createTestServices({ storageCodec: codec });
    const big = syntheticCtSeries({ seed: 9, slices: 1, size: 256 }).files[0];
    const [stored] = await ingestInstances(systemContext(s), [big]);
    expect(await compressStoredInstance(s, stored.instanceId!)).toMatchObject({ status: 'compressed' });
    expect(await compressStoredInstance(s, stored.instanceId!)).toMatchObject({ status: 'already' });
    const row = await s.db.instance.findUniqueOrThrow({ where: { id: stored.instanceId! } });
    expect(Number(row.storedBytes)).toBeLessThan(Number(row.sizeBytes) / 2);
    const restored = await readInstanceFile(s, row.storageKey);
    expect(createHash('sha256').update(restored).digest('hex')).toBe(row.sha256);
    expect(await verifyStoredInstance(s, stored.instanceId!)).toEqual({ status: 'verified', frames: 1 });
    expect(isCompressedKey(row.storageKey) && containerFrames(await s.store.get(row.storageKey))!.codec).toBe(codec);
    // a frame as stored, decoded from the container
    const target = { study: stored.studyInstanceUid!, series: stored.seriesInstanceUid!, instance: stored.sopInstanceUid! };
    const parsed = parseInstance(big);
    const { frames } = await retrieveFrames(systemContext(s), target, [1], [{ transferSyntax: '*' }]);
    expect(Buffer.from(frames[0]).equals(Buffer.from(big.subarray(parsed.pixelData!.offset, parsed.pixelData!.offset + parsed.pixelData!.length)))).toBe(true);
  });

  it('re-enqueues instances whose preprocess job was lost, and not those already preprocessed', async () => {
    const [a, b] = await ingestInstances(systemContext(s), files);
    await s.queues.preprocess.obliterate({ force: true }); // as if the enqueue never happened
    await preprocessInstance(s, a.instanceId!);
    expect((await sweepPipeline(s, { olderThanMs: 0 })).instancesRequeued).toBe(1);
    expect((await s.queues.preprocess.getJob(`instance-${b.instanceId}-r1`))?.data.instanceId).toBe(b.instanceId);
    expect(await s.queues.preprocess.getJob(`instance-${a.instanceId}-r1`)).toBeUndefined();
  });

  it('refuses a Study UID already filed under another patient, and keeps nothing of it', async () => {
    await ingestInstances(systemContext(s), [files[0]]);
    const otherPatient = syntheticCtSeries({ seed: 7, slices: 2, size: 32, patientId: 'SOMEONE-ELSE' }).files[1];
    const [refused] = await ingestInstances(systemContext(s), [otherPatient]);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'CONFLICT' } });
    expect(refused.error?.message).toMatch(/another patient/);
    expect(await countState(s)).toMatchObject({ patients: 1, studies: 1, instances: 1, jobs: 1 });
  });

  it('refuses unauthenticated callers', async () => {
    await expect(ingestInstances({ ...systemContext(s), principal: { kind: 'anonymous' } }, files)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
