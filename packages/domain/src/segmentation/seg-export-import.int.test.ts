// DICOM SEG out and in on real services: the AI's masks of an ingested phantom CT (the shipped
// model on wasm) and a reader's correction → SEG stored in the study (QIDO modality SEG, WADO-RS)
// → read back by pydicom, dciodvfy, dcmdump and our own reader, pixel for pixel; every corpus SEG
// through ingest → annotation version (IMPORTED) or stored with a reason.
import { createTestServices, phantomStudy, readManifest, readCorpusFile, systemContext, type TestServices } from '@imaging/testing';
import { createLocalEngine, shippedModelDir, unpackBits, packBits, type InferenceEngine } from '@imaging/ml';
import { readSegmentation } from '@imaging/dicom';
import { poolSql } from '@imaging/db';
import type { DomainContext } from '../context';
import { maskSha256, readWithIndependentReaders } from '../../../dicom/src/test-support/independent-readers';
import { ingestInstances } from '../ingest/ingest-instances';
import { preprocessInstance } from '../ingest/preprocess-instance';
import { activeModel, registerShippedModel } from '../models/model-registry';
import { processSeries } from '../pipeline/process-series';
import { buildLabelledCaseSet } from '../models/retrain';
import { sliceMask } from '../pipeline/results';
import { createUser } from '../users/manage-users';
import { claimReviewTask, startReviewTask, submitReview } from '../review/review-tasks';
import { searchDicomWeb } from '../dicomweb/search';
import { retrieveInstances } from '../dicomweb/retrieve';
import { exportAnnotationSeg } from './export-annotation-seg';
import { importSegmentation, segmentationImportOf } from './import-segmentation';

const SEG_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

describe('DICOM SEG export and import', () => {
  let s: TestServices;
  let engine: InferenceEngine;
  let ctx: DomainContext;

  beforeAll(async () => {
    s = await createTestServices({ inferSettleMs: 0, reviewSecondReadShare: 0 });
    await registerShippedModel(s);
    engine = await createLocalEngine({ modelDir: shippedModelDir('v1'), backend: 'wasm' });
    ctx = systemContext(s);
  });
  afterAll(async () => {
    await engine?.close();
    await s?.close();
  });

  async function segFile(sopInstanceUid: string, studyInstanceUid: string): Promise<Uint8Array> {
    const [found] = await retrieveInstances(ctx, { study: studyInstanceUid, instance: sopInstanceUid }, [{ transferSyntax: '*' }]);
    return found.read();
  }

  it('exports the AI result and a reader correction as SEGs that independent readers read back pixel for pixel', async () => {
    const study = phantomStudy({ seed: 900_113, slices: 6, size: 256, lesionProbability: 1 });
    const ingested = await ingestInstances(ctx, study.files);
    const seriesId = ingested[0].seriesId!;
    for (const r of ingested) await preprocessInstance(s, r.instanceId!);
    const model = (await activeModel(s))!;
    const outcome = await processSeries(s, { engine, model, variant: 'float32', batchSize: 4 }, { seriesId, preprocessedCount: 6 });
    expect(outcome.status).toBe('done');
    const sql = poolSql(s.db);
    const [ai] = await sql.query<{ id: string }>(`SELECT id FROM "AnnotationVersion" WHERE "seriesDbId" = $1 AND version = 0`, [seriesId]);
    const aiMasks = await Promise.all(ingested.map(async (r) => unpackBits((await sliceMask(ctx, r.sopInstanceUid!, 0)).packed, 256 * 256)));
    expect(aiMasks.some((m) => m.some(Boolean))).toBe(true);

    const exported = await exportAnnotationSeg(ctx, ai.id);
    expect(exported).toMatchObject({ version: 0, source: 'AI', created: true, studyInstanceUid: study.studyInstanceUid });
    // idempotent: the same version gives the same stored instance
    const again = await exportAnnotationSeg(ctx, ai.id);
    expect(again).toMatchObject({ created: false, sopInstanceUid: exported.sopInstanceUid, instanceId: exported.instanceId });

    // QIDO lists a SEG series in the study; WADO-RS serves the instance
    const series = await searchDicomWeb(ctx, { level: 'SERIES', params: [['Modality', 'SEG']], studyInstanceUid: study.studyInstanceUid, baseUrl: 'http://x/dicom-web' });
    expect(series.map((d) => d['0020000E'].Value?.[0])).toEqual([exported.seriesInstanceUid]);
    const bytes = await segFile(exported.sopInstanceUid, study.studyInstanceUid);

    const reading = readWithIndependentReaders(bytes);
    expect(reading.dciodvfyErrors).toEqual([]);
    expect(reading.dciodvfyWarnings).toEqual([]); // dicom3tools finds nothing to warn about either
    expect(reading.dcmdump).toContain('(0008,0060) CS [SEG]');
    expect(reading.dcmdump).toContain('(0020,9113) SQ'); // PlanePositionSequence: the phantom has a frame of reference
    const marked = ingested.map((r, i) => ({ sop: r.sopInstanceUid!, mask: aiMasks[i] })).filter((x) => x.mask.some(Boolean));
    const py = reading.pydicom;
    expect(py).toMatchObject({ sopClassUid: SEG_CLASS, modality: 'SEG', segmentationType: 'BINARY', numberOfFrames: marked.length, referencedSeries: study.seriesInstanceUid });
    expect(py.segments).toEqual([{ number: 1, label: 'Lesion', algorithmType: 'AUTOMATIC' }]);
    expect(reading.dcmdump).toContain('[imaging U-Net]');
    const bySop = new Map(marked.map((m) => [m.sop, maskSha256(m.mask)]));
    expect(new Map(py.frames.map((f) => [f.referencedSopInstanceUid, f.sha256]))).toEqual(bySop);
    const ours = await readSegmentation(bytes);
    expect(new Map(ours.frames.map((f) => [f.referencedSopInstanceUid, maskSha256(f.mask)]))).toEqual(bySop);

    // the SEG's own ingest is recognised as our export, not imported back
    expect(await importSegmentation(s, exported.instanceId)).toMatchObject({ state: 'EXPORTED', annotationId: ai.id });

    // a reader's correction: one slice cleared → a MANUAL SEG without it
    const reader = await createUser(ctx, { email: 'seg-reader@example.org', password: 'correct horse battery', role: 'RADIOLOGIST', displayName: 'Seg Reader' });
    const readerCtx: DomainContext = { ...s, principal: { kind: 'user', id: reader.id, email: reader.email, role: 'RADIOLOGIST', sessionId: 'test' }, requestId: 'test-reader' };
    const [task] = await sql.query<{ id: string }>(`SELECT id FROM "ReviewTask" WHERE "seriesDbId" = $1`, [seriesId]);
    await claimReviewTask(readerCtx, task.id);
    await startReviewTask(readerCtx, task.id);
    const cleared = marked[0].sop;
    await submitReview(readerCtx, task.id, {
      decision: 'CORRECT', label: 'lesion', masks: [{ sopInstanceUid: cleared, data: Buffer.from(packBits(new Uint8Array(256 * 256))).toString('base64') }],
    });
    const [corrected] = await sql.query<{ id: string; version: number }>(`SELECT id, version FROM "AnnotationVersion" WHERE "seriesDbId" = $1 AND source = 'READER'`, [seriesId]);
    const manual = await exportAnnotationSeg(readerCtx, corrected.id);
    expect(manual).toMatchObject({ version: corrected.version, source: 'READER', created: true, seriesInstanceUid: exported.seriesInstanceUid });
    const manualReading = readWithIndependentReaders(await segFile(manual.sopInstanceUid, study.studyInstanceUid));
    expect(manualReading.dciodvfyErrors).toEqual([]);
    expect(manualReading.dciodvfyWarnings).toEqual([]);
    expect(manualReading.pydicom.segments[0].algorithmType).toBe('MANUAL');
    expect(manualReading.dcmdump).toContain(`[Reader^${reader.id.slice(0, 8)}]`);
    bySop.delete(cleared);
    expect(new Map(manualReading.pydicom.frames.map((f) => [f.referencedSopInstanceUid, f.sha256]))).toEqual(bySop);

    // both exports are audited with the caller
    const audit = await sql.query<{ actorType: string; resourceId: string }>(
      `SELECT "actorType"::text AS "actorType", "resourceId" FROM "AuditEvent" WHERE action = 'seg.export' ORDER BY id`);
    expect(audit).toEqual([{ actorType: 'SYSTEM', resourceId: ai.id }, { actorType: 'USER', resourceId: corrected.id }]);
  }, 120_000);

  it('imports every corpus SEG: those over a stored series become IMPORTED versions, the others say why', async () => {
    const rows = readManifest();
    const ct = rows.filter((r) => r.path.startsWith('files/dcmqi/segmentations/ct-3slice/'));
    const segs = rows.filter((r) => r.sop_class_uid === SEG_CLASS && r.expect === 'ok');
    expect(segs.length).toBeGreaterThanOrEqual(8);
    const ingestedCt = await ingestInstances(ctx, ct.map(readCorpusFile));
    expect(ingestedCt.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
    const ctSeries = ingestedCt[0].seriesId!;
    // every other image of the corpus too, so a SEG over any of its series (a hold-out one included) finds it
    const others = rows.filter((r) => r.expect === 'ok' && r.sop_class_uid !== SEG_CLASS && !ct.includes(r));
    await ingestInstances(ctx, others.map(readCorpusFile));

    const outcomes: Record<string, string> = {};
    const reasons: Record<string, string | null> = {};
    for (const row of segs) {
      const file = readCorpusFile(row);
      const [stored] = await ingestInstances(ctx, [file]);
      if (stored.status === 'conflict' || stored.status === 'duplicate') { outcomes[row.path] = stored.status; continue; } // corpus variants share SOP Instance UIDs
      expect(stored.status).toBe('stored');
      await preprocessInstance(s, stored.instanceId!);
      const view = await segmentationImportOf(ctx, stored.sopInstanceUid!);
      outcomes[row.path] = view.state;
      reasons[row.path] = view.reason;
      const seg = await readSegmentation(file);
      if (view.state === 'CONVERTED') {
        expect(view.annotationVersion).toBeGreaterThanOrEqual(1); // version 0 stays the AI's
        // the version is the union of the SEG's segments on each source image, pixel for pixel
        for (const sop of new Set(seg.frames.map((f) => f.referencedSopInstanceUid))) {
          const expected = new Uint8Array(seg.rows * seg.columns);
          for (const f of seg.frames.filter((fr) => fr.referencedSopInstanceUid === sop)) f.mask.forEach((v, p) => { if (v) expected[p] = 1; });
          const mask = await sliceMask(ctx, sop, view.annotationVersion!);
          expect(mask.source).toBe('IMPORTED');
          expect(maskSha256(unpackBits(mask.packed, seg.rows * seg.columns))).toBe(maskSha256(expected));
        }
        // and exporting an imported version gives back the SEG it came from
        const [annotation] = await poolSql(s.db).query<{ id: string }>(`SELECT id FROM "AnnotationVersion" WHERE id = $1 AND source = 'IMPORTED'`, [view.annotationId]);
        expect(await exportAnnotationSeg(ctx, annotation.id)).toMatchObject({ created: false, sopInstanceUid: stored.sopInstanceUid });
      } else {
        expect(view.state).toBe('NOT_CONVERTED');
        expect(view.reason!.length).toBeGreaterThan(20); // says why, in words
      }
      // converting twice changes nothing
      expect((await importSegmentation(s, stored.instanceId!)).state).toBe(view.state);
    }
    expect(outcomes).toMatchObject({
      'files/pydicom/liver_1frame.dcm': 'CONVERTED',
      'files/pydicom-data/liver.dcm': 'conflict', // same SOP Instance UID as liver_1frame, other bytes
      'files/pydicom-data/liver_rle.dcm': 'CONVERTED',
      'files/pydicom-data/liver_deflate.dcm': 'CONVERTED',
      'files/dcmqi/segmentations/partial_overlaps.dcm': 'CONVERTED',
      'files/pydicom-data/liver_nonbyte_aligned.dcm': 'NOT_CONVERTED', // 510×510 frames over 512² CT
      'files/dcmqi/sr-example/seg.dcm': 'NOT_CONVERTED', // its CT is not in the corpus
    });
    expect(reasons['files/dcmqi/sr-example/seg.dcm']).toMatch(/^references series [0-9.]+, not stored here/);
    expect(reasons['files/pydicom-data/liver_nonbyte_aligned.dcm']).toMatch(/frames are 510×510, source image .* is 512×512/);
    const versions = await poolSql(s.db).query<{ version: number; slices: number }>(
      `SELECT av.version, (SELECT count(*)::int FROM "MaskSlice" ms WHERE ms."annotationId" = av.id) AS slices FROM "AnnotationVersion" av WHERE av."seriesDbId" = $1 ORDER BY version`, [ctSeries]);
    expect(versions.every((v) => v.version >= 1 && v.slices === 3)).toBe(true); // every slice stored: a complete truth

    // ground truth for retraining: the unreviewed CT enters the next labelled-case set by its newest imported version
    for (const r of ingestedCt) await preprocessInstance(s, r.instanceId!);
    const set = await buildLabelledCaseSet(ctx);
    expect(set.counts.bySource.imported).toBe(1);
    const [labelled] = await poolSql(s.db).query<{ source: string; annotationVersion: number; reviewTaskId: string | null; lesionSlices: number; label: string }>(
      `SELECT source, "annotationVersion", "reviewTaskId", "lesionSlices", label FROM "LabelledCase" WHERE "setId" = $1 AND "seriesDbId" = $2`, [set.id, ctSeries]);
    expect(labelled).toEqual({ source: 'imported', annotationVersion: versions.at(-1)!.version, reviewTaskId: null, lesionSlices: 3, label: 'lesion' });
  }, 120_000);
});
