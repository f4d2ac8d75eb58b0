// The one place that constructs the Prisma client (DESIGN.md rule 3: only packages/db imports Prisma).
import { PrismaClient } from './generated/prisma/client';
import type pg from 'pg';
import { createAdapter, type QueryCounter } from './adapter';

export type Db = PrismaClient;
/** The client handed to a `$transaction` callback. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

const pools = new WeakMap<object, pg.Pool>();

export function createDb(databaseUrl: string, options: { queryCounter?: QueryCounter; maxConnections?: number } = {}): Db {
  const adapter = createAdapter(databaseUrl, options.queryCounter, options.maxConnections ?? 10);
  const db = new PrismaClient({ adapter });
  pools.set(db, adapter.pool);
  return db;
}

/** Disconnects Prisma and ends the connection pool it was given (Prisma leaves that to its owner). */
export async function closeDb(db: Db): Promise<void> {
  await db.$disconnect();
  await pools.get(db)?.end();
}

/** Runs `work` in one serializable-enough transaction (read committed plus explicit locks where
 *  needed); every state change and its audit row commit together (DESIGN.md rule 5). */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  return db.$transaction((tx) => work(tx), { timeout: options.timeoutMs ?? 15_000, maxWait: 10_000 });
}

export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this client was not made by createDb');
  return pool;
}
