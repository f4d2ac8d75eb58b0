// Cost accounting over HTTP on real services: a phantom study through the real pipeline, WADO-RS
// and mask downloads counted per study, then GraphQL studyCost (ingest CPU, transfer stage) and
// costReport (days, recent studies, variants, queues), and its argument checks and permission.
import { phantomStudy, until } from '@imaging/testing';
import { MAX_REPORT_DAYS, utcDay } from '@imaging/domain';
import { apiKeyCaller, errorCodes, gql, postDicom, startHarness, userCaller, type Caller, type Harness } from '../testing/harness';
import { runPipeline } from '../testing/pipeline';

interface StageCost { name: string; wallMs: number; cpuSeconds: number | null; bytesIn: number; bytesOut: number; cost: number }
interface Report {
  currency: string;
  days: { day: string; studies: number; series: number; slices: number; cpuSeconds: number; gpuSeconds: number; computeCost: number; transferCost: number; storageCost: number; total: number }[];
  recentStudies: { studyInstanceUid: string; description: string | null; stages: { name: string; wallMs: number; cost: number }[]; total: number }[];
  variants: { variant: string; backend: string; series: number; slices: number; slicesPerSecond: number; costPerThousandSlices: number; agreementWithFloat32: number | null }[];
  frontier: { variant: string; dice: number; imagesPerSecond: number; batchSize: number; costPerStudy: number; measuredIn: string; onFrontier: boolean }[];
  queues: { name: string; waiting: number; active: number; delayed: number; failed: number; oldestWaitingMs: number | null; meanWaitMs: number | null }[];
}

const REPORT = `query($days: Int) { costReport(days: $days) { currency
  days { day studies series slices cpuSeconds gpuSeconds computeCost transferCost storageCost total }
  recentStudies { studyInstanceUid description stages { name wallMs cost } total }
  variants { variant backend series slices slicesPerSecond costPerThousandSlices agreementWithFloat32 }
  frontier { variant dice imagesPerSecond batchSize costPerStudy measuredIn onFrontier }
  queues { name waiting active delayed failed oldestWaitingMs meanWaitMs } } }`;

describe('cost accounting', () => {
  let h: Harness;
  let admin: Caller;
  const study = phantomStudy({ seed: 920_001, slices: 6, size: 128, lesionProbability: 1, studyDescription: 'CT COST PHANTOM' });

  beforeAll(async () => {
    h = await startHarness({ inferSettleMs: 0 });
    const integrator = await apiKeyCaller(h, 'INTEGRATOR');
    const res = await postDicom(h, integrator, study.files, { multipart: true });
    expect(res.status).toBe(200);
    const series = await h.services.db.series.findFirstOrThrow();
    expect((await runPipeline(h.services, series.seriesInstanceUid)).status).toBe('done');
    admin = await userCaller(h, 'ADMIN');
  });
  afterAll(async () => { await h?.close(); });

  async function transferRow() {
    const row = await h.services.db.study.findUniqueOrThrow({ where: { studyInstanceUid: study.studyInstanceUid } });
    return h.services.db.studyTransfer.findFirst({ where: { studyDbId: row.id } });
  }

  it('counts the bytes of WADO-RS and mask downloads per study and day, and nothing for searches or refusals', async () => {
    expect(await transferRow()).toBeNull();
    const wado = await fetch(`${h.url}/dicom-web/studies/${study.studyInstanceUid}`, {
      headers: { ...admin.headers, accept: 'multipart/related; type="application/dicom"', 'accept-encoding': 'identity' },
    });
    expect(wado.status).toBe(200);
    const wadoBytes = (await wado.arrayBuffer()).byteLength;
    expect(wadoBytes).toBeGreaterThan(study.files.reduce((a, f) => a + f.length, 0));
    const first = await until(async () => transferRow(), 'the WADO-RS response to be counted');
    expect(first).toMatchObject({ bytes: BigInt(wadoBytes), requests: 1 });
    expect(first.day.toISOString().slice(0, 10)).toBe(utcDay(new Date()));

    const sop = (await h.services.db.instance.findFirstOrThrow()).sopInstanceUid;
    const mask = await fetch(`${h.url}/api/instances/${sop}/mask`, { headers: { ...admin.headers, 'accept-encoding': 'identity' } });
    expect(mask.status).toBe(200);
    const maskBytes = (await mask.arrayBuffer()).byteLength;
    const second = await until(async () => { const r = await transferRow(); return r && r.requests === 2 ? r : null; }, 'the mask response to be counted');
    expect(second.bytes).toBe(BigInt(wadoBytes + maskBytes));

    // a search names no study, a refused request is not counted, an unknown study has no row
    expect((await fetch(`${h.url}/dicom-web/studies?limit=10`, { headers: admin.headers })).status).toBe(200);
    expect((await fetch(`${h.url}/dicom-web/studies/${study.studyInstanceUid}`)).status).toBe(401);
    expect((await fetch(`${h.url}/dicom-web/studies/1.2.3.4.5.404`, { headers: admin.headers })).status).toBe(404);
    // a later counted request proves the three above have been handled without a count
    await fetch(`${h.url}/api/instances/${sop}/mask`, { headers: { ...admin.headers, 'accept-encoding': 'identity' } });
    const third = await until(async () => { const r = await transferRow(); return r && r.requests === 3 ? r : null; }, 'the second mask response');
    expect(third.bytes).toBe(BigInt(wadoBytes + 2 * maskBytes));
    // WADO-URI names its study in the query string
    const instance = await h.services.db.instance.findFirstOrThrow({ include: { series: true } });
    const uri = await fetch(`${h.url}/dicom-web/wado?requestType=WADO&studyUID=${study.studyInstanceUid}&seriesUID=${instance.series.seriesInstanceUid}&objectUID=${instance.sopInstanceUid}&contentType=application%2Fdicom`,
      { headers: { ...admin.headers, 'accept-encoding': 'identity' } });
    expect(uri.status).toBe(200);
    const uriBytes = (await uri.arrayBuffer()).byteLength;
    const fourth = await until(async () => { const r = await transferRow(); return r && r.requests === 4 ? r : null; }, 'the WADO-URI response');
    expect(fourth.bytes).toBe(BigInt(wadoBytes + 2 * maskBytes + uriBytes));
    expect(await h.services.db.studyTransfer.count()).toBe(1);
  });

  it('reports ingest CPU and a transfer stage in the study cost', async () => {
    const res = await gql<{ study: { cost: { currency: string; total: number; stages: StageCost[] } } }>(h, admin,
      'query($uid: String!) { study(studyInstanceUid: $uid) { cost { currency total stages { name wallMs cpuSeconds bytesIn bytesOut cost } } } }',
      { uid: study.studyInstanceUid });
    expect(res.body.errors).toBeUndefined();
    const cost = res.body.data!.study.cost;
    expect(cost.stages.map((s) => s.name)).toEqual(['ingest', 'preprocess', 'inference', 'transfer']);
    const [ingest, , inference, transfer] = cost.stages;
    expect(ingest.cpuSeconds).toBeGreaterThan(0);
    const prices = h.services.config.unitPrices;
    expect(ingest.cost).toBeCloseTo(ingest.cpuSeconds! * prices.cpuSecond, 12); // ingress is reported, not charged
    expect(inference.cpuSeconds).toBeGreaterThan(0);
    const sent = Number((await transferRow())!.bytes);
    expect(transfer).toMatchObject({ cpuSeconds: 0, bytesOut: sent });
    expect(transfer.cost).toBeCloseTo((sent / 1e9) * prices.gbTransfer, 15);
    expect(cost.total).toBeCloseTo(cost.stages.reduce((a, s) => a + s.cost, 0), 12);
  });

  it('reports cost per day, recent studies, the variant trade-off and the queues', async () => {
    const res = await gql<{ costReport: Report }>(h, admin, REPORT, { days: 3 });
    expect(res.body.errors).toBeUndefined();
    const report = res.body.data!.costReport;
    expect(report.currency).toBe(h.services.config.unitPrices.currency);

    const today = utcDay(new Date());
    expect(report.days.map((d) => d.day)).toEqual([utcDay(new Date(Date.now() - 2 * 86_400_000)), utcDay(new Date(Date.now() - 86_400_000)), today]);
    const [before, , day] = report.days;
    expect(before).toMatchObject({ studies: 0, series: 0, slices: 0, cpuSeconds: 0, computeCost: 0, transferCost: 0, storageCost: 0, total: 0 });
    expect(day).toMatchObject({ studies: 1, series: 1, slices: 6, gpuSeconds: 0 });
    expect(day.cpuSeconds).toBeGreaterThan(0);
    expect(day.computeCost).toBeCloseTo(day.cpuSeconds * h.services.config.unitPrices.cpuSecond, 12);
    expect(day.transferCost).toBeGreaterThan(0);
    expect(day.storageCost).toBeGreaterThan(0);
    expect(day.total).toBeCloseTo(day.computeCost + day.transferCost + day.storageCost, 12);

    const [recent] = report.recentStudies;
    expect(recent).toMatchObject({ studyInstanceUid: study.studyInstanceUid, description: 'CT COST PHANTOM' });
    expect(recent.stages.map((s) => s.name)).toEqual(['ingest', 'preprocess', 'inference', 'transfer']);
    expect(recent.stages.find((s) => s.name === 'inference')!.wallMs).toBeGreaterThan(0);
    expect(recent.total).toBeGreaterThan(0);

    expect(report.variants).toHaveLength(1);
    const [variant] = report.variants;
    expect(variant).toMatchObject({ variant: 'float32', backend: 'wasm', series: 1, slices: 6, agreementWithFloat32: 1 });
    expect(variant.slicesPerSecond).toBeGreaterThan(0);
    expect(variant.costPerThousandSlices).toBeGreaterThan(0);

    // the measured frontier of the shipped version's variants (weights/v1/metrics.json): the student
    // costs about half of float32 per study (its speed measured beside float32 in one run) at a lower Dice
    const byVariant = Object.fromEntries(report.frontier.map((f) => [f.variant, f]));
    expect(Object.keys(byVariant).sort()).toEqual(['float32', 'student']);
    expect(byVariant.float32).toMatchObject({ measuredIn: 'student-run', onFrontier: true });
    expect(byVariant.student).toMatchObject({ measuredIn: 'own', onFrontier: true });
    expect(byVariant.student.dice).toBeLessThan(byVariant.float32.dice);
    expect(byVariant.float32.costPerStudy / byVariant.student.costPerStudy).toBeGreaterThan(1.9);
    expect(byVariant.student.costPerStudy).toBeCloseTo((100 / byVariant.student.imagesPerSecond) * h.services.config.unitPrices.cpuSecond, 12);
    expect(report.frontier.map((f) => f.costPerStudy)).toEqual([...report.frontier.map((f) => f.costPerStudy)].sort((a, b) => a - b));

    expect(report.queues.map((q) => q.name).sort()).toEqual(expect.arrayContaining(['infer', 'preprocess']));
    const infer = report.queues.find((q) => q.name === 'infer')!;
    expect(infer.meanWaitMs).not.toBeNull();
    expect(infer.meanWaitMs!).toBeGreaterThanOrEqual(0);
    // runPipeline ran the series in-process, so its infer jobs are still waiting in the queue
    expect(infer.waiting).toBeGreaterThan(0);
    expect(infer.oldestWaitingMs!).toBeGreaterThanOrEqual(0);
    expect(report.queues.find((q) => q.name === 'preprocess')!.meanWaitMs).toBeNull();
  });

  it('refuses days outside 1..366 and callers without model:manage', async () => {
    for (const days of [0, -1, MAX_REPORT_DAYS + 1]) {
      expect(errorCodes(await gql(h, admin, REPORT, { days }))).toEqual(['BAD_USER_INPUT']);
    }
    expect((await gql<{ costReport: Report }>(h, admin, REPORT, { days: MAX_REPORT_DAYS })).body.data!.costReport.days).toHaveLength(MAX_REPORT_DAYS);
    const defaults = await gql<{ costReport: Report }>(h, admin, '{ costReport { days { day } } }');
    expect(defaults.body.data!.costReport.days).toHaveLength(14);
    const reader = await userCaller(h, 'RADIOLOGIST');
    expect(errorCodes(await gql(h, reader, REPORT, { days: 3 }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(h, admin, '{ budget { decisions(first: 0) { id } } }'))).toEqual(['BAD_USER_INPUT']);
  });
});
