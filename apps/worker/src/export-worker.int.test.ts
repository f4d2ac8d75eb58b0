// The built worker process takes a de-identified export from its queue: the export of a stored
// study ends DONE with the zip in the blob store (every instance in it), and export.done audited.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseInstance, syntheticCtSeries } from '@imaging/dicom';
import { ingestInstances, startDeidentifiedExport } from '@imaging/domain';
import { createTestServices, systemContext, until, type TestServices } from '@imaging/testing';
import { spawnWorker } from './testing/worker-process';

describe('de-identified export in the worker process', () => {
  let s: TestServices;
  let worker: ChildProcess | null = null;
  beforeAll(async () => { s = await createTestServices({}); });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await s.close();
  });

  it('runs the export job from the queue to a zip in the blob store', async () => {
    worker = spawnWorker(s, { ML_BACKEND: 'wasm' });
    const series = syntheticCtSeries({ seed: 64_001, slices: 4, size: 16 });
    await ingestInstances(systemContext(s), series.files);
    const started = await startDeidentifiedExport(systemContext(s), { studyInstanceUids: [series.studyInstanceUid], project: 'worker-test', destination: 'ARCHIVE' });
    const done = await until(async () => {
      const [row] = await s.db.$queryRawUnsafe<{ state: string; exported: number; archiveKey: string | null }[]>(
        `SELECT state::text, exported, "archiveKey" FROM "DeidentifiedExport" WHERE id = $1::uuid`, started.id);
      return row.state === 'DONE' || row.state === 'FAILED' ? row : null;
    }, 'the worker to finish the export', { timeoutMs: 120_000 });
    expect(done).toMatchObject({ state: 'DONE', exported: 4 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'export-worker-'));
    try {
      writeFileSync(path.join(dir, 'a.zip'), await s.store.get(done.archiveKey!));
      execFileSync('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: dir });
      const dicom = execFileSync('unzip', ['-Z1', 'a.zip'], { cwd: dir, encoding: 'utf8' }).split('\n').filter((k) => k.endsWith('.dcm'));
      expect(dicom).toHaveLength(4);
      for (const k of dicom) expect(parseInstance(new Uint8Array(readFileSync(path.join(dir, 'out', k)))).studyInstanceUid).not.toBe(series.studyInstanceUid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await s.db.auditEvent.count({ where: { action: 'export.done', resourceId: started.id, outcome: 'SUCCESS' } })).toBe(1);
  }, 180_000);
});
