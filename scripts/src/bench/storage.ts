// bench:storage — lossless storage compression and retrieval from compressed storage:
// 200 × 512² CT ingested (4 clients), compressed by the preprocess path one at a time (and another
// 200 two at a time), retrieved with WADO-RS from an empty cache (as stored, and transcoded to
// JPEG-LS lossless: whole instances and frames) and, apart, again from the cache;
// ratio on the real 3-slice CT; decode speed per transfer syntax over the corpus. Orthanc with
// its storage compression runs on the same files in the same run when it is installed.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { syntheticCtSeries, compressForStorage, parseInstance, decodeAllFrames, JPEG_LS_LOSSLESS } from '@imaging/dicom';
import { createTestServices, systemContext, corpusDir, readManifest, readCorpusFile } from '@imaging/testing';
import { createApiKey, compressStoredInstance, clearRestoredFileCache, ingestInstances, type Services } from '@imaging/domain';
import { percentile, writeBenchResult } from './report';
import { measureOrthancIngest, orthancAvailable, runUploadClient, writeUploadFolder } from './orthanc';

const ORTHANC = { compressedInstancesPerS: 27.1, compressedRatio: 2.33, downloadPlain: 2413, downloadCompressed: 426 };
const DCMTK_JPEG_LS_REAL_CT = 2.69;
const CLIENTS = 4;

async function fetchAll(urls: string[], headers: Record<string, string>): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const s = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
      latencies.push(performance.now() - s);
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

/**
 * The worker runs WORKER_CONCURRENCY (default 2) preprocess jobs at a time: instances/s of a
 * second series, ingested unmeasured, compressed two instances at a time.
 */
async function compressTwoAtATime(services: Services): Promise<number> {
  const second = syntheticCtSeries({ seed: 43, slices: 200, size: 512 });
  for (let i = 0; i < second.files.length; i += 20) await ingestInstances(systemContext(services), second.files.slice(i, i + 20));
  const ids = (await services.db.instance.findMany({ where: { series: { seriesInstanceUid: second.seriesInstanceUid } }, select: { id: true } })).map((i) => i.id);
  let next = 0;
  const t0 = performance.now();
  await Promise.all([0, 1].map(async () => { while (next < ids.length) await compressStoredInstance(services, ids[next++]); }));
  return ids.length / ((performance.now() - t0) / 1000);
}

async function main() {
  const { files, studyInstanceUid, seriesInstanceUid } = syntheticCtSeries({ seed: 42, slices: 200, size: 512 });
  const totalBytes = files.reduce((a, f) => a + f.length, 0);
  const services = await createTestServices({ logLevel: 'warn' });
  const { createApiServer } = await import('@imaging/api');
  const server = await createApiServer(services);
  const { url } = await server.listen(0, '127.0.0.1');
  const { key } = await createApiKey(systemContext(services), { name: 'bench', role: 'INTEGRATOR' });
  try {
    const folder = writeUploadFolder(files);
    const ingest = await runUploadClient(folder, `${url}/api/instances`, CLIENTS, `Bearer ${key}`);
    rmSync(folder, { recursive: true, force: true });

    const instances = await services.db.instance.findMany({ orderBy: { instanceNumber: 'asc' } });
    const t0 = performance.now();
    for (const i of instances) await compressStoredInstance(services, i.id);
    const compressSeconds = (performance.now() - t0) / 1000;
    const stored = await services.db.instance.aggregate({ _sum: { storedBytes: true, sizeBytes: true } });
    const ratio = Number(stored._sum.sizeBytes) / Number(stored._sum.storedBytes);
    const ingestRate = files.length / ingest.seconds;
    const compressRate = files.length / compressSeconds;
    const effectiveRate = 1 / (1 / ingestRate + 1 / compressRate);

    const headers = { authorization: `Bearer ${key}` };
    const base = `${url}/dicom-web/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances`;
    // Cold figures start from an empty cache of restored originals (the API runs in this process);
    // the cached figure is the same requests repeated, reported apart.
    const cold = (urls: string[], h: Record<string, string>) => { clearRestoredFileCache(); return fetchAll(urls, h); };
    const wado = await cold(instances.map((i) => `${base}/${i.sopInstanceUid}`), headers);
    const wadoCached = await fetchAll(instances.map((i) => `${base}/${i.sopInstanceUid}`), headers);
    const frames = await cold(instances.map((i) => `${base}/${i.sopInstanceUid}/frames/1`), headers);
    const jpegLsFrames = await cold(instances.map((i) => `${base}/${i.sopInstanceUid}/frames/1`), { ...headers, accept: 'multipart/related; type="image/jls"' });
    const jpegLsInstances = await cold(instances.map((i) => `${base}/${i.sopInstanceUid}`),
      { ...headers, accept: `multipart/related; type="application/dicom"; transfer-syntax=${JPEG_LS_LOSSLESS}` });

    const compressTwoRate = await compressTwoAtATime(services);

    let realBefore = 0;
    let realAfter = 0;
    for (const n of ['01', '02', '03']) {
      const original = readFileSync(path.join(corpusDir(), `files/dcmqi/segmentations/ct-3slice/${n}.dcm`));
      realBefore += original.length;
      realAfter += (await compressForStorage(original))?.length ?? original.length;
    }

    const decode: Record<string, { files: number; mb: number; mbPerS: number }> = {};
    for (const row of readManifest().filter((r) => r.expect === 'ok' && r.pixel_md5)) {
      const parsed = parseInstance(readCorpusFile(row), { requireUids: false });
      const s = performance.now();
      const decoded = await decodeAllFrames(parsed).catch(() => null);
      if (!decoded) continue;
      const seconds = (performance.now() - s) / 1000;
      const mb = decoded.reduce((a, f) => a + f.pixels.byteLength, 0) / 1e6;
      const d = (decode[row.transfer_syntax_name || 'no file meta'] ??= { files: 0, mb: 0, mbPerS: 0 });
      d.files++;
      d.mb += mb;
      d.mbPerS += seconds; // seconds for now, turned into MB/s below
    }
    for (const d of Object.values(decode)) { d.mbPerS = +(d.mb / d.mbPerS).toFixed(1); d.mb = +d.mb.toFixed(2); }

    const orthanc = orthancAvailable() ? measureOrthancIngest(files, CLIENTS, { compression: true }) : null;
    const result = {
      series: { slices: files.length, totalBytes },
      ingest: { instancesPerS: +ingestRate.toFixed(1) },
      compression: {
        instancesPerS: +compressRate.toFixed(1), ratio: +ratio.toFixed(2),
        effectiveInstancesPerS: +effectiveRate.toFixed(1), note: 'effective = ingest and compression sharing the same 2 cores one after the other',
        twoAtATime: {
          instancesPerS: +compressTwoRate.toFixed(1), effectiveInstancesPerS: +(1 / (1 / ingestRate + 1 / compressTwoRate)).toFixed(1),
          note: 'another 200 slices, two compressStoredInstance calls at a time as the worker runs them (WORKER_CONCURRENCY default 2)',
        },
      },
      realCt3Slice: { ratio: +(realBefore / realAfter).toFixed(2), dcmtkJpegLs: DCMTK_JPEG_LS_REAL_CT },
      wadoFromCompressed: { instancesPerS: +(instances.length / wado.seconds).toFixed(1), p50Ms: +percentile(wado.latencies, 50).toFixed(1), p95Ms: +percentile(wado.latencies, 95).toFixed(1) },
      wadoFromCompressedCacheHit: {
        instancesPerS: +(instances.length / wadoCached.seconds).toFixed(1), p50Ms: +percentile(wadoCached.latencies, 50).toFixed(1), p95Ms: +percentile(wadoCached.latencies, 95).toFixed(1),
        note: 'the same WADO-RS requests again, every original in the API\'s cache of restored files; the other retrieval figures start from an empty cache',
      },
      framesFromCompressed: { framesPerS: +(instances.length / frames.seconds).toFixed(1), p50Ms: +percentile(frames.latencies, 50).toFixed(1), p95Ms: +percentile(frames.latencies, 95).toFixed(1) },
      transcodedToJpegLs: {
        framesPerS: +(instances.length / jpegLsFrames.seconds).toFixed(1), framesP50Ms: +percentile(jpegLsFrames.latencies, 50).toFixed(1),
        framesP95Ms: +percentile(jpegLsFrames.latencies, 95).toFixed(1), instancesPerS: +(instances.length / jpegLsInstances.seconds).toFixed(1),
        instancesP50Ms: +percentile(jpegLsInstances.latencies, 50).toFixed(1), instancesP95Ms: +percentile(jpegLsInstances.latencies, 95).toFixed(1),
        note: 'WADO-RS with Accept transfer-syntax JPEG-LS lossless: restore from storage, decode, encode (CharLS), per request',
      },
      decodeMbPerSByTransferSyntax: decode,
      orthanc: orthanc
        ? { compressedInstancesPerS: +orthanc.instancesPerS.toFixed(1), ratio: +(totalBytes / orthanc.storedBytes).toFixed(2), source: `Orthanc ${orthanc.version}, same run` }
        : { ...ORTHANC, source: 'DESIGN.md' },
      designReference: ORTHANC,
    };
    const file = writeBenchResult('storage', result);
    const o = result.orthanc as { compressedInstancesPerS: number; ratio?: number };
    console.log(`storage: ${files.length} × 512² CT, ${CLIENTS} clients`);
    console.log(`  ingest ${result.ingest.instancesPerS}/s; compression ${result.compression.instancesPerS}/s at ${result.compression.ratio}×; effective ${result.compression.effectiveInstancesPerS}/s`);
    const two = result.compression.twoAtATime;
    console.log(`  compression two at a time ${two.instancesPerS}/s; effective ${two.effectiveInstancesPerS}/s`);
    console.log(`  Orthanc compressed ingest ${o.compressedInstancesPerS}/s at ${o.ratio ?? ORTHANC.compressedRatio}× → ratio of rates ${(result.compression.effectiveInstancesPerS / o.compressedInstancesPerS).toFixed(2)}×`);
    console.log(`  real 3-slice CT ${result.realCt3Slice.ratio}× (dcmtk JPEG-LS ${DCMTK_JPEG_LS_REAL_CT}×)`);
    console.log(`  WADO-RS from compressed storage ${result.wadoFromCompressed.instancesPerS} instances/s (Orthanc: ${ORTHANC.downloadPlain} plain, ${ORTHANC.downloadCompressed} compressed, DESIGN.md)`);
    console.log(`  WADO-RS repeated (cache hits) ${result.wadoFromCompressedCacheHit.instancesPerS} instances/s (p50 ${result.wadoFromCompressedCacheHit.p50Ms} ms)`);
    console.log(`  frames p50 ${result.framesFromCompressed.p50Ms} ms p95 ${result.framesFromCompressed.p95Ms} ms`);
    const t = result.transcodedToJpegLs;
    console.log(`  transcoded to JPEG-LS: ${t.framesPerS} frames/s (p50 ${t.framesP50Ms} ms), ${t.instancesPerS} instances/s (p50 ${t.instancesP50Ms} ms)`);
    for (const [ts, d] of Object.entries(decode)) console.log(`  decode ${ts.padEnd(34)} ${String(d.mbPerS).padStart(7)} MB/s (${d.files} files)`);
    console.log(`  written ${file}`);
  } finally {
    await server.close();
    await services.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
