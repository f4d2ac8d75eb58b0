// The one place figures become money: compute (CPU seconds, or GPU wall seconds when a GPU
// backend ran the stage), transfer (bytes sent) and storage (GB-month), at the configured
// unit prices. Used by the study cost, the cost report and the budget policy, and mirrored in SQL
// (`stageComputeSql`) where the database sums many rows.
import type { Config } from '@imaging/config';

export type UnitPrices = Config['unitPrices'];

export const GB = 1e9;
/** tfjs backends that run on a GPU: their stages are billed by wall time at the GPU price. */
export const GPU_BACKENDS = ['webgpu', 'tensorflow'] as const;
const GPU_SET = new Set<string>(GPU_BACKENDS);

export interface StageCompute {
  cpuSeconds: number;
  gpuSeconds: number;
}

export function stageCompute(stage: { cpuMs: number; wallMs: number; backend: string | null | undefined }): StageCompute {
  return stage.backend && GPU_SET.has(stage.backend)
    ? { cpuSeconds: 0, gpuSeconds: stage.wallMs / 1000 }
    : { cpuSeconds: stage.cpuMs / 1000, gpuSeconds: 0 };
}

export function computeCost(prices: UnitPrices, compute: StageCompute): number {
  return compute.cpuSeconds * prices.cpuSecond + compute.gpuSeconds * prices.gpuSecond;
}

export function transferCost(prices: UnitPrices, bytes: number): number {
  return (bytes / GB) * prices.gbTransfer;
}

/** Storage of `bytes` for `days` days, a month taken as 365.25 / 12 days. */
export function storageCost(prices: UnitPrices, bytes: number, days: number): number {
  return (bytes / GB) * prices.gbMonth * (days / (365.25 / 12));
}

/** SQL for the CPU and GPU seconds of ProcessingStage rows aliased `alias` (same rule as stageCompute). */
export function stageComputeSql(alias: string): { cpuSeconds: string; gpuSeconds: string } {
  const gpu = `(${alias}.details->>'backend') IN (${GPU_BACKENDS.map((b) => `'${b}'`).join(', ')})`;
  return {
    cpuSeconds: `(CASE WHEN ${gpu} THEN 0 ELSE ${alias}."cpuMs" END)::float8 / 1000`,
    gpuSeconds: `(CASE WHEN ${gpu} THEN ${alias}."durationMs" ELSE 0 END)::float8 / 1000`,
  };
}
