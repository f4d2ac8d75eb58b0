// The frontier of variants on known figures: cost from the best measured speed, the teacher's
// speed taken from the student's benchmark run (and only those two then), and which points no other variant dominates.
import { frontierPoints } from './variant-frontier';

const price = (seconds: number) => seconds * 0.01;

describe('variant frontier', () => {
  it('prices a 100-slice study at each variant’s best speed and marks the undominated ones', () => {
    const points = frontierPoints([
      { variant: 'float32', metrics: { throughput: [{ batchSize: 8, imagesPerSecond: 50 }], metrics: { segmentation: { dice: 0.82 } } } },
      { variant: 'uint8', metrics: { throughput: [{ batchSize: 8, imagesPerSecond: 48 }], metrics: { segmentation: { dice: 0.81 } } } },
      {
        variant: 'student',
        metrics: {
          throughput: [{ batchSize: 1, imagesPerSecond: 90 }, { batchSize: 16, imagesPerSecond: 100 }],
          teacherThroughputSameRun: [{ batchSize: 16, imagesPerSecond: 40 }],
          metrics: { segmentation: { dice: 0.79 } },
        },
      },
      { variant: 'float16', metrics: null },
    ], price);
    // with a student benchmarked beside its teacher, the frontier is those two from that run
    expect(points.map((p) => p.variant)).toEqual(['student', 'float32']);
    const [student, float32] = points;
    expect(student).toMatchObject({ imagesPerSecond: 100, batchSize: 16, measuredIn: 'own', onFrontier: true });
    expect(student.costPerStudy).toBeCloseTo(0.01, 12); // 100 slices / 100 img/s × 0.01 per second
    // float32's speed is the one measured beside the student: 100 / 40 s
    expect(float32).toMatchObject({ imagesPerSecond: 40, measuredIn: 'student-run', onFrontier: true });
    expect(float32.costPerStudy).toBeCloseTo(0.025, 12);
    // without a student, every benchmarked variant; a slower and worse one is dominated
    const dominated = frontierPoints([
      { variant: 'float32', metrics: { throughput: [{ batchSize: 8, imagesPerSecond: 50 }], metrics: { segmentation: { dice: 0.82 } } } },
      { variant: 'uint8', metrics: { throughput: [{ batchSize: 8, imagesPerSecond: 40 }], metrics: { segmentation: { dice: 0.81 } } } },
    ], price);
    expect(dominated.find((p) => p.variant === 'uint8')!.onFrontier).toBe(false);
  });
});
