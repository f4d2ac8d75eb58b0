// The de-identified export's archive streamed to each blob store driver on real services
// (Postgres, Redis, the filesystem and an S3 protocol server with 5 MiB parts): an archive larger
// than a part goes up in several and lists every instance when Info-ZIP reads it; an archive that
// passes EXPORT_MAX_ARCHIVE_MB midway leaves no blob and its row FAILED with PAYLOAD_TOO_LARGE; the
// orphan-blob sweep keeps a finished archive.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syntheticCtSeries } from '@imaging/dicom';
import { createTestServices, systemContext, type TestServices } from '@imaging/testing';
import { listKeys as keysOf, recordCommands, startS3Server, type TestS3Server } from '../../../storage/src/testing/s3-server';
import type { Services } from '../context';
import { ingestInstances } from '../ingest/ingest-instances';
import { sweepOrphanBlobs } from '../ingest/sweep-orphan-blobs';
import { executeDeidentifiedExport, getDeidentifiedExport, startDeidentifiedExport } from './deidentified-export';

const MiB = 1024 * 1024;
const SLICES = 20;

describe.each(['fs', 's3'] as const)('de-identified export archive streamed to the %s blob store', (driver) => {
  let s: TestServices;
  let s3: TestS3Server | null = null;
  let services: Services;
  let sent: string[] = [];
  let studyInstanceUid = '';
  let sourceBytes = 0;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'export-stream-'));

  beforeAll(async () => {
    s = await createTestServices({});
    services = s;
    if (driver === 's3') {
      s3 = await startS3Server();
      const store = s3.store({ partSizeBytes: 5 * MiB, partConcurrency: 2 });
      sent = recordCommands(store);
      services = { ...s, store };
    }
    // 20 slices of 512 x 512 x 16 bits: ~10 MiB, two 5 MiB parts and more
    const series = syntheticCtSeries({ seed: 71_301, slices: SLICES, size: 512 });
    studyInstanceUid = series.studyInstanceUid;
    sourceBytes = series.files.reduce((n, f) => n + f.byteLength, 0);
    expect(sourceBytes).toBeGreaterThan(10 * MiB);
    await ingestInstances(systemContext(services), series.files);
  }, 120_000);
  afterAll(async () => {
    await s3?.close();
    await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function runExport(project: string, target: Services = services) {
    const started = await startDeidentifiedExport(systemContext(target), { studyInstanceUids: [studyInstanceUid], project, destination: 'ARCHIVE' });
    await (await target.queues.deidentifiedExport.getJob(`export-${started.id}`))?.remove();
    await executeDeidentifiedExport(target, started.id);
    return getDeidentifiedExport(systemContext(target), started.id);
  }

  it('streams an archive larger than a part; Info-ZIP lists and tests every instance', async () => {
    const before = sent.length;
    const done = await runExport('stream-ok');
    expect(done).toMatchObject({ state: 'DONE', total: SLICES, exported: SLICES, errorCode: null });
    const key = `exports/${done.id}.zip`;
    const archive = await services.store.get(key);
    expect(done.archiveBytes).toBe(archive.byteLength);
    expect(archive.byteLength).toBeGreaterThan(sourceBytes * 0.9);
    if (driver === 's3') expect(sent.slice(before).filter((c) => c === 'UploadPartCommand').length).toBeGreaterThanOrEqual(2);
    const file = path.join(tmp, `${done.id}.zip`);
    writeFileSync(file, archive);
    const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(names.filter((n) => n.endsWith('.dcm'))).toHaveLength(SLICES);
    expect(names).toContain('REPORT.json');
    expect(execFileSync('unzip', ['-tq', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
    // the archive is no orphan: the maintenance sweep keeps it however old
    expect(await sweepOrphanBlobs(services, { olderThanMs: 0, now: new Date(Date.now() + 60_000) })).toMatchObject({ removed: 0 });
    expect(await services.store.exists(key)).toBe(true);
  });

  it('an archive passing EXPORT_MAX_ARCHIVE_MB midway leaves no blob and ends FAILED with PAYLOAD_TOO_LARGE', async () => {
    const before = sent.length;
    // 7 MiB: a 5 MiB part has gone up (S3) or 7 MiB are in the temp file (fs) when the bound is reached
    const bounded: Services = { ...services, config: { ...services.config, export: { ...services.config.export, maxArchiveBytes: 7 * MiB } } };
    const failed = await runExport('stream-bounded', bounded);
    expect(failed).toMatchObject({ state: 'FAILED', errorCode: 'PAYLOAD_TOO_LARGE', archiveBytes: null, total: SLICES });
    expect(failed.error).toContain('EXPORT_MAX_ARCHIVE_MB');
    expect(failed.exported).toBeGreaterThan(0);
    expect(failed.exported).toBeLessThan(SLICES);
    expect((await keysOf(services.store)).filter((k) => k.includes(failed.id))).toEqual([]);
    if (driver === 's3') {
      const mine = sent.slice(before);
      expect(mine).toContain('UploadPartCommand');
      expect(mine).toContain('AbortMultipartUploadCommand');
      expect(mine).not.toContain('CompleteMultipartUploadCommand');
    } else {
      expect(execFileSync('find', [path.join(services.config.storageDir, 'exports'), '-name', `${failed.id}*`], { encoding: 'utf8' })).toBe('');
    }
    expect(await s.db.auditEvent.count({ where: { action: 'export.done', resourceId: failed.id, outcome: 'FAILURE' } })).toBe(1);
  });
});
