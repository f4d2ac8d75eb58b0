// Test-only: the independent readers a written Segmentation is checked with (Debian packages from
// scripts/setup-system.sh): pydicom through read_seg.py, dciodvfy (dicom3tools) and dcmdump (dcmtk).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

export interface PydicomSegView {
  sopClassUid: string; modality: string; numberOfFrames: number; segmentationType: string; referencedSeries: string;
  segments: { number: number; label: string; algorithmType: string }[];
  frames: { referencedSopInstanceUid: string; segmentNumber: number; dimensionIndexValues: number[]; sha256: string; area: number }[];
}

export interface IndependentReading { pydicom: PydicomSegView; dciodvfyErrors: string[]; dciodvfyWarnings: string[]; dcmdump: string }

/** SHA-256 of a mask as 0/1 bytes, the way read_seg.py hashes pydicom's pixel array. */
export function maskSha256(mask: Uint8Array): string {
  return createHash('sha256').update(Uint8Array.from(mask, (v) => (v ? 1 : 0))).digest('hex');
}

export function readWithIndependentReaders(bytes: Uint8Array): IndependentReading {
  const dir = mkdtempSync(path.join(tmpdir(), 'seg-check-'));
  try {
    const file = path.join(dir, 'seg.dcm');
    writeFileSync(file, bytes);
    const pydicom = JSON.parse(execFileSync('/usr/bin/python3', [path.join(__dirname, 'read_seg.py'), file], { encoding: 'utf8' })) as PydicomSegView;
    // dciodvfy writes its findings to stderr and exits 0 either way
    const vfy = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
    const lines = `${vfy.stdout}\n${vfy.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
    const dcmdump = execFileSync('dcmdump', ['-E', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return {
      pydicom,
      dciodvfyErrors: lines.filter((l) => /^Error/.test(l)),
      dciodvfyWarnings: lines.filter((l) => /^Warning/.test(l)),
      dcmdump,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
