// `npm run admin -- <command>`: create-user, create-api-key, verify-audit, sweep-blobs.
// Uses DATABASE_URL, else the embedded database of `npm start` (started for the command if needed).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@imaging/config';
import { createServices, closeServices, createUser, createApiKey, verifyAudit, verifyAuditCheckpoint, auditHmacKey, sweepOrphanBlobs, type Services } from '@imaging/domain';
import type { Role } from '@imaging/db';
import { isAppError } from '@imaging/errors';
import { startEmbeddedPostgres, type LocalPostgres } from './local-services';
import { readRuntimeFile, repoRoot } from './paths';
import { migrate } from './migrate';

const USAGE = `usage: npm run admin -- <command> [options]
  create-user    --email E --password P --role ADMIN|RADIOLOGIST|INTEGRATOR [--name N]
  create-api-key --name N [--role INTEGRATOR|RADIOLOGIST|ADMIN] [--days D]   (prints the key once; ADMIN needs API_KEY_ALLOW_ADMIN)
  verify-audit   (exit 1 when the audit hash chain is broken or shorter than its latest checkpoint)
  sweep-blobs    (remove stored files no instance references, older than an hour)`;

const ROLES = ['ADMIN', 'RADIOLOGIST', 'INTEGRATOR'];

function role(value: string | undefined, fallback?: Role): Role {
  const r = (value ?? fallback ?? '').toUpperCase();
  if (!ROLES.includes(r)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  return r as Role;
}

async function runCommand(services: Services, command: string, values: Record<string, string | undefined>): Promise<number> {
  const ctx = { ...services, principal: { kind: 'system' as const, id: 'system' as const, role: 'ADMIN' as const }, requestId: `cli-${Date.now()}` };
  switch (command) {
    case 'create-user': {
      if (!values.email || !values.password) throw new Error('create-user needs --email and --password');
      const user = await createUser(ctx, { email: values.email, password: values.password, role: role(values.role), displayName: values.name });
      console.log(`created user ${user.email} (${user.role}) id=${user.id}`);
      return 0;
    }
    case 'create-api-key': {
      if (!values.name) throw new Error('create-api-key needs --name');
      const { key, apiKey } = await createApiKey(ctx, { name: values.name, role: role(values.role, 'INTEGRATOR'), expiresInDays: values.days ? Number(values.days) : null });
      console.log(`created API key "${apiKey.name}" (${apiKey.role}) id=${apiKey.id} expires=${apiKey.expiresAt?.toISOString()}`);
      console.log('key (shown once, store it now):');
      console.log(key);
      return 0;
    }
    case 'verify-audit': {
      const result = await verifyAudit(services);
      if (!result.ok) {
        console.error(`audit chain BROKEN at event ${result.firstBadId}: ${result.reason} (${result.checked} events verified before it)`);
        return 1;
      }
      // a chain cut short still verifies; the checkpoint outside the database does not
      const anchored = await verifyAuditCheckpoint(services, { dir: services.config.auditCheckpointDir, hmacKey: await auditHmacKey(services.config) });
      if (!anchored.ok) {
        console.error(anchored.reason);
        return 1;
      }
      console.log(`audit chain OK: ${result.checked} events verified${anchored.checkpointId ? `, checkpoint ${anchored.checkpointId} holds` : ''}`);
      return 0;
    }
    case 'sweep-blobs': {
      const r = await sweepOrphanBlobs(services);
      console.log(`checked ${r.checked} stored files, removed ${r.removed} unreferenced`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, days: { type: 'string' } },
  });
  const command = positionals[0];
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const root = repoRoot();
  const dataDir = path.resolve(root, config.dataDir);
  let postgres: LocalPostgres | null = null;
  let databaseUrl = config.databaseUrl ?? readRuntimeFile(dataDir)?.databaseUrl ?? null;
  if (databaseUrl && !config.databaseUrl) {
    // npm start's embedded database: use it if it is running, else start it for this command.
    const { default: pg } = await import('pg');
    const probe = new pg.Client({ connectionString: databaseUrl });
    databaseUrl = await probe.connect().then(() => probe.end()).then(() => databaseUrl, () => null);
  }
  if (!databaseUrl) {
    postgres = await startEmbeddedPostgres(dataDir, () => undefined);
    databaseUrl = postgres.url;
    migrate(databaseUrl);
  }
  const services = createServices({ ...config, databaseUrl, redisUrl: config.redisUrl ?? 'redis://127.0.0.1:6379', storageDir: path.resolve(root, config.storageDir) }, { name: 'admin' });
  try {
    return await runCommand(services, command, values);
  } catch (e) {
    console.error(isAppError(e) ? `${e.code}: ${e.message}` : (e as Error).message);
    return 1;
  } finally {
    await closeServices(services);
    await postgres?.stop();
  }
}

main().then((code) => process.exit(code));
