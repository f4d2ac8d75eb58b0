// Transfer-syntax negotiation, byte ranges and WADO-URI against a real server: the real
// `dicomweb-client` where it can ask (retrieveInstance / retrieveStudy / retrieveInstanceFrames
// with mediaTypes and transferSyntaxUID), plain fetch for single-part bodies, Range and WADO-URI.
// Transcoded files are decoded and their pixels hashed against the manifest's pixel_md5.
import { createHash } from 'node:crypto';
import { readManifest, readCorpusFile, type ManifestRow } from '@imaging/testing';
import { clearRestoredFileCache, compressStoredInstance } from '@imaging/domain';
import { containerFrames, deidentifyInstance, parseInstance, decodeFrames, frameBytes, EXPLICIT_VR_LITTLE_ENDIAN, JPEG_LS_LOSSLESS } from '@imaging/dicom';
import { startHarness, apiKeyCaller, userCaller, gql, errorCodes, type Harness } from '../testing/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS polyfill for the browser client
(globalThis as Record<string, unknown>).XMLHttpRequest = require('xhr2');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dicomweb-client ships no types
const { api } = require('dicomweb-client');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
const J2K = '1.2.840.10008.1.2.4.90';

async function pixelMd5(bytes: Uint8Array): Promise<string> {
  const md5 = createHash('md5');
  for (const f of await decodeFrames(bytes)) md5.update(new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength));
  return md5.digest('hex');
}

/** One storable file per transfer syntax, plus the special cases, with distinct SOP Instance UIDs. */
function sample(): ManifestRow[] {
  const storable = readManifest().filter((r) => r.expect === 'ok' && r.study_uid && r.series_uid && r.sop_instance_uid);
  const picked = new Map<string, ManifestRow>();
  const fresh = (r: ManifestRow) => ![...picked.values()].some((p) => p.sop_instance_uid === r.sop_instance_uid);
  const take = (test: (r: ManifestRow) => boolean) => {
    const r = storable.find((x) => test(x) && fresh(x));
    if (r) picked.set(r.path, r);
  };
  for (const ts of new Set(storable.map((r) => r.transfer_syntax_uid))) take((r) => r.transfer_syntax_uid === ts && Boolean(r.pixel_md5));
  take((r) => r.path.endsWith('gdcm-US-ALOKA-16.dcm')); // 16-bit palette, implicit VR
  take((r) => r.bits_allocated === '32'); // JPEG-LS cannot code it
  take((r) => r.bits_allocated === '1'); // bit-packed
  take((r) => !r.pixel_md5); // no pixel data
  take((r) => Number(r.frames) > 5 && r.transfer_syntax_uid === '1.2.840.10008.1.2.1');
  take((r) => Number(r.frames) > 1 && r.transfer_syntax_uid.startsWith('1.2.840.10008.1.2.4') && ['8', '16'].includes(r.bits_allocated));
  take((r) => r.path.includes('ct-3slice/01.dcm'));
  return [...picked.values()];
}

describe('WADO transfer: negotiation, ranges, WADO-URI', () => {
  let h: Harness;
  let auth: { authorization: string };
  let client: { [method: string]: (...args: unknown[]) => Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped client
  const files = sample();
  const images = files.filter((r) => r.pixel_md5);
  const jpegLsCodable = images.filter((r) => ['8', '16'].includes(r.bits_allocated));
  const ct = files.find((r) => r.path.includes('ct-3slice/01.dcm'))!;
  const float = files.find((r) => r.bits_allocated === '32')!;
  const urlOf = (r: ManifestRow) => `${h.url}/dicom-web/studies/${r.study_uid}/series/${r.series_uid}/instances/${r.sop_instance_uid}`;
  const ids = (r: ManifestRow) => ({ studyInstanceUID: r.study_uid, seriesInstanceUID: r.series_uid, sopInstanceUID: r.sop_instance_uid });
  // dicomweb-client 0.11.3's retrieveInstance / retrieveStudy refuse every mediaTypes list ("Media type
  // application/ is not supported": _getCommonMediaType gives the bare type), so these go through the
  // client's own multipart application/dicom GET, which builds the Accept header and splits the answer.
  const retrieveDicom = (url: string, transferSyntaxUID: string): Promise<ArrayBuffer[]> =>
    client._httpGetMultipartApplicationDicom(url, [{ mediaType: 'application/dicom', transferSyntaxUID }]);
  const retrieveOne = async (r: ManifestRow, ts: string) => new Uint8Array((await retrieveDicom(urlOf(r), ts))[0]);
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  beforeAll(async () => {
    h = await startHarness();
    const key = (await apiKeyCaller(h, 'INTEGRATOR')).key;
    auth = { authorization: `Bearer ${key}` };
    client = new api.DICOMwebClient({ url: `${h.url}/dicom-web`, headers: auth });
    await client.storeInstances({ datasets: files.map((r) => toArrayBuffer(readCorpusFile(r))) });
    for (const i of await h.services.db.instance.findMany()) await compressStoredInstance(h.services, i.id);
  });
  afterAll(() => h.close());

  it('stored a sample covering every transfer syntax of the storable corpus files', async () => {
    expect(await h.services.db.instance.count()).toBe(files.length);
    // the HTJ2K files lack Study/Series/SOP Instance UIDs, so an archive cannot hold them
    const storable = readManifest().filter((r) => r.expect === 'ok' && r.pixel_md5 && r.study_uid && r.series_uid && r.sop_instance_uid);
    expect(new Set(images.map((r) => r.transfer_syntax_uid))).toEqual(new Set(storable.map((r) => r.transfer_syntax_uid)));
    expect(new Set(images.map((r) => r.transfer_syntax_uid)).size).toBe(14);
  });

  it.each([EXPLICIT_VR_LITTLE_ENDIAN, JPEG_LS_LOSSLESS])('retrieveInstance transcodes to %s: valid Part 10, same pixels', async (ts) => {
    for (const r of ts === JPEG_LS_LOSSLESS ? jpegLsCodable : images) {
      const bytes = await retrieveOne(r, ts);
      const parsed = parseInstance(bytes);
      expect([r.path, parsed.transferSyntaxUid, parsed.sopInstanceUid]).toEqual([r.path, ts, r.sop_instance_uid]);
      expect([r.path, await pixelMd5(bytes)]).toEqual([r.path, r.pixel_md5]);
    }
  });

  it('states the transfer syntax in the part Content-Type, and keeps the original for transfer-syntax=*', async () => {
    const res = await fetch(urlOf(ct), { headers: { ...auth, accept: `multipart/related; type="application/dicom"; transfer-syntax=${JPEG_LS_LOSSLESS}` } });
    expect(res.headers.get('content-type')).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toContain(`Content-Type: application/dicom; transfer-syntax=${JPEG_LS_LOSSLESS}`);
    expect(sha256(await retrieveOne(ct, '*'))).toBe(ct.file_sha256);
  });

  it('transcodes a whole study as multipart, instances without pixels as Explicit VR Little Endian', async () => {
    const study = files.find((r) => !r.pixel_md5)!;
    const inStudy = files.filter((r) => r.study_uid === study.study_uid);
    const retrieved = await retrieveDicom(`${h.url}/dicom-web/studies/${study.study_uid}`, JPEG_LS_LOSSLESS);
    expect(retrieved.length).toBe(inStudy.length);
    for (const bytes of retrieved) {
      const parsed = parseInstance(new Uint8Array(bytes));
      expect(parsed.transferSyntaxUid).toBe(parsed.pixelData ? JPEG_LS_LOSSLESS : EXPLICIT_VR_LITTLE_ENDIAN);
    }
  });

  it('gives frames as JPEG-LS (image/jls) and as native Explicit VR Little Endian from compressed storage', async () => {
    const multi = images.find((r) => Number(r.frames) > 1 && r.transfer_syntax_uid !== EXPLICIT_VR_LITTLE_ENDIAN && ['8', '16'].includes(r.bits_allocated))!;
    const frameNumbers = Array.from({ length: Number(multi.frames) }, (_, i) => i + 1);
    const jls: ArrayBuffer[] = await client.retrieveInstanceFrames({ ...ids(multi), frameNumbers, mediaTypes: [{ mediaType: 'image/jls', transferSyntaxUID: JPEG_LS_LOSSLESS }] });
    // the same codestreams as the fragments of the instance transcoded to JPEG-LS
    const instance = parseInstance(await retrieveOne(multi, JPEG_LS_LOSSLESS));
    expect(jls.map((f) => sha256(new Uint8Array(f)))).toEqual(frameNumbers.map((n) => sha256(frameBytes(instance, n - 1))));
    const native: ArrayBuffer[] = await client.retrieveInstanceFrames({ ...ids(multi), frameNumbers, mediaTypes: [{ mediaType: 'application/octet-stream', transferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN }] });
    const md5 = createHash('md5');
    for (const f of native) md5.update(new Uint8Array(f));
    expect([multi.path, md5.digest('hex')]).toEqual([multi.path, multi.pixel_md5]);
    const res = await fetch(`${urlOf(multi)}/frames/1`, { headers: { ...auth, accept: 'multipart/related; type="image/jls"' } });
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toContain(`Content-Type: image/jls; transfer-syntax=${JPEG_LS_LOSSLESS}`);
  });

  it('sends JPEG-LS frames of every JPEG-LS-codable image identical to its transcoded fragments, from the stored codestreams where they are the same', async () => {
    let passedThrough = 0;
    for (const r of jpegLsCodable) {
      const stored = await h.services.store.get((await h.services.db.instance.findFirstOrThrow({ where: { sopInstanceUid: r.sop_instance_uid } })).storageKey);
      const frames: ArrayBuffer[] = await client.retrieveInstanceFrames({ ...ids(r), frameNumbers: [1], mediaTypes: [{ mediaType: 'image/jls', transferSyntaxUID: JPEG_LS_LOSSLESS }] });
      const instance = parseInstance(await retrieveOne(r, JPEG_LS_LOSSLESS));
      // (a fragment is padded to even length; the frame is the codestream itself)
      const frame = Buffer.from(frames[0]);
      const padded = frame.length % 2 === 1 ? Buffer.concat([frame, Buffer.alloc(1)]) : frame;
      expect([r.path, sha256(padded)]).toEqual([r.path, sha256(frameBytes(instance, 0))]);
      const coded = containerFrames(stored);
      if (coded && Buffer.from(coded.frames[0]).equals(Buffer.from(frames[0]))) passedThrough += 1;
    }
    // the synthetic and real CT slices (Bits Stored = Bits Allocated) are sent without a decode
    expect(passedThrough).toBeGreaterThan(0);
  });

  it('answers 406 NOT_ACCEPTABLE with the offered syntaxes when no accepted representation can be given', async () => {
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the client logs failed requests
    const refused = await retrieveOne(ct, J2K).then(() => null, (e: { status?: number }) => e);
    quiet.mockRestore();
    expect(refused?.status).toBe(406);
    const cases: [string, string][] = [
      [urlOf(ct), `multipart/related; type="application/dicom"; transfer-syntax=${J2K}`],
      [urlOf(float), `multipart/related; type="application/dicom"; transfer-syntax=${JPEG_LS_LOSSLESS}`],
      [urlOf(ct), 'application/json'],
      [`${urlOf(ct)}/frames/1`, 'multipart/related; type="image/jp2"'],
      [`${urlOf(float)}/frames/1`, 'multipart/related; type="image/jls"'],
    ];
    for (const [url, accept] of cases) {
      const res = await fetch(url, { headers: { ...auth, accept } });
      expect([accept, res.status]).toEqual([accept, 406]);
      const error = (await res.json()) as { error: { code: string; details?: { offered: string[] } } };
      expect(error.error.code).toBe('NOT_ACCEPTABLE');
      expect(error.error.details?.offered).toEqual(expect.arrayContaining(['*']));
    }
    const malformed = await fetch(urlOf(ct), { headers: { ...auth, accept: 'application/dicom; transfer-syntax=<script>' } });
    expect([malformed.status, (await errorOf(malformed)).code]).toEqual([400, 'BAD_USER_INPUT']);
    // a less preferred acceptable syntax is used when the first cannot be given
    const fallback = await fetch(urlOf(float), { headers: { ...auth, accept: `application/dicom; transfer-syntax=${JPEG_LS_LOSSLESS}, application/dicom; transfer-syntax=*; q=0.5` } });
    expect([fallback.status, fallback.headers.get('content-type')]).toEqual([200, `application/dicom; transfer-syntax=${float.transfer_syntax_uid}`]);
  });

  it('gives ETags per representation and 304 on revalidation of a transcoded one', async () => {
    const accept = `application/dicom; transfer-syntax=${JPEG_LS_LOSSLESS}`;
    const first = await fetch(urlOf(ct), { headers: { ...auth, accept } });
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${ct.file_sha256}-${JPEG_LS_LOSSLESS}"`);
    expect([first.headers.get('cache-control'), first.headers.get('vary')]).toEqual([expect.stringContaining('immutable'), 'Accept']);
    await first.arrayBuffer();
    expect((await fetch(urlOf(ct), { headers: { ...auth, accept, 'if-none-match': etag } })).status).toBe(304);
  });

  describe('byte ranges on single-part bodies', () => {
    const single = { accept: 'application/dicom; transfer-syntax=*' };
    let whole: Buffer;
    let etag: string;
    beforeAll(async () => {
      const res = await fetch(urlOf(ct), { headers: { ...auth, ...single } });
      expect([res.status, res.headers.get('accept-ranges'), res.headers.get('content-type')]).toEqual([200, 'bytes', `application/dicom; transfer-syntax=${ct.transfer_syntax_uid}`]);
      whole = Buffer.from(await res.arrayBuffer());
      etag = res.headers.get('etag')!;
      expect(sha256(whole)).toBe(ct.file_sha256);
    });
    const get = (headers: Record<string, string>, url = urlOf(ct)) => fetch(url, { headers: { ...auth, ...single, ...headers } });

    it('answers 206 with Content-Range for first-last, open and suffix ranges', async () => {
      for (const [range, start, end] of [['bytes=0-131', 0, 131], ['bytes=1000-', 1000, whole.length - 1], ['bytes=-100', whole.length - 100, whole.length - 1], ['bytes=10-99999999', 10, whole.length - 1]] as const) {
        const res = await get({ range });
        expect([range, res.status, res.headers.get('content-range')]).toEqual([range, 206, `bytes ${start}-${end}/${whole.length}`]);
        expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(start, end + 1))).toBe(true);
      }
    });

    it('answers 416 RANGE_NOT_SATISFIABLE past the end, and ignores unusable Range headers', async () => {
      for (const range of [`bytes=${whole.length}-`, 'bytes=-0']) {
        const res = await get({ range });
        expect([range, res.status, res.headers.get('content-range')]).toEqual([range, 416, `bytes */${whole.length}`]);
        expect((await errorOf(res)).code).toBe('RANGE_NOT_SATISFIABLE');
      }
      for (const range of ['bytes=5-2', 'items=0-1', 'bytes=0-1,5-6', 'garbage']) {
        const res = await get({ range });
        expect([range, res.status]).toEqual([range, 200]);
        expect((await res.arrayBuffer()).byteLength).toBe(whole.length);
      }
    });

    it('applies the Range only while If-Range names the current ETag', async () => {
      const current = await get({ range: 'bytes=0-3', 'if-range': etag });
      expect(current.status).toBe(206);
      await current.arrayBuffer();
      const stale = await get({ range: 'bytes=0-3', 'if-range': '"something-else"' });
      expect([stale.status, (await stale.arrayBuffer()).byteLength]).toEqual([200, whole.length]);
    });

    it('serves a single frame as one octet-stream body with ranges (the Pixel Data BulkDataURI)', async () => {
      const res = await fetch(`${urlOf(ct)}/frames/1`, { headers: { ...auth, accept: 'application/octet-stream', range: 'bytes=0-9' } });
      expect([res.status, res.headers.get('content-type'), res.headers.get('content-range')]).toEqual([206, `application/octet-stream; transfer-syntax=${EXPLICIT_VR_LITTLE_ENDIAN}`, `bytes 0-9/${512 * 512 * 2}`]);
      expect((await res.arrayBuffer()).byteLength).toBe(10);
    });
  });

  describe('WADO-URI', () => {
    const wado = (params: Record<string, string>, headers: Record<string, string> = auth) =>
      fetch(`${h.url}/dicom-web/wado?${new URLSearchParams(params)}`, { headers });
    const object = (r: ManifestRow) => ({ requestType: 'WADO', studyUID: r.study_uid, seriesUID: r.series_uid, objectUID: r.sop_instance_uid });

    it('gives the instance as application/dicom: Explicit VR Little Endian by default, * as stored, JPEG-LS on request', async () => {
      const byDefault = await wado({ ...object(ct), contentType: 'application/dicom' });
      const evle = new Uint8Array(await byDefault.arrayBuffer());
      expect([byDefault.status, parseInstance(evle).transferSyntaxUid, await pixelMd5(evle)]).toEqual([200, EXPLICIT_VR_LITTLE_ENDIAN, ct.pixel_md5]);
      const stored = await wado({ ...object(ct), contentType: 'application/dicom', transferSyntax: '*' });
      expect(sha256(new Uint8Array(await stored.arrayBuffer()))).toBe(ct.file_sha256);
      const jls = await wado({ ...object(ct), contentType: 'application/dicom', transferSyntax: JPEG_LS_LOSSLESS });
      expect(parseInstance(new Uint8Array(await jls.arrayBuffer())).transferSyntaxUid).toBe(JPEG_LS_LOSSLESS);
      const ranged = await fetch(`${h.url}/dicom-web/wado?${new URLSearchParams({ ...object(ct), contentType: 'application/dicom', transferSyntax: '*' })}`, { headers: { ...auth, range: 'bytes=128-131' } });
      expect([ranged.status, Buffer.from(await ranged.arrayBuffer()).toString('latin1')]).toEqual([206, 'DICM']);
    });

    it('renders JPEG by default and PNG on request, with window, size and frame parameters', async () => {
      const jpeg = await wado(object(ct));
      const bytes = Buffer.from(await jpeg.arrayBuffer());
      expect([jpeg.status, jpeg.headers.get('content-type'), bytes[0], bytes[1]]).toEqual([200, 'image/jpeg', 0xff, 0xd8]);
      const png = await wado({ ...object(ct), contentType: 'image/png', windowCenter: '40', windowWidth: '400', rows: '128', columns: '64' });
      const pngBytes = Buffer.from(await png.arrayBuffer());
      expect([png.headers.get('content-type'), pngBytes.readUInt32BE(16), pngBytes.readUInt32BE(20)]).toEqual(['image/png', 64, 64]);
      const lowQuality = await wado({ ...object(ct), imageQuality: '20' });
      expect((await lowQuality.arrayBuffer()).byteLength).toBeLessThan(bytes.length);
      const multi = images.find((r) => Number(r.frames) > 1)!;
      expect((await wado({ ...object(multi), contentType: 'image/png', frameNumber: '2' })).status).toBe(200);
      const missing = await wado({ ...object(multi), frameNumber: '999' });
      expect([missing.status, (await errorOf(missing)).code]).toEqual([404, 'NOT_FOUND']);
    });

    it('is audited like WADO-RS retrieval', async () => {
      const res = await wado({ ...object(ct), contentType: 'application/dicom' });
      await res.arrayBuffer();
      const events = await h.services.db.auditEvent.findMany({ where: { requestId: res.headers.get('x-request-id')! } });
      expect(events.map((e) => [e.action, e.resourceId])).toEqual([['dicomweb.retrieve', ct.sop_instance_uid]]);
    });

    it('refuses wrong, missing and misplaced parameters with 400 and what it does not offer with 406', async () => {
      const o = object(ct);
      const cases: [Record<string, string>, number, string][] = [
        [{ ...o, requestType: 'WADOX' }, 400, 'BAD_USER_INPUT'],
        [{ studyUID: o.studyUID, seriesUID: o.seriesUID, objectUID: o.objectUID }, 400, 'BAD_USER_INPUT'],
        [{ requestType: 'WADO', studyUID: o.studyUID, seriesUID: o.seriesUID }, 400, 'BAD_USER_INPUT'],
        [{ ...o, objectUID: 'bad uid!' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, noSuchParameter: '1' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, windowCenter: '40' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, windowCenter: '40', windowWidth: '0' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, windowCenter: 'abc', windowWidth: '10' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, rows: '0' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, columns: 'wide' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, frameNumber: '0' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, imageQuality: '101' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, contentType: 'image/png', imageQuality: '50' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, contentType: 'image/jpeg', transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN }, 400, 'BAD_USER_INPUT'],
        [{ ...o, contentType: 'application/dicom', frameNumber: '1' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, contentType: 'application/dicom', transferSyntax: 'not a uid' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, contentType: 'not-a-type' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, anonymize: 'no' }, 400, 'BAD_USER_INPUT'],
        [{ ...o, anonymize: 'yes' }, 406, 'NOT_ACCEPTABLE'],
        [{ ...o, region: '0,0,1,1' }, 406, 'NOT_ACCEPTABLE'],
        [{ ...o, contentType: 'image/gif' }, 406, 'NOT_ACCEPTABLE'],
        [{ ...o, contentType: 'application/dicom', transferSyntax: J2K }, 406, 'NOT_ACCEPTABLE'],
        [{ ...o, objectUID: '1.2.3.4.5.6' }, 404, 'NOT_FOUND'],
      ];
      for (const [params, status, code] of cases) {
        const res = await wado(params);
        expect([params, res.status, (await errorOf(res)).code]).toEqual([params, status, code]);
      }
      const twice = await fetch(`${h.url}/dicom-web/wado?${new URLSearchParams(object(ct))}&objectUID=${ct.sop_instance_uid}`, { headers: auth });
      expect([twice.status, (await errorOf(twice)).code]).toEqual([400, 'BAD_USER_INPUT']);
      const anonymous = await wado(object(ct), {});
      expect([anonymous.status, (await errorOf(anonymous)).code]).toEqual([401, 'UNAUTHENTICATED']);
    });
  });

  describe('storageStats', () => {
    const QUERY = '{ storageStats { instances studies originalBytes storedBytes ratio byTransferSyntax { transferSyntaxUid name count originalBytes storedBytes ratio } byModality { modality count originalBytes storedBytes ratio } } }';

    it('totals original and stored bytes over the archive, by transfer syntax and modality, matching the per-instance figures', async () => {
      const admin = await userCaller(h, 'ADMIN');
      const res = await gql<{ storageStats: { instances: number; studies: number; originalBytes: number; storedBytes: number; ratio: number; byTransferSyntax: { transferSyntaxUid: string; name: string; count: number; originalBytes: number; storedBytes: number }[]; byModality: { count: number }[] } }>(h, admin, QUERY);
      const stats = res.body.data!.storageStats;
      const rows = await h.services.db.instance.findMany();
      const original = rows.reduce((a, i) => a + Number(i.sizeBytes), 0);
      const stored = rows.reduce((a, i) => a + Number(i.storedBytes), 0);
      expect(stats).toMatchObject({ instances: files.length, studies: new Set(files.map((r) => r.study_uid)).size, originalBytes: original, storedBytes: stored });
      expect(stats.ratio).toBeCloseTo(original / stored, 6);
      expect(stats.ratio).toBeGreaterThan(1);
      expect(stats.byTransferSyntax.reduce((a, t) => a + t.count, 0)).toBe(files.length);
      expect(stats.byModality.reduce((a, m) => a + m.count, 0)).toBe(files.length);
      const evle = stats.byTransferSyntax.find((t) => t.transferSyntaxUid === EXPLICIT_VR_LITTLE_ENDIAN)!;
      expect(evle.name).toBe('Explicit VR Little Endian');
      expect(evle.storedBytes).toBeLessThan(evle.originalBytes);
    });

    it('is for administrators only', async () => {
      const integrator = await apiKeyCaller(h, 'INTEGRATOR');
      expect(errorCodes(await gql(h, integrator, QUERY))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(h, await userCaller(h, 'RADIOLOGIST'), QUERY))).toEqual(['FORBIDDEN']);
    });
  });
  // last: it stores one more instance, which the storageStats figures above do not count
  it('gives native frames of a compressed-stored multi-frame instance decoded from its container alone, only those asked for', async () => {
    // emri_small: 10 native 16-bit frames (its UIDs are those of its variants in the sample: stored under new ones)
    const emri = readManifest().find((r) => r.path.endsWith('emri_small.dcm'))!;
    const copy = deidentifyInstance(readCorpusFile(emri), { key: 'transfer-test-key-0123456789' });
    await client.storeInstances({ datasets: [toArrayBuffer(Buffer.from(copy.bytes))] });
    const row = await h.services.db.instance.findUniqueOrThrow({ where: { sopInstanceUid: copy.sopInstanceUid } });
    expect(await compressStoredInstance(h.services, row.id)).toMatchObject({ status: 'compressed' });
    const stored = await h.services.db.instance.findUniqueOrThrow({ where: { id: row.id } });
    expect(containerFrames(await h.services.store.get(stored.storageKey))!.frames).toHaveLength(10);
    const original = parseInstance(copy.bytes);
    const url = `${h.url}/dicom-web/studies/${copy.studyInstanceUid}/series/${copy.seriesInstanceUid}/instances/${copy.sopInstanceUid}`;
    for (const order of [Array.from({ length: 10 }, (_, i) => i + 1), [3, 1]]) {
      clearRestoredFileCache(); // cold: the container's frames, not a restored file
      const frames: ArrayBuffer[] = await client.retrieveInstanceFrames({
        studyInstanceUID: copy.studyInstanceUid, seriesInstanceUID: copy.seriesInstanceUid, sopInstanceUID: copy.sopInstanceUid,
        frameNumbers: order, mediaTypes: [{ mediaType: 'application/octet-stream', transferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN }],
      });
      expect(frames.map((f) => sha256(new Uint8Array(f)))).toEqual(order.map((n) => sha256(frameBytes(original, n - 1))));
    }
    const md5 = createHash('md5');
    for (let f = 0; f < 10; f++) md5.update(frameBytes(original, f));
    expect(md5.digest('hex')).toBe(emri.pixel_md5); // de-identification left the pixels alone
    clearRestoredFileCache();
    const res = await fetch(`${url}/frames/11`, { headers: { ...auth, accept: 'multipart/related; type="application/octet-stream"' } });
    expect([res.status, (await errorOf(res)).code]).toEqual([404, 'NOT_FOUND']);
  });
});
