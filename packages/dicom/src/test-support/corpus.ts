// Test-only access to the shared DICOM corpus (../shared/dicom-corpus beside the repository, see
// its README). Not part of the package build (tsconfig.json excludes this folder).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type ManifestRow = Record<string, string>;

/**
 * The corpus directory: `override` (tests pass env CORPUS_DIR) when set, else the first
 * `shared/dicom-corpus` found walking up from this file, checking both `<dir>/shared/...` and a
 * `../shared/...` beside each directory (CI clones to /tmp/ci/main with /tmp/ci/shared beside it).
 */
export function corpusDir(override?: string): string {
  if (override) {
    if (!existsSync(path.join(override, 'MANIFEST.tsv'))) throw new Error(`CORPUS_DIR=${override} holds no MANIFEST.tsv`);
    return override;
  }
  let dir = __dirname;
  for (;;) {
    for (const candidate of [path.join(dir, 'shared', 'dicom-corpus'), path.join(dir, '..', 'shared', 'dicom-corpus')]) {
      if (existsSync(path.join(candidate, 'MANIFEST.tsv'))) return candidate;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('shared/dicom-corpus not found walking up from the package; set CORPUS_DIR');
    dir = up;
  }
}

export function readManifest(dir: string): ManifestRow[] {
  const [header, ...lines] = readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
  const columns = header.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [columns[i], v])));
}

export const hasUids = (r: ManifestRow): boolean => Boolean(r.study_uid && r.series_uid && r.sop_instance_uid);
