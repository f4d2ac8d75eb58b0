// Throughput of a variant against its reference, measured in alternating rounds in one process
// (these machines are shared and noisy: a ratio of two runs minutes apart means little). The
// median of the rounds is kept per batch size.
import * as tf from '@tensorflow/tfjs';
import { ThroughputResult, measureThroughput } from '../quantize/benchmark';

export const SPEED_BATCH_SIZES = [1, 8, 16];

export interface SpeedComparison {
  reference: ThroughputResult[];
  variant: ThroughputResult[];
  /** variant images/s ÷ reference images/s, per batch size. */
  speedup: { batchSize: number; ratio: number }[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOf(runs: ThroughputResult[][]): ThroughputResult[] {
  return runs[0].map((r, i) => {
    const ms = median(runs.map((run) => run[i].msPerBatch));
    return { batchSize: r.batchSize, msPerBatch: +ms.toFixed(2), imagesPerSecond: +((1000 * r.batchSize) / ms).toFixed(1) };
  });
}

export async function compareThroughput(reference: tf.LayersModel, variant: tf.LayersModel, batchSizes = SPEED_BATCH_SIZES, rounds = 3, repeats = 5): Promise<SpeedComparison> {
  const a: ThroughputResult[][] = [];
  const b: ThroughputResult[][] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await measureThroughput(reference, batchSizes, repeats));
    b.push(await measureThroughput(variant, batchSizes, repeats));
  }
  const ref = medianOf(a);
  const v = medianOf(b);
  return { reference: ref, variant: v, speedup: v.map((x, i) => ({ batchSize: x.batchSize, ratio: +(x.imagesPerSecond / ref[i].imagesPerSecond).toFixed(2) })) };
}
