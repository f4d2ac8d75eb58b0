// The shared DICOM corpus (../shared/dicom-corpus beside the repository, as CI has it).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './database';

export function corpusDir(): string {
  const candidates = [path.join(repoRoot(), '..', 'shared', 'dicom-corpus'), path.join(repoRoot(), 'shared', 'dicom-corpus')];
  const found = candidates.find((c) => existsSync(path.join(c, 'MANIFEST.tsv')));
  if (!found) throw new Error(`DICOM corpus not found; looked in ${candidates.join(', ')}`);
  return found;
}

export type ManifestRow = Record<string, string> & { path: string; expect: 'ok' | 'reject' };

export function readManifest(): ManifestRow[] {
  const [header, ...lines] = readFileSync(path.join(corpusDir(), 'MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
  const columns = header.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((v, i) => [columns[i], v])) as ManifestRow);
}

export function readCorpusFile(row: ManifestRow): Buffer {
  return readFileSync(path.join(corpusDir(), row.path));
}
