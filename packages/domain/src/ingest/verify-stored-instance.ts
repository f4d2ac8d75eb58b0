// Re-reads a stored instance and checks it against its index row: the blob exists, its SHA-256
// is the one recorded at ingest, it still parses, and every frame decodes. First step of preprocessing.
import { createHash } from 'node:crypto';
import { parseInstance, decodeAllFrames, restoreFromStorage } from '@imaging/dicom';
import { NotFound } from '@imaging/errors';
import type { Services } from '../context';
import { CpuMeter } from './cpu-meter';

/** `cpu` (optional) receives the CPU time of the checks, not of reading the blob. */
export async function verifyStoredInstance(services: Services, instanceId: string, cpu = new CpuMeter()): Promise<{ status: 'verified'; frames: number }> {
  const instance = await services.db.instance.findUnique({ where: { id: instanceId } });
  if (!instance) throw new NotFound(`instance ${instanceId}`);
  const stored = await services.store.get(instance.storageKey);
  const bytes = await cpu.measureAsync(() => restoreFromStorage(stored));
  const sha256 = cpu.measure(() => createHash('sha256').update(bytes).digest('hex'));
  if (sha256 !== instance.sha256) throw new Error(`stored blob for instance ${instanceId} does not match its SHA-256`);
  const parsed = cpu.measure(() => parseInstance(bytes));
  const frames = parsed.pixelData ? (await cpu.measureAsync(() => decodeAllFrames(parsed))).length : 0;
  return { status: 'verified', frames };
}
