// `npm start`: the whole platform with zero setup. Embedded Postgres and a private Redis unless
// DATABASE_URL / REDIS_URL are set, migrations, demo users and study, then api, worker, dimse and web.
// `npm start -- --install-redis` installs a missing redis-server without asking (Debian/Ubuntu).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, configToEnv, processEnv } from '@imaging/config';
import { createServices, closeServices } from '@imaging/domain';
import { startEmbeddedPostgres, startPrivateRedis, type LocalPostgres, type LocalRedis } from './local-services';
import { seedDemoStudies, seedDemoUsers } from './seed';
import { repoRoot, writeRuntimeFile } from './paths';
import { migrate } from './migrate';

const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}\n`).join('');
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  return child;
}

async function main() {
  const root = repoRoot();
  const config = loadConfig();
  const dataDir = path.resolve(root, config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  let postgres: LocalPostgres | null = null;
  let redis: LocalRedis | null = null;
  const children: ChildProcess[] = [];
  const shutdown = async (code: number) => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await redis?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    if (!config.databaseUrl) postgres = await startEmbeddedPostgres(dataDir, say);
    if (!config.redisUrl) redis = await startPrivateRedis(dataDir, say, { assumeYes: process.argv.includes('--install-redis') });
    const runtime = {
      ...config,
      databaseUrl: config.databaseUrl ?? postgres!.url,
      redisUrl: config.redisUrl ?? redis!.url,
      storageDir: path.resolve(root, config.storageDir),
      dataDir,
    };
    migrate(runtime.databaseUrl);
    writeRuntimeFile(dataDir, { databaseUrl: postgres ? runtime.databaseUrl : null, pid: process.pid });

    const services = createServices(runtime, { name: 'start' });
    const created = await seedDemoUsers(services, dataDir);
    const demo = await seedDemoStudies(services);
    await closeServices(services);
    if (created.length) {
      say('demo users created (passwords are shown only now; also saved to .data/demo-credentials.txt):');
      for (const c of created) say(`  ${c.role.padEnd(12)} ${c.email.padEnd(28)} ${c.password}`);
    } else {
      say('demo users already exist (credentials in .data/demo-credentials.txt; add users with npm run admin -- create-user)');
    }
    if (demo.stored) say(`demo studies loaded: ${demo.studies} studies, ${demo.stored} CT slices (the worker's AI reads them next)`);

    const env = { ...processEnv(), ...configToEnv(runtime) };
    children.push(run('api', process.execPath, [path.join(root, 'apps/api/dist/main.js')], env, root));
    children.push(run('worker', process.execPath, [path.join(root, 'apps/worker/dist/main.js')], env, root));
    if (runtime.dimse.enabled) children.push(run('dimse', process.execPath, [path.join(root, 'apps/dimse/dist/main.js')], env, root));
    const web = path.join(root, 'apps/web');
    if (existsSync(path.join(web, '.next'))) {
      const nextBin = require.resolve('next/dist/bin/next', { paths: [web] });
      children.push(run('web', process.execPath, [nextBin, 'start', '-p', String(runtime.webPort), '-H', '0.0.0.0'], { ...env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' }, web));
    } else {
      say('web app not built (npm run build builds it); starting api and worker only');
    }
    for (const c of children) c.once('exit', (code) => { if (code) { say(`a process exited with code ${code}; stopping`); void shutdown(1); } });
    say(`API     http://127.0.0.1:${runtime.apiPort}/graphql   (health: /healthz, /readyz)`);
    say(`Web app http://127.0.0.1:${runtime.webPort}`);
    if (runtime.dimse.enabled) say(`DIMSE   AE title ${runtime.dimse.aeTitle}, port ${runtime.dimse.port} (C-ECHO, C-STORE, C-FIND, C-GET)`);
    say('press Ctrl+C to stop');
  } catch (e) {
    process.stderr.write(`[start] ${(e as Error).message}\n`);
    await shutdown(1);
  }
}

void main();
