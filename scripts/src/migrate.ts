// Applies prisma/migrations with the Prisma CLI (wasm schema engine; see packages/db).
import { spawnSync } from 'node:child_process';
import { processEnv } from '@imaging/config';
import { repoRoot } from './paths';

export function migrate(databaseUrl: string): void {
  const result = spawnSync('npm', ['run', '--silent', 'db:migrate:deploy', '-w', '@imaging/db'], {
    cwd: repoRoot(), env: { ...processEnv(), DATABASE_URL: databaseUrl }, encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error('database migration failed');
  }
}

