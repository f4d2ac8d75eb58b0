// Removes blobs that no row references (left by a crash between blob write and commit, or by a
// lost conflict race): neither an instance's file nor a finished export's archive. Only blobs older
// than a grace period go, so in-flight ingests are safe.
import { poolSql, referencedStorageKeys } from '@imaging/db';
import type { Services } from '../context';

export async function sweepOrphanBlobs(services: Services, options: { olderThanMs?: number; now?: Date } = {}): Promise<{ checked: number; removed: number }> {
  const cutoff = (options.now ?? new Date()).getTime() - (options.olderThanMs ?? 60 * 60 * 1000);
  let checked = 0;
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await referencedStorageKeys(poolSql(services.db), batch);
    for (const key of batch) {
      if (!referenced.has(key)) {
        await services.store.delete(key);
        removed++;
      }
    }
    batch = [];
  };
  for await (const blob of services.store.list()) {
    checked++;
    if (blob.modifiedAt.getTime() <= cutoff) batch.push(blob.key);
    if (batch.length >= 500) await flush();
  }
  await flush();
  if (removed) services.log.info({ checked, removed }, 'orphan blobs removed');
  return { checked, removed };
}
