// The pipeline sweep on real Postgres and Redis: work whose job BullMQ holds as failed, or lost
// altogether, is requeued under a fresh id; work requeued too often ends FAILED with its code.
import { Worker } from 'bullmq';
import { syntheticCtSeries } from '@imaging/dicom';
import { PREPROCESS, connectionOptions, inferJobId } from '@imaging/jobs';
import { createTestServices, systemContext, until, type TestServices } from '@imaging/testing';
import { ingestInstances } from '../ingest/ingest-instances';
import { poolSql } from '@imaging/db';
import { REQUEUES_EXHAUSTED, sweepPipeline } from './sweep-pipeline';

describe('sweepPipeline', () => {
  let s: TestServices;
  beforeEach(async () => { s = await createTestServices({ pipelineMaxRequeues: 2, inferLockMs: 1000 }); });
  afterEach(() => s.close());

  it('requeues an instance whose job BullMQ holds as failed under a fresh id', async () => {
    const [stored] = await ingestInstances(systemContext(s), syntheticCtSeries({ seed: 5101, slices: 1, size: 32 }).files);
    // the job ingest enqueued fails for good (a worker that lost its database on every attempt)
    const id = `instance-${stored.instanceId}`;
    const data = (await s.queues.preprocess.getJob(id))!.data;
    await s.queues.preprocess.obliterate({ force: true });
    await s.queues.preprocess.add(PREPROCESS, data, { jobId: id, attempts: 1 });
    const failing = new Worker(PREPROCESS, async () => { throw new Error('worker lost its database'); }, {
      connection: connectionOptions(s.config.redisUrl!), prefix: s.config.queuePrefix,
    });
    await until(async () => (await (await s.queues.preprocess.getJob(id))!.getState()) === 'failed', 'the job to be held as failed');
    await failing.close();
    // re-adding the same id would be a no-op: BullMQ still holds it
    await s.queues.enqueuePreprocess(data);
    expect(await (await s.queues.preprocess.getJob(id))!.getState()).toBe('failed');

    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ instancesRequeued: 1 });
    const fresh = await s.queues.preprocess.getJob(`instance-${stored.instanceId}-r1`);
    expect(fresh?.data.instanceId).toBe(stored.instanceId);
    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ instancesRequeued: 0 });
  }, 90_000);

  it('ends an instance FAILED with its code once its requeues are spent, and skips it afterwards', async () => {
    const [stored] = await ingestInstances(systemContext(s), syntheticCtSeries({ seed: 5102, slices: 1, size: 32 }).files);
    await s.queues.preprocess.obliterate({ force: true });
    await poolSql(s.db).query(`UPDATE "Instance" SET "pipelineRequeues" = 2 WHERE id = $1`, [stored.instanceId]);
    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ instancesRequeued: 0, instancesFailed: 1 });
    const row = await s.db.instance.findUniqueOrThrow({ where: { id: stored.instanceId! } });
    expect(row.pipelineErrorCode).toBe(REQUEUES_EXHAUSTED);
    expect(row.pipelineFailedAt).not.toBeNull();
    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ instancesRequeued: 0, instancesFailed: 0 });
  });

  it('puts a series stuck RUNNING without a job (two worker deaths) back in the queue, then fails it when requeues are spent', async () => {
    const [stored] = await ingestInstances(systemContext(s), syntheticCtSeries({ seed: 5103, slices: 1, size: 32 }).files);
    await poolSql(s.db).query(`UPDATE "Instance" SET "preprocessedAt" = now() WHERE id = $1`, [stored.instanceId]);
    await s.queues.preprocess.obliterate({ force: true });
    await poolSql(s.db).query(
      `INSERT INTO "SeriesProcessing" ("seriesDbId", "studyDbId", state, "queuedAt", "updatedAt") VALUES ($1, $2, 'RUNNING', now(), now() - interval '1 hour')`,
      [stored.seriesId, stored.studyId]);
    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ seriesRequeued: 1 });
    const job = await s.queues.infer.getJob(`${inferJobId(stored.seriesId!, 1)}-r1`);
    expect(job?.data).toMatchObject({ seriesId: stored.seriesId, preprocessedCount: 1 });
    expect((await s.db.seriesProcessing.findUniqueOrThrow({ where: { seriesDbId: stored.seriesId! } })).state).toBe('QUEUED');
    // its job is live: nothing to do
    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ seriesRequeued: 0 });
    await s.queues.infer.obliterate({ force: true });
    await poolSql(s.db).query(`UPDATE "SeriesProcessing" SET requeues = 2, "updatedAt" = now() - interval '1 hour' WHERE "seriesDbId" = $1`, [stored.seriesId]);
    expect(await sweepPipeline(s, { olderThanMs: 0 })).toMatchObject({ seriesFailed: 1 });
    const failed = await s.db.seriesProcessing.findUniqueOrThrow({ where: { seriesDbId: stored.seriesId! } });
    expect([failed.state, failed.errorCode]).toEqual(['FAILED', REQUEUES_EXHAUSTED]);
  });
});
