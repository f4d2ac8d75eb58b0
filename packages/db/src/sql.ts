// Plain SQL on the same pool as Prisma, for hot paths. Prisma's interactive transactions cost
// ~9 ms each here (measured: empty transaction 9.3 ms vs 0.9 ms on node-postgres), which
// halved ingest throughput; ingest and audit appends therefore run as plain transactions.
import type pg from 'pg';
import type { Db, Tx } from './client';
import { poolOf } from './client';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

/** Sql over a Prisma interactive transaction, so the same repository code runs inside one. */
export function prismaSql(tx: Tx): Sql {
  return { query: <T>(text: string, values: unknown[] = []) => tx.$queryRawUnsafe<T[]>(text, ...values) };
}

function clientSql(client: pg.Pool | pg.PoolClient): Sql {
  return { query: async <T>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as T[] };
}

/** Non-transactional Sql on the pool. */
export function poolSql(db: Db): Sql {
  return clientSql(poolOf(db));
}

/**
 * One transaction on one connection of the pool. `options.last` may give one more statement, with
 * its values already inlined as literals, sent together with the COMMIT in a single round trip
 * (the audit row that ends a state change: the chain lock it takes is held only until that COMMIT).
 */
export function inSqlTransaction<T>(db: Db, work: (sql: Sql) => Promise<T>, options: { last?: (result: T) => string | null } = {}): Promise<T> {
  return inPoolTransaction(poolOf(db), work, options);
}

export async function inPoolTransaction<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>, options: { last?: (result: T) => string | null } = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(clientSql(client));
    const last = options.last?.(result) ?? null;
    // simple query protocol: a failing statement stops the string before its COMMIT (rolled back below)
    await client.query(last === null ? 'COMMIT' : `${last}; COMMIT`);
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
