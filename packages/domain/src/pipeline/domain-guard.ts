// The out-of-distribution guard in the pipeline: the prepared slices of a series against the
// model's declared domain before inference, the masks after it. A series outside the domain gets
// an OUT_OF_DOMAIN result: no lesion label, no findings, no masks, and a flagged review task.
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import {
  checkSeriesInput, checkSeriesOutput, PHANTOM_CT_DOMAIN, type DomainReason, type InputCheck, type ModelDomain, type OutputCheck, type SliceStatistics,
} from '@imaging/ml';

export interface GuardSlice {
  row: { rows: number | null; columns: number | null };
  spacing: [number, number] | null;
  thickness: number | null;
  statistics: SliceStatistics;
}

export interface DomainVerdict {
  inDomain: boolean;
  /** The first failing check's code, then every reason in words. */
  reasonCode: string | null;
  reason: string | null;
  reasons: DomainReason[];
  input: InputCheck;
  output: OutputCheck | null;
}

/**
 * Every model the platform runs today was trained on the phantom generator, so the input domain is
 * the phantom one. The output bound belongs to the weights: a model directory calibrated by
 * calibrate-domain carries domain-output.json; one without it (a fine-tune of v1) gets v1's bound.
 */
export function domainForModel(model: { artifacts: Record<string, string> }): ModelDomain {
  const dir = model.artifacts.float32;
  const file = dir ? path.join(dir, 'domain-output.json') : null;
  if (!file || !existsSync(file)) return PHANTOM_CT_DOMAIN;
  const calibrated = JSON.parse(readFileSync(file, 'utf8')) as { maxSliceMaskFraction?: unknown };
  const bound = calibrated.maxSliceMaskFraction;
  if (typeof bound !== 'number' || !(bound > 0 && bound <= 1)) return PHANTOM_CT_DOMAIN;
  return { ...PHANTOM_CT_DOMAIN, output: { maxSliceMaskFraction: bound } };
}

export function checkInputDomain(domain: ModelDomain, modelInputSize: number, header: { modality: string | null; bodyPart: string | null }, slices: GuardSlice[]): DomainVerdict {
  const input = checkSeriesInput(domain, modelInputSize, { modality: header.modality, bodyPartExamined: header.bodyPart }, slices.map((s) => ({
    rows: s.row.rows!, columns: s.row.columns!, pixelSpacingMm: s.spacing, sliceThicknessMm: s.thickness, statistics: s.statistics,
  })));
  return verdict(input, null);
}

export function checkOutputDomain(domain: ModelDomain, before: DomainVerdict, masks: Uint8Array[]): DomainVerdict {
  return verdict(before.input, checkSeriesOutput(domain, masks));
}

function verdict(input: InputCheck, output: OutputCheck | null): DomainVerdict {
  const reasons = [...input.reasons, ...(output?.reasons ?? [])];
  return {
    inDomain: reasons.length === 0, reasons, input, output,
    reasonCode: reasons[0]?.code ?? null,
    reason: reasons.length ? reasons.map((r) => r.message).join('; ').slice(0, 2000) : null,
  };
}
