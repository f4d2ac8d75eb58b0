// Filesystem driver. Writes, whole or streamed, are atomic (temp file, fsync, rename, directory
// sync) so a crash never leaves a half-written object under its final key; a crash mid-write leaves
// only a `.part` file, which list() gives like any blob (under its own key, never referenced), so
// the orphan sweep removes it once it is older than its grace period.
import { promises as fs, constants as fsConstants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Conflict, NotFound, RangeNotSatisfiable } from '@imaging/errors';
import type { BlobStore, StoredBlob } from './index';
import { checkKey, checkRange } from './keys';

export class FileBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async put(key: string, bytes: Uint8Array): Promise<{ written: boolean }> {
    const target = this.pathOf(key);
    if (await this.exists(key)) return { written: false };
    await writeDurably(target, (handle) => handle.writeFile(bytes));
    return { written: true };
  }

  async putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number }> {
    const target = this.pathOf(key);
    if (await this.exists(key)) throw new Conflict(`blob ${key} exists already`);
    let sizeBytes = 0;
    await writeDurably(target, async (handle) => {
      for await (const chunk of source) {
        await writeAt(handle, chunk, sizeBytes);
        sizeBytes += chunk.byteLength;
      }
    });
    return { sizeBytes };
  }

  async get(key: string): Promise<Buffer> {
    const file = this.pathOf(key);
    try {
      return await fs.readFile(file);
    } catch (e) {
      throw missing(e, key);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    checkRange(start, end);
    const file = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (e) {
      throw missing(e, key);
    }
    try {
      const { size } = await handle.stat();
      if (start >= size) throw new RangeNotSatisfiable(`bytes ${start}-${end} lie outside the ${size} bytes of the blob`);
      const length = Math.min(end, size - 1) - start + 1;
      const out = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(out, read, length - read, start + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return out.subarray(0, read);
    } finally {
      await handle.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      await fs.access(file, fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<StoredBlob> {
    const walk = async function* (dir: string, prefix: string): AsyncIterable<StoredBlob> {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        const key = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) yield* walk(full, key);
        else if (e.isFile()) {
          const st = await fs.stat(full);
          yield { key, modifiedAt: st.mtime, sizeBytes: st.size };
        }
      }
    };
    yield* walk(this.root, '');
  }

  async check(): Promise<void> {
    // a real write: access(W_OK) passes for root even where writes would fail
    await fs.mkdir(this.root, { recursive: true });
    const probe = path.join(this.root, `.ready-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  }
}

function missing(e: unknown, key: string): Error {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? new NotFound(`blob ${key}`) : (e as Error);
}

/**
 * Writes a file under `target` so that it appears whole or not at all: a temp file beside it (same
 * directory, so the rename is atomic), fdatasync before the name appears, then the directory synced
 * (and any directory made for it, in its parent): the index row that points here commits once the
 * write returns, so a power cut must not keep the row and lose the name. A failed write, the
 * caller's included, removes the temp file.
 */
async function writeDurably(target: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const dir = path.dirname(target);
  const created = await fs.mkdir(dir, { recursive: true });
  const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
  const handle = await fs.open(temp, 'wx');
  try {
    try {
      await write(handle);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
  const toSync: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    toSync.push(d);
    if (!created || d === created || d === path.dirname(d)) break;
  }
  if (created) toSync.push(path.dirname(created));
  for (const d of toSync) await syncDirectory(d);
}

/** All of `bytes` at `position` (a write may take fewer bytes than offered). */
async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
