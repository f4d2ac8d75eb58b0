// DICOMweb against the real `dicomweb-client` package (XMLHttpRequest from xhr2 in Node): the
// corpus stored via STOW-RS, found via QIDO-RS, retrieved via WADO-RS bit for bit.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readManifest, readCorpusFile, countState } from '@imaging/testing';
import { compressStoredInstance } from '@imaging/domain';
import { startHarness, apiKeyCaller, type Harness } from '../testing/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS polyfill for the browser client
(globalThis as Record<string, unknown>).XMLHttpRequest = require('xhr2');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dicomweb-client ships no types
const { api } = require('dicomweb-client');

type Json = Record<string, { vr: string; Value?: unknown[] }>;
const value = (d: Json, tag: string) => d[tag]?.Value?.[0];
const sha256 = (b: ArrayBuffer | Uint8Array) => createHash('sha256').update(new Uint8Array(b as ArrayBuffer)).digest('hex');
const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

const manifest = readManifest();
const storable = manifest.filter((r) => r.expect === 'ok' && r.study_uid && r.series_uid && r.sop_instance_uid);

describe('DICOMweb with dicomweb-client', () => {
  let h: Harness;
  let key: string;
  let client: { [method: string]: (options: Record<string, unknown>) => Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped client
  const firstBySop = new Map<string, (typeof storable)[number]>();
  beforeAll(async () => {
    h = await startHarness();
    key = (await apiKeyCaller(h, 'INTEGRATOR')).key;
    client = new api.DICOMwebClient({ url: `${h.url}/dicom-web`, headers: { Authorization: `Bearer ${key}` } });
    for (const r of storable) if (!firstBySop.has(r.sop_instance_uid)) firstBySop.set(r.sop_instance_uid, r);
  });
  afterAll(() => h.close());

  it('stores the corpus with STOW-RS, refusing same-UID different-content files as failures', async () => {
    for (let i = 0; i < storable.length; i += 10) {
      const batch = storable.slice(i, i + 10);
      const response = await client.storeInstances({ datasets: batch.map((r) => toArrayBuffer(readCorpusFile(r))) }).catch((e: unknown) => e);
      expect(response).toBeDefined();
    }
    const state = await countState(h.services);
    expect(state.instances).toBe(firstBySop.size);
  });

  it('answers a STOW-RS request with referenced and failed SOP sequences and reasons', async () => {
    const good = readCorpusFile(storable[0]);
    const boundary = 'xyz123';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), good, Buffer.from('\r\n'),
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), readCorpusFile(manifest.find((r) => r.path === 'bad/invalid_vr_QQ.dcm')!), Buffer.from('\r\n'),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const res = await fetch(`${h.url}/dicom-web/studies`, {
      method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
    });
    expect(res.status).toBe(202);
    const json = (await res.json()) as Json;
    const referenced = json['00081199'].Value as Json[];
    const failed = json['00081198'].Value as Json[];
    expect(value(referenced[0], '00081155')).toBe(storable[0].sop_instance_uid);
    expect(value(failed[0], '00081197')).toBe(0xc000);
  });

  it('refuses instances of another study when storing to /studies/{study}', async () => {
    const res = await fetch(`${h.url}/dicom-web/studies/1.2.3.4.5`, {
      method: 'POST',
      body: Buffer.concat([Buffer.from('--b\r\nContent-Type: application/dicom\r\n\r\n'), readCorpusFile(storable[1]), Buffer.from('\r\n--b--\r\n')]),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/related; type="application/dicom"; boundary=b' },
    });
    expect(res.status).toBe(409);
    expect(value(((await res.json()) as Json)['00081198'].Value![0] as Json, '00081197')).toBe(0xa900);
  });

  it('finds studies, series and instances with QIDO-RS matching', async () => {
    const studies = new Set([...firstBySop.values()].map((r) => r.study_uid));
    const all: Json[] = await client.searchForStudies({ queryParams: { limit: '1000' } });
    expect(all.length).toBe(studies.size);
    const ct = [...firstBySop.values()].find((r) => r.path.includes('ct-3slice/01.dcm'))!;
    const [study] = (await client.searchForStudies({ queryParams: { StudyInstanceUID: ct.study_uid } })) as Json[];
    const inStudy = [...firstBySop.values()].filter((r) => r.study_uid === ct.study_uid);
    expect(value(study, '00201208')).toBe(inStudy.length);
    expect(study['00080061'].Value).toEqual([...new Set(inStudy.map((r) => r.modality))].sort());
    const series: Json[] = await client.searchForSeries({ studyInstanceUID: ct.study_uid });
    expect(series.map((s) => value(s, '0020000E')).sort()).toEqual([...new Set(inStudy.map((r) => r.series_uid))].sort());
    const instances: Json[] = await client.searchForInstances({ studyInstanceUID: ct.study_uid, seriesInstanceUID: ct.series_uid });
    expect(instances.map((i) => value(i, '00080018')).sort()).toEqual(
      [...firstBySop.values()].filter((r) => r.series_uid === ct.series_uid).map((r) => r.sop_instance_uid).sort());
    const byDate: Json[] = await client.searchForStudies({ queryParams: { StudyDate: '19000101-19991231', limit: '1000' } });
    expect(byDate.every((s) => String(value(s, '00080020')) < '20000101')).toBe(true);
    const byModality: Json[] = await client.searchForSeries({ queryParams: { Modality: 'MR', limit: '1000' } });
    expect(byModality.length).toBeGreaterThan(0);
    expect(byModality.every((s) => value(s, '00080060') === 'MR')).toBe(true);
    const paged: Json[] = await client.searchForInstances({ queryParams: { limit: '5', offset: '5' } });
    expect(paged.length).toBe(5);
  });

  it('refuses unknown matching keys and bad limits with 400 and a reason', async () => {
    const res = await fetch(`${h.url}/dicom-web/studies?NoSuchKey=1`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('NoSuchKey') });
    expect((await fetch(`${h.url}/dicom-web/studies?limit=0`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(400);
    expect((await fetch(`${h.url}/dicom-web/studies`)).status).toBe(401);
  });

  it('retrieves every stored instance with WADO-RS, bit-exact (SHA-256 of the upload), from compressed storage', async () => {
    const statuses = [];
    for (const i of await h.services.db.instance.findMany()) statuses.push((await compressStoredInstance(h.services, i.id)).status);
    expect(statuses.filter((x) => x === 'compressed').length).toBeGreaterThan(20);
    for (const r of firstBySop.values()) {
      const bytes: ArrayBuffer = await client.retrieveInstance({ studyInstanceUID: r.study_uid, seriesInstanceUID: r.series_uid, sopInstanceUID: r.sop_instance_uid });
      expect([r.path, sha256(bytes)]).toEqual([r.path, r.file_sha256]);
    }
  });

  it('retrieves a whole study and its metadata as DICOM JSON', async () => {
    const ct = [...firstBySop.values()].find((r) => r.path.includes('ct-3slice/01.dcm'))!;
    const inStudy = [...firstBySop.values()].filter((r) => r.study_uid === ct.study_uid);
    const files: ArrayBuffer[] = await client.retrieveStudy({ studyInstanceUID: ct.study_uid });
    expect(files.map(sha256).sort()).toEqual(inStudy.map((r) => r.file_sha256).sort());
    const metadata: Json[] = await client.retrieveSeriesMetadata({ studyInstanceUID: ct.study_uid, seriesInstanceUID: ct.series_uid });
    const inSeries = inStudy.filter((r) => r.series_uid === ct.series_uid);
    expect(metadata.map((m) => value(m, '00080018')).sort()).toEqual(inSeries.map((r) => r.sop_instance_uid).sort());
    const ctSlice = metadata.find((m) => value(m, '00080018') === ct.sop_instance_uid)!;
    expect(ctSlice['7FE00010']).toMatchObject({ vr: expect.stringMatching(/O[BW]/), BulkDataURI: expect.stringContaining('/frames/1') });
    expect(value(ctSlice, '00280010')).toBe(512);
    expect(value(ctSlice, '00080060')).toBe('CT');
  });

  it('retrieves native frames whose bytes hash to the manifest pixel MD5', async () => {
    const nativeSimple = [...firstBySop.values()].filter((r) => r.transfer_syntax_uid === '1.2.840.10008.1.2.1' && r.pixel_md5
      && ['8', '16'].includes(r.bits_allocated) && r.bits_stored === r.bits_allocated && r.samples_per_pixel === '1');
    expect(nativeSimple.length).toBeGreaterThan(5);
    for (const r of nativeSimple) {
      const frameNumbers = Array.from({ length: Number(r.frames) }, (_, i) => i + 1);
      const frames: ArrayBuffer[] = await client.retrieveInstanceFrames({ studyInstanceUID: r.study_uid, seriesInstanceUID: r.series_uid, sopInstanceUID: r.sop_instance_uid, frameNumbers });
      const md5 = createHash('md5');
      for (const f of frames) md5.update(new Uint8Array(f));
      expect([r.path, md5.digest('hex')]).toEqual([r.path, r.pixel_md5]);
    }
  });

  it('renders frames and thumbnails as PNG with window parameters and refuses bad ones', async () => {
    const ct = [...firstBySop.values()].find((r) => r.path.includes('ct-3slice/01.dcm'))!;
    const url = `${h.url}/dicom-web/studies/${ct.study_uid}/series/${ct.series_uid}/instances/${ct.sop_instance_uid}`;
    const auth = { authorization: `Bearer ${key}` };
    const rendered = await fetch(`${url}/rendered?window=40,400`, { headers: auth });
    expect(rendered.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await rendered.arrayBuffer());
    expect(png.readUInt32BE(16)).toBe(512);
    const lung = Buffer.from(await (await fetch(`${url}/frames/1/rendered?preset=lung`, { headers: auth })).arrayBuffer());
    expect(lung.equals(png)).toBe(false);
    const thumb = Buffer.from(await (await fetch(`${url}/thumbnail`, { headers: auth })).arrayBuffer());
    expect([thumb.readUInt32BE(16), thumb.readUInt32BE(20)]).toEqual([128, 128]);
    expect((await fetch(`${url}/rendered?window=40,0`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${url}/frames/9/rendered`, { headers: auth })).status).toBe(404);
  });

  it('serves immutable content with ETag, 304 on revalidation, and compressed JSON', async () => {
    const r = [...firstBySop.values()][0];
    const url = `${h.url}/dicom-web/studies/${r.study_uid}/series/${r.series_uid}/instances/${r.sop_instance_uid}`;
    const first = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${r.file_sha256}"`);
    expect(first.headers.get('cache-control')).toContain('immutable');
    await first.arrayBuffer();
    const again = await fetch(url, { headers: { authorization: `Bearer ${key}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const http = await import('node:http');
    const body = await new Promise<Buffer>((resolve) => http.get(`${h.url}/dicom-web/studies?limit=1000`, { headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'gzip' } }, (res) => {
      expect(res.headers['content-encoding']).toBe('gzip');
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }));
    expect(JSON.parse(gunzipSync(body).toString()).length).toBeGreaterThan(10);
  });
});
