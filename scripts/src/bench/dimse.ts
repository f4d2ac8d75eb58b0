// bench:dimse — 200 × 512² 16-bit CT slices sent with dcmtk's storescu over 4 concurrent
// associations to the DIMSE service (its own process, as `npm start` runs it) on a fresh database;
// done when the last C-STORE-RSP came back, i.e. every instance is durable and indexed.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { syntheticCtSeries } from '@imaging/dicom';
import { createTestServices, freePort } from '@imaging/testing';
import { processEnv } from '@imaging/config';
import { repoRoot } from '../paths';
import { writeBenchResult } from './report';
import { writeUploadFolder } from './orthanc';

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

async function main() {
  const { files, studyInstanceUid } = syntheticCtSeries({ seed: 42, slices: SLICES, size: 512 });
  const totalBytes = files.reduce((a, f) => a + f.length, 0);
  const services = await createTestServices({ logLevel: 'warn' });
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
    const started = process.hrtime.bigint();
    const runs = await Promise.all(groups.map((g) => run('storescu', ['-v', '-aet', 'BENCH', '-aec', 'IMAGING', '127.0.0.1', String(port), ...g])));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const successes = runs.reduce((n, r) => n + (r.output.match(/Received Store Response \(Success\)/g)?.length ?? 0), 0);
    const indexed = await services.db.instance.count({ where: { series: { study: { studyInstanceUid } } } });
    if (successes !== SLICES || indexed !== SLICES) throw new Error(`only ${successes} C-STORE successes and ${indexed} of ${SLICES} instances indexed`);
    const result = {
      slices: SLICES, associations: ASSOCIATIONS, totalBytes, seconds: +seconds.toFixed(3),
      instancesPerS: +(SLICES / seconds).toFixed(1), mbPerS: +(totalBytes / 1e6 / seconds).toFixed(1),
      client: 'dcmtk storescu (one process per association)',
      reference: 'none measured: Orthanc is not installed on this machine (scripts/setup-bench.sh installs it); no DIMSE figure for it is in DESIGN.md',
    };
    const file = writeBenchResult('dimse', result);
    console.log(`dimse: ${SLICES} × 512² CT (${(totalBytes / 1e6).toFixed(1)} MB) by storescu over ${ASSOCIATIONS} associations`);
    console.log(`  ours     ${result.instancesPerS} instances/s  ${result.mbPerS} MB/s  (${result.seconds} s)`);
    console.log(`  Orthanc  ${result.reference}`);
    console.log(`  written ${file}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
    await services.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
