import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest ancestor with turbo.json. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'turbo.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (turbo.json)');
    dir = up;
  }
  return dir;
}

/** What a running `npm start` tells the admin CLI: where its embedded database listens. */
export interface RuntimeFile { databaseUrl: string | null; pid: number }

export function writeRuntimeFile(dataDir: string, runtime: RuntimeFile): void {
  writeFileSync(path.join(dataDir, 'runtime.json'), JSON.stringify(runtime), { mode: 0o600 });
}

export function readRuntimeFile(dataDir: string): RuntimeFile | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as RuntimeFile;
  } catch {
    return null;
  }
}
