// `npm run phantom -- --out DIR [--seed N] [--slices 32] [--size 512] [--lesions yes|no|random]`:
// writes a phantom CT series as real DICOM files (one per slice) plus its ground truth: truth.json
// (label, lesions, spacing) and one bit-packed mask per slice (masks/<n>.bin, rows × columns bits).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packBits } from '@imaging/ml';
import { phantomStudy } from '@imaging/testing';

function main(): number {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, seed: { type: 'string' }, slices: { type: 'string' }, size: { type: 'string' }, lesions: { type: 'string' } },
  });
  if (!values.out) {
    console.error('usage: npm run phantom -- --out DIR [--seed N] [--slices 32] [--size 512] [--lesions yes|no|random]');
    return 2;
  }
  const lesions = values.lesions ?? 'random';
  if (!['yes', 'no', 'random'].includes(lesions)) throw new Error('--lesions must be yes, no or random');
  const seed = Number(values.seed ?? 1);
  const study = phantomStudy({
    seed, slices: Number(values.slices ?? 32), size: Number(values.size ?? 512),
    lesionProbability: lesions === 'yes' ? 1 : lesions === 'no' ? 0 : 0.5,
  });
  const out = path.resolve(values.out);
  mkdirSync(path.join(out, 'masks'), { recursive: true });
  study.files.forEach((file, i) => {
    writeFileSync(path.join(out, `${String(i + 1).padStart(4, '0')}.dcm`), file);
    writeFileSync(path.join(out, 'masks', `${String(i + 1).padStart(4, '0')}.bin`), packBits(study.series.slices[i].mask));
  });
  const s = study.series;
  writeFileSync(path.join(out, 'truth.json'), JSON.stringify({
    seed, label: s.label, studyInstanceUid: study.studyInstanceUid, seriesInstanceUid: study.seriesInstanceUid,
    size: s.size, pixelSpacingMm: s.pixelSpacingMm, sliceThicknessMm: s.sliceThicknessMm, lesions: s.lesions,
    slicesWithLesion: s.slices.filter((x) => x.hasLesion).map((x) => x.index),
  }, null, 2));
  console.log(`wrote ${study.files.length} DICOM files (${s.label}, ${s.lesions.length} lesion(s)) and ground truth to ${out}`);
  return 0;
}

process.exitCode = main();
