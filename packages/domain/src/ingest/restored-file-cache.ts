// Originals restored from compressed storage, kept for repeated retrievals (a viewer scrolling a
// series, WADO-RS followed by its frames): a hit skips the JPEG-LS decode (~4 ms per 512² slice).
// Keys are storage keys, whose content never changes (content-addressed, written once), so an
// entry never goes stale. Bounded by bytes, least recently used first out; one cache per process.
import { isStorageContainer, restoreFromStorage } from '@imaging/dicom';
import type { Services } from '../context';

const entries = new Map<string, Buffer>();
let cachedBytes = 0;
/** RESTORED_FILE_CACHE_MB; the default 128 MiB holds ~250 restored 512² CT slices. */
let limitBytes = 128 * 1024 * 1024;

/** Sets the cache's bound (RESTORED_FILE_CACHE_MB); 0 turns the cache off. */
export function setRestoredFileCacheBytes(bytes: number): void {
  limitBytes = bytes;
  evict();
}

function evict(): void {
  for (const [key, bytes] of entries) {
    if (cachedBytes <= limitBytes) break;
    entries.delete(key);
    cachedBytes -= bytes.byteLength;
  }
}

function remember(storageKey: string, restored: Uint8Array): void {
  // one entry never takes more than an eighth of the cache
  if (restored.byteLength > limitBytes / 8) return;
  // a private copy: what callers receive may be changed by them, the cached bytes never are
  entries.set(storageKey, Buffer.from(restored));
  cachedBytes += restored.byteLength;
  evict();
}

/** Whether the original of `storageKey` is in the cache now. */
export function isRestoredFileCached(storageKey: string): boolean {
  return entries.has(storageKey);
}

/** The original file of a stored blob, from the cache when a container was restored recently. */
export async function readInstanceFileCached(services: Pick<Services, 'store'>, storageKey: string): Promise<Uint8Array> {
  const hit = entries.get(storageKey);
  if (hit) {
    entries.delete(storageKey);
    entries.set(storageKey, hit); // most recently used last
    return Buffer.from(hit);
  }
  const stored = await services.store.get(storageKey);
  // plain files cost one read: only decoded containers are worth their memory
  if (!isStorageContainer(stored)) return stored;
  const restored = await restoreFromStorage(stored);
  remember(storageKey, restored);
  return restored;
}

/** Empties the cache (benchmarks measure cold retrieval apart from cached retrieval). */
export function clearRestoredFileCache(): void {
  entries.clear();
  cachedBytes = 0;
}
