// Anchors the audit chain's head outside the database. A DB owner can disable the append-only
// trigger and cut the tail off: the chain still verifies. A signed checkpoint file kept elsewhere
// ({id, hash, at, hmac}) remembers how long the chain was and what its last hash was.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@imaging/config';
import type { Services } from '../context';

export interface AuditCheckpoint { id: string; hash: string; at: string; hmac: string }

/** AUDIT_HMAC_KEY, else the key in DATA_DIR/audit-hmac.key, generated there (0600) on first use. */
export async function auditHmacKey(config: Pick<Config, 'auditHmacKey' | 'dataDir'>): Promise<string> {
  if (config.auditHmacKey) return config.auditHmacKey;
  const file = join(config.dataDir, 'audit-hmac.key');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  await writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
  return (await readFile(file, 'utf8')).trim();
}

function sign(key: string, id: string, hash: string, at: string): string {
  return createHmac('sha256', key).update(`${id}\n${hash}\n${at}`).digest('hex');
}

/** Writes the current chain head as a signed checkpoint file; returns it (null for an empty chain). */
export async function writeAuditCheckpoint(services: Pick<Services, 'db'>, options: { dir: string; hmacKey: string }): Promise<AuditCheckpoint | null> {
  const head = await services.db.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true, hash: true } });
  if (!head) return null;
  const at = new Date().toISOString();
  const checkpoint: AuditCheckpoint = { id: head.id.toString(), hash: head.hash, at, hmac: sign(options.hmacKey, head.id.toString(), head.hash, at) };
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  // zero-padded ids sort by name, so the newest checkpoint is the last file
  await writeFile(join(options.dir, `checkpoint-${checkpoint.id.padStart(20, '0')}.json`), JSON.stringify(checkpoint), { mode: 0o600 });
  return checkpoint;
}

export type CheckpointVerification = { ok: true; checkpointId: string | null } | { ok: false; checkpointId: string | null; reason: string };

/** Checks the newest checkpoint: its signature, and that the chain still holds its row with its hash. */
export async function verifyAuditCheckpoint(services: Pick<Services, 'db'>, options: { dir: string; hmacKey: string }): Promise<CheckpointVerification> {
  const names = (await readdir(options.dir).catch(() => [] as string[])).filter((n) => /^checkpoint-\d{20}\.json$/.test(n)).sort();
  const newest = names.at(-1);
  if (!newest) return { ok: true, checkpointId: null };
  const cp = JSON.parse(await readFile(join(options.dir, newest), 'utf8')) as AuditCheckpoint;
  const expected = Buffer.from(sign(options.hmacKey, cp.id, cp.hash, cp.at), 'hex');
  const given = Buffer.from(String(cp.hmac), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, checkpointId: cp.id, reason: `audit checkpoint ${cp.id} has a bad signature` };
  }
  const row = await services.db.auditEvent.findUnique({ where: { id: BigInt(cp.id) }, select: { hash: true } });
  if (!row || row.hash !== cp.hash) return { ok: false, checkpointId: cp.id, reason: `audit chain truncated or rewritten after checkpoint ${cp.id}` };
  return { ok: true, checkpointId: cp.id };
}
