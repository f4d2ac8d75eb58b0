// C-MOVE with dcmtk's movescu against our SCP, dcmtk's storescp as the move destination (a remote
// AE in the table): the received datasets are byte-for-byte what was stored; an unknown or
// disabled destination is A801; a destination that is down ends with every sub-operation failed;
// a JPEG-LS instance the destination cannot take as stored arrives transcoded, pixels unchanged.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestServices, corpusDir, freePort, readManifest, systemContext, type TestServices } from '@imaging/testing';
import { datasetOffset, retrieveInstances } from '@imaging/domain';
import { EXPLICIT_VR_LITTLE_ENDIAN, decodeFrames, parseInstance } from '@imaging/dicom';
import { startDimseServer, type DimseServer } from './server';
import { dcmtk, storescuConfig, tagValues } from './testing/dcmtk';

const manifest = readManifest();
const ctSeries = manifest.filter((r) => r.path.startsWith('files/dcmqi/segmentations/ct-3slice/') && r.expect === 'ok' && r.sop_class_uid === '1.2.840.10008.5.1.4.1.1.2');
const ctSmall = manifest.find((r) => r.path === 'files/pydicom/CT_small.dcm')!;
const jpegLs = manifest.find((r) => r.path === 'files/pydicom/MR_small_jpeg_ls_lossless.dcm')!;
const datasetOf = (file: Buffer) => file.subarray(datasetOffset(file));

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe('DIMSE C-MOVE', () => {
  let s: TestServices;
  let server: DimseServer;
  let storescp: ChildProcess;
  let received: string;
  let peer: string[];
  beforeAll(async () => {
    s = await createTestServices();
    s.config.dimse = { ...s.config.dimse, aeTitle: 'IMAGING', moveMaxInstances: 3 };
    server = await startDimseServer(s, { port: await freePort(), host: '127.0.0.1' });
    peer = ['-aet', 'VIEWER', '-aec', 'IMAGING', '127.0.0.1', String(server.port)];
    const files = [...ctSeries, ctSmall].map((r) => path.join(corpusDir(), r.path));
    const stored = await dcmtk('storescu', ['-v', ...peer, ...files]);
    expect(stored.output.match(/Received Store Response \(Success\)/g)?.length).toBe(files.length);

    // the destination: storescp writing each dataset bit for bit as received (+B)
    received = mkdtempSync(path.join(os.tmpdir(), 'movescu-dest-'));
    const destPort = await freePort();
    storescp = spawn('storescp', ['-aet', 'DEST', '+B', '-od', received, String(destPort)], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await listening(destPort)); i++) await new Promise((r) => setTimeout(r, 50));
    await s.db.remoteAe.createMany({ data: [
      { aeTitle: 'DEST', host: '127.0.0.1', port: destPort },
      { aeTitle: 'DOWN', host: '127.0.0.1', port: await freePort() },
      { aeTitle: 'OFF', host: '127.0.0.1', port: destPort, enabled: false },
    ] });
  });
  afterAll(async () => {
    storescp?.kill();
    await server.close();
    await s.close();
    rmSync(received, { recursive: true, force: true });
  });

  it('moves a series to the destination; the datasets arrive byte for byte as stored', async () => {
    const move = await dcmtk('movescu', ['-v', '-S', '-aem', 'DEST', '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${ctSeries[0].study_uid}`, '-k', `SeriesInstanceUID=${ctSeries[0].series_uid}`, ...peer]);
    expect(move.output).toMatch(/Received Final Move Response \(Success\)/);
    expect(move.output).toMatch(/Received Move Response 1 \(Pending\)/);
    const files = readdirSync(received);
    expect(files.length).toBe(3);
    const dumped = await dcmtk('dcmdump', ['-q', '+P', '0008,0018', ...files.map((f) => path.join(received, f))]);
    const stored = new Map<string, () => Promise<Uint8Array>>();
    for (const f of await retrieveInstances(systemContext(s), { study: ctSeries[0].study_uid }, [{ transferSyntax: '*' }])) stored.set(f.sopInstanceUid, f.read);
    const sops = tagValues(dumped.output, '0008,0018').map((v) => v.replace(/\0/g, '').trim());
    expect([...sops].sort()).toEqual(ctSeries.map((r) => r.sop_instance_uid).sort());
    for (const [i, file] of files.entries()) {
      const original = Buffer.from(await stored.get(sops[i])!());
      expect(datasetOf(readFileSync(path.join(received, file))).equals(datasetOf(original))).toBe(true);
    }
    const audit = await s.db.auditEvent.findMany({ where: { action: 'dimse.move' }, orderBy: { id: 'asc' } });
    // one retrieval row for the study (as C-GET), then the move's outcome with its destination
    expect(audit.map((a) => [a.actorId, a.resourceType, a.outcome])).toEqual([['VIEWER', 'Study', 'SUCCESS'], ['VIEWER', 'RemoteAe', 'SUCCESS']]);
    expect(audit[1].details).toMatchObject({ moveDestination: 'DEST', instances: 3, completed: 3, failed: 0 });
  });

  it('answers an unknown or disabled destination with A801 and sends nothing', async () => {
    const before = readdirSync(received).length;
    for (const destination of ['NOWHERE', 'OFF']) {
      const move = await dcmtk('movescu', ['-v', '-S', '-aem', destination, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${ctSmall.study_uid}`, ...peer]);
      expect(move.output).toMatch(/Received Final Move Response \(Refused: MoveDestinationUnknown\)/);
    }
    expect(readdirSync(received).length).toBe(before);
    const refused = await s.db.auditEvent.findMany({ where: { action: 'dimse.move', outcome: 'FAILURE' } });
    expect(refused.map((a) => (a.details as { reason: string }).reason)).toEqual(['MOVE_DESTINATION_UNKNOWN', 'MOVE_DESTINATION_UNKNOWN']);
  });

  it('counts every sub-operation as failed when the destination is down', async () => {
    const move = await dcmtk('movescu', ['-d', '-S', '-aem', 'DOWN', '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${ctSeries[0].study_uid}`, '-k', `SeriesInstanceUID=${ctSeries[0].series_uid}`, ...peer]);
    const final = move.output.slice(move.output.indexOf('Received Final Move Response'));
    expect(final).toMatch(/Completed Suboperations\s*: 0/);
    expect(final).toMatch(/Failed Suboperations\s*: 3/);
    expect(move.output).toMatch(/Move response with error status \(Refused: OutOfResourcesSubOperations\)/);
    expect(tagValues(final, '0008,0058')[0].split('\\').sort()).toEqual(ctSeries.map((r) => r.sop_instance_uid).sort());
    // pending responses counted down while it tried
    expect(move.output).toMatch(/Remaining Suboperations\s*: 2[\s\S]*Failed Suboperations\s*: 1/);
  });

  it('refuses a move naming more instances than DIMSE_MOVE_MAX_INSTANCES before sending any', async () => {
    const before = readdirSync(received).length;
    const all = [...ctSeries, ctSmall].map((r) => r.sop_instance_uid).join('\\');
    const tooMany = await dcmtk('movescu', ['-v', '-S', '-aem', 'DEST', '-k', 'QueryRetrieveLevel=IMAGE', '-k', `SOPInstanceUID=${all}`, ...peer]);
    expect(tooMany.output).toMatch(/OutOfResourcesNumberOfMatches|0xa701/i);
    expect(readdirSync(received).length).toBe(before);
    // at IMAGE level within the 3 allowed, it goes through
    const one = await dcmtk('movescu', ['-v', '-S', '-aem', 'DEST', '-k', 'QueryRetrieveLevel=IMAGE', '-k', `StudyInstanceUID=${ctSmall.study_uid}`, '-k', `SeriesInstanceUID=${ctSmall.series_uid}`, '-k', `SOPInstanceUID=${ctSmall.sop_instance_uid}`, ...peer]);
    expect(one.output).toMatch(/Received Final Move Response \(Success\)/);
    expect(readdirSync(received).length).toBe(before + 1);
  });

  it('transcodes to Explicit VR Little Endian for a destination that refuses the stored JPEG-LS syntax', async () => {
    const cfg = storescuConfig([{ sopClassUid: jpegLs.sop_class_uid, transferSyntaxUid: jpegLs.transfer_syntax_uid }]);
    const stored = await dcmtk('storescu', ['-v', '-xf', cfg, 'Corpus', ...peer, path.join(corpusDir(), jpegLs.path)]);
    expect(stored.output).toMatch(/Received Store Response \(Success\)/);
    const before = new Set(readdirSync(received));
    // storescp without +xa accepts uncompressed syntaxes only
    const move = await dcmtk('movescu', ['-v', '-S', '-aem', 'DEST', '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${jpegLs.study_uid}`, '-k', `SeriesInstanceUID=${jpegLs.series_uid}`, ...peer]);
    expect(move.output).toMatch(/Received Final Move Response \(Success\)/);
    const added = readdirSync(received).filter((f) => !before.has(f));
    expect(added.length).toBe(1);
    const file = readFileSync(path.join(received, added[0]));
    expect(parseInstance(file).transferSyntaxUid).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
    const md5 = createHash('md5');
    for (const f of await decodeFrames(file)) md5.update(new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength));
    expect(md5.digest('hex')).toBe(jpegLs.pixel_md5);
  });
});
