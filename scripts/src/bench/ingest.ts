// bench:ingest — 200 × 512² 16-bit CT slices uploaded by 4 concurrent clients to a real API server
// (fresh database on the local Postgres, local Redis); done when every instance is durable (blob
// fsynced) and indexed (transaction committed), which is when each HTTP response returns.
import { loadConfig } from '@imaging/config';
import { syntheticCtSeries } from '@imaging/dicom';
import { createTestServices, systemContext } from '@imaging/testing';
import { createApiKey } from '@imaging/domain';
import { percentile, writeBenchResult } from './report';
import { rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { processEnv } from '@imaging/config';
import { repoRoot } from '../paths';
import { measureOrthancIngest, orthancAvailable, runUploadClient, writeUploadFolder } from './orthanc';

const ORTHANC_INSTANCES_PER_S = 191.8; // DESIGN.md: Orthanc 1.10.1, same machine kind, 4 concurrent uploads
const SLICES = 200;
const CLIENTS = 4;

/** The API as deployed: its own process(es) (node:cluster when processes > 1) on the test database. */
async function startApiProcess(services: Awaited<ReturnType<typeof createTestServices>>, processes: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [path.join(repoRoot(), 'apps/api/dist/main.js')], {
    env: {
      ...processEnv(), DATABASE_URL: services.databaseUrl, REDIS_URL: services.config.redisUrl, QUEUE_PREFIX: services.config.queuePrefix,
      STORAGE_DIR: services.config.storageDir, API_PORT: String(port), API_PROCESSES: String(processes), LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200 && !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  return { url, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

async function main() {
  const { files, studyInstanceUid } = syntheticCtSeries({ seed: 42, slices: SLICES, size: 512 });
  const totalBytes = files.reduce((a, f) => a + f.length, 0);
  const services = await createTestServices({ logLevel: 'warn', maxUploadBytes: loadConfig().maxUploadBytes });
  const processes = Number(processEnv().BENCH_API_PROCESSES ?? 1);
  const server = await startApiProcess(services, processes);
  const { url } = server;
  const { key } = await createApiKey(systemContext(services), { name: 'bench', role: 'INTEGRATOR' });
  try {
    const folder = writeUploadFolder(files);
    const run = await runUploadClient(folder, `${url}/api/instances`, CLIENTS, `Bearer ${key}`);
    rmSync(folder, { recursive: true, force: true });
    const { seconds, latencies } = run;
    const indexed = await services.db.instance.count({ where: { series: { study: { studyInstanceUid } } } });
    if (indexed !== SLICES) throw new Error(`only ${indexed} of ${SLICES} instances indexed`);
    const instancesPerS = SLICES / seconds;
    const orthanc = orthancAvailable() ? measureOrthancIngest(files, CLIENTS, { compression: false }) : null;
    const referenceRate = orthanc?.instancesPerS ?? ORTHANC_INSTANCES_PER_S;
    const result = {
      slices: SLICES, clients: CLIENTS, apiProcesses: processes, totalBytes, seconds: +seconds.toFixed(3),
      instancesPerS: +instancesPerS.toFixed(1), mbPerS: +(totalBytes / 1e6 / seconds).toFixed(1),
      latencyMs: { p50: +percentile(latencies, 50).toFixed(1), p95: +percentile(latencies, 95).toFixed(1), max: +latencies[latencies.length - 1].toFixed(1) },
      reference: orthanc
        ? { orthancInstancesPerS: +orthanc.instancesPerS.toFixed(1), orthancMbPerS: +orthanc.mbPerS.toFixed(1), source: `Orthanc ${orthanc.version}, same run, same files and clients` }
        : { orthancInstancesPerS: ORTHANC_INSTANCES_PER_S, source: 'DESIGN.md (Orthanc 1.10.1, same machine kind); install Orthanc with scripts/setup-bench.sh to run it here' },
      designReferenceInstancesPerS: ORTHANC_INSTANCES_PER_S,
      ratioVsOrthanc: +(instancesPerS / referenceRate).toFixed(2),
    };
    const file = writeBenchResult('ingest', result);
    console.log(`ingest: ${SLICES} × 512² CT (${(totalBytes / 1e6).toFixed(1)} MB), ${CLIENTS} clients, ${processes} API process(es)`);
    console.log(`  ours     ${result.instancesPerS} instances/s  ${result.mbPerS} MB/s  p50 ${result.latencyMs.p50} ms  p95 ${result.latencyMs.p95} ms`);
    console.log(`  Orthanc  ${referenceRate.toFixed(1)} instances/s (${result.reference.source})  → ratio ${result.ratioVsOrthanc}×`);
    console.log(`  DESIGN.md reference: Orthanc ${ORTHANC_INSTANCES_PER_S} instances/s`);
    console.log(`  written ${file}`);
  } finally {
    await server.stop();
    await services.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
