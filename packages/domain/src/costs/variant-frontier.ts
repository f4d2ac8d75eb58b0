// The measured speed/quality frontier of the active model's variants: for each weight variant,
// cost per reference study (REFERENCE_STUDY_SLICES slices at the variant's best measured images/s
// on one wasm thread, priced as CPU seconds) against its held-out Dice, both from the version's
// artifact metrics (weights/<version>/metrics.json). Where the student was benchmarked beside its
// teacher, the frontier is those two from that one run, so they differ by what was measured
// together and not by machine noise between runs (float16 / uint8 are dequantised at load: they
// run the float32 graph, and their speeds from another run would only show that noise).
import { poolSql } from '@imaging/db';
import type { Services } from '../context';
import { computeCost } from './pricing';

export const REFERENCE_STUDY_SLICES = 100;

interface Throughput { batchSize: number; imagesPerSecond: number }
interface ArtifactMetrics {
  throughput?: Throughput[];
  teacherThroughputSameRun?: Throughput[];
  metrics?: { segmentation?: { dice?: number } };
}

export interface FrontierPoint {
  variant: string;
  dice: number;
  imagesPerSecond: number;
  batchSize: number;
  costPerStudy: number;
  /** Which benchmark the speed comes from. */
  measuredIn: 'own' | 'student-run';
  /** No other variant is at most as costly and at least as good (one of them strictly). */
  onFrontier: boolean;
}

const best = (t: Throughput[] | undefined) => (t?.length ? t.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a)) : null);

/** Pure: the points and which of them are on the frontier. */
export function frontierPoints(artifacts: { variant: string; metrics: ArtifactMetrics | null }[], costOfCpuSeconds: (seconds: number) => number, slicesPerStudy = REFERENCE_STUDY_SLICES): FrontierPoint[] {
  const teacherRun = best(artifacts.find((a) => a.variant === 'student')?.metrics?.teacherThroughputSameRun);
  const measured = teacherRun ? artifacts.filter((a) => a.variant === 'float32' || a.variant === 'student') : artifacts;
  const points = measured.flatMap((a): Omit<FrontierPoint, 'onFrontier'>[] => {
    const dice = a.metrics?.metrics?.segmentation?.dice;
    const speed = a.variant === 'float32' && teacherRun ? teacherRun : best(a.metrics?.throughput);
    if (typeof dice !== 'number' || !Number.isFinite(dice) || !speed || !(speed.imagesPerSecond > 0)) return [];
    return [{
      variant: a.variant, dice, imagesPerSecond: speed.imagesPerSecond, batchSize: speed.batchSize,
      costPerStudy: costOfCpuSeconds(slicesPerStudy / speed.imagesPerSecond), measuredIn: a.variant === 'float32' && teacherRun ? 'student-run' : 'own',
    }];
  });
  return points
    .map((p) => ({ ...p, onFrontier: !points.some((q) => q !== p && q.costPerStudy <= p.costPerStudy && q.dice >= p.dice && (q.costPerStudy < p.costPerStudy || q.dice > p.dice)) }))
    .sort((a, b) => a.costPerStudy - b.costPerStudy);
}

export async function variantFrontier(services: Services): Promise<FrontierPoint[]> {
  const rows = await poolSql(services.db).query<{ variant: string; metrics: ArtifactMetrics | null }>(
    `SELECT a.variant, a.metrics FROM "ModelArtifact" a JOIN "ModelVersion" v ON v.id = a."modelVersionId" WHERE v.status = 'ACTIVE'`);
  const prices = services.config.unitPrices;
  return frontierPoints(rows, (seconds) => computeCost(prices, { cpuSeconds: seconds, gpuSeconds: 0 }));
}
