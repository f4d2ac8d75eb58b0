// Re-reads a stored instance and checks it against its index row: the blob exists, its SHA-256
// is the one recorded at ingest, it still parses, and every frame decodes. First step of preprocessing.
import { createHash } from 'node:crypto';
import { parseInstance, decodeAllFrames } from '@imaging/dicom';
import { NotFound } from '@imaging/errors';
import type { Services } from '../context';
import { readInstanceFile } from './compress-stored-instance';

export async function verifyStoredInstance(services: Services, instanceId: string): Promise<{ status: 'verified'; frames: number }> {
  const instance = await services.db.instance.findUnique({ where: { id: instanceId } });
  if (!instance) throw new NotFound(`instance ${instanceId}`);
  const bytes = await readInstanceFile(services, instance.storageKey);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== instance.sha256) throw new Error(`stored blob for instance ${instanceId} does not match its SHA-256`);
  const parsed = parseInstance(bytes);
  const frames = parsed.pixelData ? (await decodeAllFrames(parsed)).length : 0;
  return { status: 'verified', frames };
}
