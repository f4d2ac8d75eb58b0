// One ingest measurement as users see it, shared by bench:ingest and bench:storage: the platform
// started as `npm start` runs it (api, worker, web), 200 × 512² CT uploaded by 4 clients (accept
// rate), then the time until every instance is stored compressed and verified and the series has
// its AI result; Orthanc without and with StorageCompression on the same files and clients in the
// same run.
import { rmSync } from 'node:fs';
import { parseInstance, syntheticCtSeries } from '@imaging/dicom';
import { percentile } from './report';
import { measureOrthancIngest, orthancAvailable, runUploadClient, writeUploadFolder, type OrthancIngest } from './orthanc';
import { startPlatform, waitForPipeline, type Platform } from './platform';
import { startCpuMeter, startWaitSampler, printProfile, type ProcessCpu, type WaitProfile } from './profile';

export const SLICES = 200;
export const CLIENTS = 4;
/** DESIGN.md: Orthanc 1.10.1, same machine kind, 4 concurrent uploads (used when Orthanc is not installed). */
export const DESIGN_ORTHANC = { instancesPerS: 191.8, compressedInstancesPerS: 27.1 };

export interface BenchSeries { files: Buffer[]; studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUids: string[]; totalBytes: number }

export function benchSeries(seed = 42): BenchSeries {
  const { files, studyInstanceUid, seriesInstanceUid } = syntheticCtSeries({ seed, slices: SLICES, size: 512 });
  return {
    files, studyInstanceUid, seriesInstanceUid, totalBytes: files.reduce((a, f) => a + f.length, 0),
    sopInstanceUids: files.map((f) => parseInstance(f).sopInstanceUid),
  };
}

export interface PlatformIngest {
  accepted: { instancesPerS: number; mbPerS: number; seconds: number; p50Ms: number; p95Ms: number };
  /** Accepted, stored compressed and verified bit-exact: instances / seconds from the first upload. */
  compressed: { instancesPerS: number | null; seconds: number | null };
  /** Seconds from the first upload until the series' AI result over every slice. */
  aiResultSeconds: number | null;
  /** While the uploads ran: CPU per process and what Postgres' backends were doing. */
  profile: { cpu: Record<string, ProcessCpu>; postgres: WaitProfile };
}

/** Starts the platform and ingests the series; the platform is left running for the caller. */
export async function ingestOnPlatform(series: BenchSeries): Promise<{ platform: Platform; figures: PlatformIngest }> {
  const platform = await startPlatform();
  try {
    const folder = writeUploadFolder(series.files);
    const cpu = startCpuMeter({ api: platform.pids.api, worker: platform.pids.worker });
    const waits = startWaitSampler(platform.services.db);
    const since = performance.now();
    const upload = await runUploadClient(folder, `${platform.apiUrl}/api/instances`, CLIENTS, `Bearer ${platform.apiKey}`);
    const profile = { cpu: cpu(), postgres: await waits() };
    rmSync(folder, { recursive: true, force: true });
    const indexed = await platform.services.db.instance.count({ where: { series: { seriesInstanceUid: series.seriesInstanceUid } } });
    if (indexed !== SLICES) throw new Error(`only ${indexed} of ${SLICES} instances indexed`);
    const pipeline = await waitForPipeline(platform.services, series.seriesInstanceUid, SLICES, since);
    if (pipeline.compressedS === null) throw new Error(`only ${pipeline.compressed} of ${SLICES} instances compressed in time`);
    const s = upload.seconds;
    return {
      platform,
      figures: {
        accepted: {
          instancesPerS: +(SLICES / s).toFixed(1), mbPerS: +(series.totalBytes / 1e6 / s).toFixed(1), seconds: +s.toFixed(2),
          p50Ms: +percentile(upload.latencies, 50).toFixed(1), p95Ms: +percentile(upload.latencies, 95).toFixed(1),
        },
        compressed: { instancesPerS: +(SLICES / pipeline.compressedS).toFixed(1), seconds: +pipeline.compressedS.toFixed(2) },
        aiResultSeconds: pipeline.aiResultS === null ? null : +pipeline.aiResultS.toFixed(2),
        profile,
      },
    };
  } catch (e) {
    await platform.stop();
    throw e;
  }
}

export interface OrthancPair { plain: OrthancIngest | null; compressed: OrthancIngest | null }

/** Orthanc on the same files: plain storage, then StorageCompression (null when not installed). */
export function orthancIngests(series: BenchSeries, options: { frames?: boolean } = {}): OrthancPair {
  if (!orthancAvailable()) return { plain: null, compressed: null };
  return {
    plain: measureOrthancIngest(series.files, CLIENTS, { compression: false }),
    compressed: measureOrthancIngest(series.files, CLIENTS, { compression: true, frames: options.frames ? series : undefined }),
  };
}

export interface IngestRatios {
  ours: PlatformIngest;
  orthanc: { instancesPerS: number; compressedInstancesPerS: number; source: string };
  acceptRatio: number;
  compressedRatio: number | null;
}

export function ingestRatios(ours: PlatformIngest, orthanc: OrthancPair): IngestRatios {
  const ref = orthanc.plain && orthanc.compressed
    ? { instancesPerS: +orthanc.plain.instancesPerS.toFixed(1), compressedInstancesPerS: +orthanc.compressed.instancesPerS.toFixed(1), source: `Orthanc ${orthanc.plain.version}, same run, same files and clients` }
    : { ...DESIGN_ORTHANC, source: 'DESIGN.md (Orthanc not installed: scripts/setup-bench.sh installs it)' };
  return {
    ours, orthanc: ref,
    acceptRatio: +(ours.accepted.instancesPerS / ref.instancesPerS).toFixed(2),
    compressedRatio: ours.compressed.instancesPerS === null ? null : +(ours.compressed.instancesPerS / ref.compressedInstancesPerS).toFixed(2),
  };
}

export function printIngestRatios(r: IngestRatios): void {
  const { ours } = r;
  console.log(`  platform as npm start runs it (api + worker + web), ${CLIENTS} clients:`);
  console.log(`  accepted   ours ${ours.accepted.instancesPerS}/s (p50 ${ours.accepted.p50Ms} ms, p95 ${ours.accepted.p95Ms} ms)  Orthanc ${r.orthanc.instancesPerS}/s  → ${r.acceptRatio}×`);
  console.log(`  compressed ours ${ours.compressed.instancesPerS}/s (all ${SLICES} stored compressed and verified after ${ours.compressed.seconds} s)  Orthanc StorageCompression ${r.orthanc.compressedInstancesPerS}/s  → ${r.compressedRatio}×`);
  console.log(`  AI result over all ${SLICES} slices after ${ours.aiResultSeconds ?? 'n/a'} s`);
  printProfile(ours.profile.cpu, ours.profile.postgres);
  console.log(`  reference: ${r.orthanc.source}`);
}
