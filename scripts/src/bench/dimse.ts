// bench:dimse — 200 × 512² 16-bit CT slices sent with dcmtk's storescu over 4 concurrent
// associations to the DIMSE service (its own process) beside the platform as `npm start` runs it
// (api, worker and web on a fresh database, so compression and inference run while C-STOREs
// arrive); accepted when the last C-STORE-RSP came back, i.e. every instance is durable and
// indexed, then the time until every instance is compressed and the series has its AI result. Orthanc
// (Debian package, scripts/setup-bench.sh) gets the same files from the same storescu command over
// the same number of associations in the same run, in a private network namespace (as orthanc.ts
// starts it for the HTTP benches); the ratio is ours / Orthanc's instances per second.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syntheticCtSeries } from '@imaging/dicom';
import { freePort } from '@imaging/testing';
import { processEnv } from '@imaging/config';
import { repoRoot } from '../paths';
import { writeBenchResult } from './report';
import { startPlatform, waitForPipeline } from './platform';
import { orthancAvailable, writeUploadFolder } from './orthanc';

const SLICES = 200;
const ASSOCIATIONS = 4;

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

interface OrthancDimse { instancesPerS: number; mbPerS: number; seconds: number; successes: number; version: string }

/** storescu × ASSOCIATIONS to Orthanc's DICOM port inside `unshare -n`, timed in the namespace. */
function measureOrthancDimse(groups: string[][], totalBytes: number): OrthancDimse {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orthanc-dimse-'));
  try {
    const config = path.join(dir, 'orthanc.json');
    writeFileSync(config, JSON.stringify({
      Name: 'bench', StorageDirectory: path.join(dir, 'db'), IndexDirectory: path.join(dir, 'db'), HttpPort: 8042, DicomPort: 4242,
      DicomAet: 'ORTHANC', RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomCheckCalledAet: false, DicomThreadsCount: 8,
    }));
    const script = [
      'ip link set lo up',
      `Orthanc "${config}" >/dev/null 2>&1 & pid=$!`,
      'for i in $(seq 1 300); do echoscu -aec ORTHANC 127.0.0.1 4242 >/dev/null 2>&1 && break; sleep 0.1; done',
      'start=$(date +%s%N)',
      ...groups.map((g, i) => `storescu -v -aet BENCH -aec ORTHANC 127.0.0.1 4242 ${g.map((f) => `"${f}"`).join(' ')} > store${i}.log 2>&1 & p${i}=$!`),
      `wait ${groups.map((_, i) => `$p${i}`).join(' ')}`,
      'end=$(date +%s%N)',
      'echo $((end - start)) > elapsed.ns',
      'curl -sf http://127.0.0.1:8042/system > system.json',
      'curl -sf http://127.0.0.1:8042/statistics > statistics.json',
      'kill $pid; wait $pid || true',
    ].join('\n');
    const run = spawnSync('unshare', ['-n', 'sh', '-ec', script], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) throw new Error(`Orthanc DIMSE run failed: ${run.stderr.slice(-500)}`);
    const seconds = Number(readFileSync(path.join(dir, 'elapsed.ns'), 'utf8').trim()) / 1e9;
    const successes = groups.reduce((n, _, i) => n + (readFileSync(path.join(dir, `store${i}.log`), 'utf8').match(/Received Store Response \(Success\)/g)?.length ?? 0), 0);
    const stats = JSON.parse(readFileSync(path.join(dir, 'statistics.json'), 'utf8')) as { CountInstances: number };
    const system = JSON.parse(readFileSync(path.join(dir, 'system.json'), 'utf8')) as { Version: string };
    const expected = groups.reduce((n, g) => n + g.length, 0);
    if (successes !== expected || stats.CountInstances !== expected) throw new Error(`Orthanc: only ${successes} C-STORE successes and ${stats.CountInstances} of ${expected} instances stored`);
    return { instancesPerS: +(expected / seconds).toFixed(1), mbPerS: +(totalBytes / 1e6 / seconds).toFixed(1), seconds: +seconds.toFixed(3), successes, version: system.Version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { files, studyInstanceUid, seriesInstanceUid } = syntheticCtSeries({ seed: 42, slices: SLICES, size: 512 });
  const totalBytes = files.reduce((a, f) => a + f.length, 0);
  const platform = await startPlatform();
  const services = platform.services;
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot(), 'apps/dimse/dist/main.js')], {
    env: {
      ...processEnv(), DATABASE_URL: services.databaseUrl, REDIS_URL: services.config.redisUrl, QUEUE_PREFIX: services.config.queuePrefix,
      STORAGE_DIR: services.config.storageDir, DIMSE_PORT: String(port), DIMSE_HOST: '127.0.0.1', DIMSE_AE_TITLE: 'IMAGING', LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  const folder = writeUploadFolder(files);
  try {
    for (let i = 0; i < 100 && (await run('echoscu', ['-aec', 'IMAGING', '127.0.0.1', String(port)])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const names = files.map((_, i) => path.join(folder, `${String(i).padStart(5, '0')}.dcm`));
    const groups = Array.from({ length: ASSOCIATIONS }, (_, g) => names.filter((_, i) => i % ASSOCIATIONS === g));
    const started = performance.now();
    const runs = await Promise.all(groups.map((g) => run('storescu', ['-v', '-aet', 'BENCH', '-aec', 'IMAGING', '127.0.0.1', String(port), ...g])));
    const seconds = (performance.now() - started) / 1000;
    const successes = runs.reduce((n, r) => n + (r.output.match(/Received Store Response \(Success\)/g)?.length ?? 0), 0);
    const indexed = await services.db.instance.count({ where: { series: { study: { studyInstanceUid } } } });
    if (successes !== SLICES || indexed !== SLICES) throw new Error(`only ${successes} C-STORE successes and ${indexed} of ${SLICES} instances indexed`);
    const ours = { seconds: +seconds.toFixed(3), instancesPerS: +(SLICES / seconds).toFixed(1), mbPerS: +(totalBytes / 1e6 / seconds).toFixed(1) };
    // the worker's part: every instance compressed and verified, the series' AI result
    const pipeline = await waitForPipeline(services, seriesInstanceUid, SLICES, started);
    // Orthanc after ours, on the same machine with our processes still up but idle (the pipeline is done)
    const orthanc = orthancAvailable() ? measureOrthancDimse(groups, totalBytes) : null;
    const result = {
      slices: SLICES, associations: ASSOCIATIONS, totalBytes, ...ours,
      platform: 'api + worker + web as npm start runs them, and the DIMSE service',
      compressedAndVerifiedAfterS: pipeline.compressedS && +pipeline.compressedS.toFixed(2), aiResultAfterS: pipeline.aiResultS && +pipeline.aiResultS.toFixed(2),
      // the machine may be shared: its 1-minute load when the run ended, to read the figures by
      loadAverage1m: +os.loadavg()[0].toFixed(2),
      client: 'dcmtk storescu (one process per association)',
      orthanc: orthanc ?? 'not measured: Orthanc is not installed (scripts/setup-bench.sh installs it)',
      ratio: orthanc ? +(ours.instancesPerS / orthanc.instancesPerS).toFixed(2) : null,
    };
    const file = writeBenchResult('dimse', result);
    console.log(`dimse: ${SLICES} × 512² CT (${(totalBytes / 1e6).toFixed(1)} MB) by storescu over ${ASSOCIATIONS} associations`);
    console.log(`  ours     ${ours.instancesPerS} instances/s  ${ours.mbPerS} MB/s  (${ours.seconds} s; worker running: all compressed and verified after ${pipeline.compressedS?.toFixed(2)} s, AI result after ${pipeline.aiResultS?.toFixed(2)} s)`);
    if (orthanc) console.log(`  Orthanc  ${orthanc.instancesPerS} instances/s  ${orthanc.mbPerS} MB/s  (${orthanc.seconds} s, Orthanc ${orthanc.version})  ratio ours/Orthanc ${result.ratio}`);
    else console.log(`  Orthanc  ${result.orthanc}`);
    console.log(`  written ${file}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
    await platform.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
