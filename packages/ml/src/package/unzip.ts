// Unpacking an uploaded model package (a zip) into a directory, bounded before and while it
// inflates: at most `maxEntries` entries, each at most `maxEntryBytes` and all together at most
// `maxTotalBytes` as the central directory declares them AND as they actually inflate (yauzl
// checks declared against inflated sizes), names yauzl's validateFileName accepts (no absolute
// path, no "..", no backslash) and flat: a package is its root files, optionally under one
// top-level folder (a zipped directory). Every entry's CRC-32 is checked (yauzl leaves that to
// the caller). Any refusal is a ModelPackageError; the caller removes the directory.
import { createWriteStream, promises as fs } from 'fs';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import crc32 from 'buffer-crc32';
import * as yauzl from 'yauzl';
import { ModelPackageError } from './manifest';
import { MAX_PACKAGE_BYTES } from './load';

export interface UnzipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = { maxEntries: 64, maxEntryBytes: MAX_PACKAGE_BYTES, maxTotalBytes: MAX_PACKAGE_BYTES };

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err) reject(new ModelPackageError('ARCHIVE_INVALID', `not a readable zip archive: ${err.message.slice(0, 200)}`));
      else resolve(zip);
    });
  });
}

/** Entries of the central directory, read without inflating anything. */
function listEntries(zip: yauzl.ZipFile, limits: UnzipLimits): Promise<yauzl.Entry[]> {
  if (zip.entryCount > limits.maxEntries) {
    return Promise.reject(new ModelPackageError('ARCHIVE_TOO_MANY_ENTRIES', `the archive has ${zip.entryCount} entries, over the bound of ${limits.maxEntries}`));
  }
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => { entries.push(entry); zip.readEntry(); });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) => {
      // validateFileName's messages: "absolute path: …", "invalid relative path: …", "invalid characters in fileName: …"
      const traversal = /absolute path|invalid relative path|invalid characters/.test(err.message);
      reject(new ModelPackageError(traversal ? 'ARCHIVE_UNSAFE_PATH' : 'ARCHIVE_INVALID', `${traversal ? 'unsafe entry name' : 'unreadable archive'}: ${err.message.slice(0, 200)}`));
    });
    zip.readEntry();
  });
}

/** The root of the package inside the archive: '' or the one top-level folder every entry is under. */
function packageRoot(names: string[]): string {
  const first = names[0]?.split('/')[0] ?? '';
  const nested = names.every((n) => n.includes('/') && n.split('/')[0] === first);
  return nested ? `${first}/` : '';
}

export interface UnzippedPackage {
  /** File names written into the directory (flat). */
  files: string[];
  totalBytes: number;
}

/** Unpacks a package zip into `dir` (created, must not exist). */
export async function unzipModelPackage(zipPath: string, dir: string, limits: UnzipLimits = DEFAULT_UNZIP_LIMITS): Promise<UnzippedPackage> {
  const zip = await openZip(zipPath);
  try {
    const entries = (await listEntries(zip, limits)).filter((e) => !e.fileName.endsWith('/'));
    const root = packageRoot(entries.map((e) => e.fileName));
    let declared = 0;
    for (const e of entries) {
      const name = e.fileName.slice(root.length);
      if (name.includes('/') || !FILE_NAME.test(name)) {
        throw new ModelPackageError('ARCHIVE_UNEXPECTED_ENTRY', `entry "${e.fileName.slice(0, 200)}" is not a file at the package root (a package is manifest.json, model.json and its weight shards)`);
      }
      if (e.uncompressedSize > limits.maxEntryBytes) throw new ModelPackageError('PACKAGE_TOO_LARGE', `entry ${name} inflates to ${e.uncompressedSize} bytes, over the ${limits.maxEntryBytes}-byte bound`);
      declared += e.uncompressedSize;
    }
    if (declared > limits.maxTotalBytes) throw new ModelPackageError('PACKAGE_TOO_LARGE', `the archive inflates to ${declared} bytes, over the ${limits.maxTotalBytes}-byte bound`);
    const names = new Set<string>();
    await fs.mkdir(dir, { recursive: false });
    for (const e of entries) {
      const name = e.fileName.slice(root.length);
      if (names.has(name)) throw new ModelPackageError('ARCHIVE_UNEXPECTED_ENTRY', `entry ${name} appears twice`);
      names.add(name);
      const target = path.join(dir, name);
      if (path.dirname(target) !== path.resolve(dir)) throw new ModelPackageError('ARCHIVE_UNSAFE_PATH', `entry ${name} leaves the package directory`);
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        zip.openReadStream(e, (err, s) => (err ? reject(new ModelPackageError('ARCHIVE_INVALID', `entry ${name}: ${err.message.slice(0, 200)}`)) : resolve(s)));
      });
      let crc = 0;
      let first = true;
      const check = new Transform({
        transform(chunk: Buffer, _enc, done) {
          crc = first ? crc32.unsigned(chunk) : crc32.unsigned(chunk, crc);
          first = false;
          done(null, chunk);
        },
      });
      try {
        await pipeline(stream, check, createWriteStream(target, { flags: 'wx' }));
      } catch (err) {
        throw new ModelPackageError('ARCHIVE_INVALID', `entry ${name} does not inflate: ${(err as Error).message.slice(0, 200)}`);
      }
      if (first) crc = 0;
      if (crc !== e.crc32) throw new ModelPackageError('ARCHIVE_CORRUPT', `entry ${name} fails its CRC-32 check (the archive is damaged)`);
    }
    return { files: [...names], totalBytes: declared };
  } finally {
    zip.close();
  }
}
