// Model package archives for tests: a directory's package files zipped (yazl), and hostile
// variants (an entry that climbs out with "../", a damaged entry) that no well-behaved zip writer makes.
import { promises as fs } from 'fs';
import * as path from 'path';
import { ZipFile } from 'yazl';

/** A zip of the given entries (name → bytes), deflated (or stored, so a test can damage an entry's bytes in place). */
export function zipEntries(entries: Record<string, Buffer | Uint8Array | string>, options: { compress?: boolean } = {}): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(Buffer.isBuffer(data) ? data : Buffer.from(data), name, { mtime: new Date(0), compress: options.compress ?? true });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** The package files of a model directory (manifest.json, model.json and the shards it names), as they are read. */
export async function packageEntries(dir: string): Promise<Record<string, Buffer>> {
  const modelJson = await fs.readFile(path.join(dir, 'model.json'));
  const shards = (JSON.parse(modelJson.toString('utf8')) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
  const out: Record<string, Buffer> = { 'manifest.json': await fs.readFile(path.join(dir, 'manifest.json')), 'model.json': modelJson };
  for (const s of shards) out[s] = await fs.readFile(path.join(dir, s));
  return out;
}

/**
 * Renames an entry in both its local header and the central directory (same length), so an
 * archive can carry a name a writer refuses, e.g. "xx/evil.json" → "../evil.json".
 */
export function renameZipEntry(zip: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  if (at < 0) throw new Error(`no entry ${from}`);
  while (at >= 0) {
    Buffer.from(to).copy(out, at);
    at = out.indexOf(needle, at + 1);
  }
  return out;
}
