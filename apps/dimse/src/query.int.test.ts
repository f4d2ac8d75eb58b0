// C-FIND (Study and Patient Root) and C-GET with dcmtk's findscu / getscu over instances stored by
// storescu: the answers come from the same index as QIDO-RS.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestServices, corpusDir, freePort, readManifest, type TestServices } from '@imaging/testing';
import { startDimseServer, type DimseServer } from './server';
import { dcmtk, tagValues } from './testing/dcmtk';

const manifest = readManifest();
const ctSeries = manifest.filter((r) => r.path.startsWith('files/dcmqi/segmentations/ct-3slice/') && r.expect === 'ok' && r.sop_class_uid === '1.2.840.10008.5.1.4.1.1.2');
const ctSmall = manifest.find((r) => r.path === 'files/pydicom/CT_small.dcm')!;
const uids = (out: string, tag: string) => [...new Set(tagValues(out, tag).map((v) => v.replace(/\0/g, '').trim()))].sort();

describe('DIMSE C-FIND and C-GET', () => {
  let s: TestServices;
  let server: DimseServer;
  let peer: string[];
  beforeAll(async () => {
    s = await createTestServices();
    s.config.dimse = { ...s.config.dimse, aeTitle: 'IMAGING', findMaxResults: 3 };
    server = await startDimseServer(s, { port: await freePort(), host: '127.0.0.1' });
    peer = ['-aet', 'VIEWER', '-aec', 'IMAGING', '127.0.0.1', String(server.port)];
    const files = [...ctSeries, ctSmall].map((r) => path.join(corpusDir(), r.path));
    const stored = await dcmtk('storescu', ['-v', ...peer, ...files]);
    expect(stored.output.match(/Received Store Response \(Success\)/g)?.length).toBe(files.length);
  });
  afterAll(async () => {
    await server.close();
    await s.close();
  });

  it('has a three-slice CT series to query', () => {
    expect(ctSeries.length).toBe(3);
    expect(new Set(ctSeries.map((r) => r.series_uid)).size).toBe(1);
  });

  it('finds studies (Study Root), with a wildcard on the patient name too', async () => {
    const all = await dcmtk('findscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID', '-k', 'PatientName', '-k', 'NumberOfStudyRelatedInstances', ...peer]);
    expect(all.output).toMatch(/Received Final Find Response \(Success\)/);
    expect(uids(all.output, '0020,000d')).toEqual([...new Set([ctSeries[0].study_uid, ctSmall.study_uid])].sort());
    const none = await dcmtk('findscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID', '-k', 'PatientName=NOBODY*', ...peer]);
    expect(none.output).toMatch(/Received Final Find Response \(Success\)/);
    expect(uids(none.output, '0020,000d')).toEqual([]);
    const audit = await s.db.auditEvent.findMany({ where: { action: 'dimse.find.study' } });
    expect(audit.map((a) => [a.actorType, a.actorId])).toEqual([['DIMSE', 'VIEWER'], ['DIMSE', 'VIEWER']]);
  });

  it('finds the series of a study and the images of a series', async () => {
    const series = await dcmtk('findscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${ctSeries[0].study_uid}`, '-k', 'SeriesInstanceUID', '-k', 'Modality', '-k', 'NumberOfSeriesRelatedInstances', ...peer]);
    expect(uids(series.output, '0020,000e')).toEqual([ctSeries[0].series_uid]);
    expect(tagValues(series.output, '0020,1209').map((v) => v.trim())).toEqual(['3']);
    const images = await dcmtk('findscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=IMAGE', '-k', `SeriesInstanceUID=${ctSeries[0].series_uid}`, '-k', 'SOPInstanceUID', ...peer]);
    expect(uids(images.output, '0008,0018')).toEqual(ctSeries.map((r) => r.sop_instance_uid).sort());
  });

  it('finds patients in the Patient Root model and refuses PATIENT level in Study Root', async () => {
    const patients = await dcmtk('findscu', ['-v', '-P', '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID', '-k', 'NumberOfPatientRelatedInstances', ...peer]);
    expect(patients.output).toMatch(/Received Final Find Response \(Success\)/);
    expect(tagValues(patients.output, '0010,0020').length).toBe(new Set([ctSeries[0], ctSmall].map((r) => r.study_uid)).size);
    const wrong = await dcmtk('findscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID', ...peer]);
    expect(wrong.output).toMatch(/Final Find Response \(Error: DataSetDoesNotMatchSOPClass\)/);
  });

  it('ends a search with more matches than DIMSE_FIND_MAX_RESULTS in A700 after the first ones', async () => {
    const images = await dcmtk('findscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=IMAGE', '-k', 'SOPInstanceUID', ...peer]);
    expect(uids(images.output, '0008,0018').length).toBe(3);
    expect(images.output).toMatch(/Final Find Response \((Refused|Failed): OutOfResources|0xa700/i);
  });

  it('C-GET sends a series back on the same association', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'getscu-'));
    try {
      const get = await dcmtk('getscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=SERIES', '-k', `SeriesInstanceUID=${ctSeries[0].series_uid}`, '-od', out, ...peer]);
      expect(get.output).toMatch(/Received C-GET Response \(Success\)/);
      expect(get.output).toMatch(/Number of Completed Suboperations : 3/);
      const received = readdirSync(out);
      expect(received.length).toBe(3);
      const dumped = await dcmtk('dcmdump', ['-q', '+P', '0008,0018', ...received.map((f) => path.join(out, f))]);
      expect(uids(dumped.output, '0008,0018')).toEqual(ctSeries.map((r) => r.sop_instance_uid).sort());
      expect((await s.db.auditEvent.findMany({ where: { action: 'dimse.get' } })).map((a) => a.actorId)).toEqual(['VIEWER']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('C-GET of an unknown study ends with no sub-operations', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'getscu-'));
    try {
      const get = await dcmtk('getscu', ['-v', '-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3.4.5.6.7', '-od', out, ...peer]);
      expect(get.output).toMatch(/Success/);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
