// Blob storage behind one interface; the filesystem driver is the default. Writes are atomic
// (temp file, fsync, rename) so a crash never leaves a half-written object under its final key.
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface BlobStore {
  /** Writes bytes under key unless the key already exists; returns whether it wrote. */
  put(key: string, bytes: Uint8Array): Promise<{ written: boolean }>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys with their modification time, for maintenance sweeps. */
  list(): AsyncIterable<{ key: string; modifiedAt: Date; sizeBytes: number }>;
  /** Checks the store is writable (readiness probe). */
  check(): Promise<void>;
}

/** Content address of a DICOM file: sha256 hex spread over two directory levels. */
export function contentKey(sha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new Error('content key needs a sha256 hex digest');
  return `sha256/${sha256Hex.slice(0, 2)}/${sha256Hex.slice(2, 4)}/${sha256Hex}`;
}

const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export class FileBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key) || key.split('/').includes('..')) throw new Error('invalid blob key');
    return path.join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array): Promise<{ written: boolean }> {
    const target = this.pathOf(key);
    if (await this.exists(key)) return { written: false };
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Temp file beside the target (same directory, so the rename is atomic); fdatasync makes the
    // content durable before the name appears.
    const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
    return { written: true };
  }

  get(key: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(key));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(key), fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<{ key: string; modifiedAt: Date; sizeBytes: number }> {
    const walk = async function* (dir: string, prefix: string): AsyncIterable<{ key: string; modifiedAt: Date; sizeBytes: number }> {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.name.endsWith('.part')) continue;
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

export function createBlobStore(options: { storageDir: string }): BlobStore {
  return new FileBlobStore(path.resolve(options.storageDir));
}
