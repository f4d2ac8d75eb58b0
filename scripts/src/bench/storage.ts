// bench:storage — lossless storage compression and retrieval from compressed storage, with the
// platform started as `npm start` runs it (api, worker, web): 200 × 512² CT ingested by 4 clients,
// compressed and verified by the worker (accept and compressed-and-verified rates beside Orthanc
// plain and with StorageCompression), then retrieved by WADO-RS from a separate client process
// (frames, instances as stored, cached repeat, JPEG-LS frames and instances); ratio on the real
// 3-slice CT; decode speed per transfer syntax over the corpus. Orthanc with StorageCompression and
// its DICOMweb plugin serves the same frames in the same run when it is installed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compressForStorage, parseInstance, decodeAllFrames, JPEG_LS_LOSSLESS } from '@imaging/dicom';
import { corpusDir, readManifest, readCorpusFile } from '@imaging/testing';
import { percentile, writeBenchResult } from './report';
import { runFetchClient } from './orthanc';
import { CLIENTS, benchSeries, ingestOnPlatform, ingestRatios, orthancIngests, printIngestRatios } from './ingest-run';

const ORTHANC = { compressedInstancesPerS: 27.1, compressedRatio: 2.33, downloadPlain: 2413, downloadCompressed: 426 };
const DCMTK_JPEG_LS_REAL_CT = 2.69;

async function main() {
  const series = benchSeries();
  const { files, studyInstanceUid, seriesInstanceUid, sopInstanceUids, totalBytes } = series;
  // the platform as npm start runs it: ingest, then the worker compresses and verifies every instance
  const { platform, figures } = await ingestOnPlatform(series);
  const services = platform.services;
  try {
    const stored = await services.db.instance.aggregate({ _sum: { storedBytes: true, sizeBytes: true } });
    const ratio = Number(stored._sum.sizeBytes) / Number(stored._sum.storedBytes);

    // retrieval from compressed storage by a separate client process; the API process has not
    // read these files since the worker compressed them, so the first pass starts from its empty
    // cache of restored originals, and the repeat is the cached figure
    const auth = `Bearer ${platform.apiKey}`;
    const base = `${platform.apiUrl}/dicom-web/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances`;
    const instanceUrls = sopInstanceUids.map((uid) => `${base}/${uid}`);
    const frameUrls = instanceUrls.map((u) => `${u}/frames/1`);
    const frames = await runFetchClient(frameUrls, CLIENTS, { authorization: auth, accept: 'multipart/related; type="application/octet-stream"' });
    const wado = await runFetchClient(instanceUrls, CLIENTS, { authorization: auth });
    const wadoCached = await runFetchClient(instanceUrls, CLIENTS, { authorization: auth });
    const jpegLsFrames = await runFetchClient(frameUrls, CLIENTS, { authorization: auth, accept: 'multipart/related; type="image/jls"' });
    const jpegLsInstances = await runFetchClient(instanceUrls, CLIENTS, { authorization: auth, accept: `multipart/related; type="application/dicom"; transfer-syntax=${JPEG_LS_LOSSLESS}` });
    const instances = sopInstanceUids;

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

    await platform.stop();
    // Orthanc after ours, with our processes stopped; its DICOMweb plugin serves the frames
    const orthancRuns = orthancIngests(series, { frames: true });
    const orthanc = orthancRuns.compressed;
    const ingestRatio = ingestRatios(figures, orthancRuns);
    const result = {
      series: { slices: files.length, totalBytes },
      ...ingestRatio,
      compression: { ratio: +ratio.toFixed(2) },
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
      orthancCompressed: orthanc
        ? { compressedInstancesPerS: +orthanc.instancesPerS.toFixed(1), ratio: +(totalBytes / orthanc.storedBytes).toFixed(2), frames: orthanc.frames, source: `Orthanc ${orthanc.version}, same run` }
        : { ...ORTHANC, source: 'DESIGN.md' },
      designReference: ORTHANC,
    };
    const file = writeBenchResult('storage', result);
    const o = result.orthancCompressed as { ratio?: number; frames?: { framesPerS: number; p50Ms: number; p95Ms: number } | null };
    console.log(`storage: ${files.length} × 512² CT, ${CLIENTS} clients`);
    printIngestRatios(ingestRatio);
    console.log(`  compression ratio ours ${result.compression.ratio}×, Orthanc ${o.ratio ?? ORTHANC.compressedRatio}×`);
    if (o.frames) console.log(`  frames: ours ${result.framesFromCompressed.framesPerS}/s (p95 ${result.framesFromCompressed.p95Ms} ms), Orthanc+DICOMweb compressed ${o.frames.framesPerS}/s (p95 ${o.frames.p95Ms} ms) → ${(result.framesFromCompressed.framesPerS / o.frames.framesPerS).toFixed(2)}×`);
    console.log(`  real 3-slice CT ${result.realCt3Slice.ratio}× (dcmtk JPEG-LS ${DCMTK_JPEG_LS_REAL_CT}×)`);
    console.log(`  WADO-RS from compressed storage ${result.wadoFromCompressed.instancesPerS} instances/s (Orthanc: ${ORTHANC.downloadPlain} plain, ${ORTHANC.downloadCompressed} compressed, DESIGN.md)`);
    console.log(`  WADO-RS repeated (cache hits) ${result.wadoFromCompressedCacheHit.instancesPerS} instances/s (p50 ${result.wadoFromCompressedCacheHit.p50Ms} ms)`);
    console.log(`  frames p50 ${result.framesFromCompressed.p50Ms} ms p95 ${result.framesFromCompressed.p95Ms} ms`);
    const t = result.transcodedToJpegLs;
    console.log(`  transcoded to JPEG-LS: ${t.framesPerS} frames/s (p50 ${t.framesP50Ms} ms), ${t.instancesPerS} instances/s (p50 ${t.instancesP50Ms} ms)`);
    for (const [ts, d] of Object.entries(decode)) console.log(`  decode ${ts.padEnd(34)} ${String(d.mbPerS).padStart(7)} MB/s (${d.files} files)`);
    console.log(`  written ${file}`);
  } finally {
    await platform.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
