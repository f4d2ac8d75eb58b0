// Driver adapter for Prisma on node-postgres, usable offline by the app and by the migrate CLI.
// Copied from shared/examples/prisma-offline (verified offline setup); see its README for why each piece exists.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

const NAME = 19, CHAR = 18, NAME_ARRAY = 1003, CHAR_ARRAY = 1002, TEXT = 25, TEXT_ARRAY = 1009;
const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY as never) as (value: string) => string[];

/** The adapter cannot map the catalog types `name` and `"char"` that migrate's introspection
 *  reads (Prisma issue #27403): report them as text / text[] instead. */
class CatalogTypesAsText extends pg.Client {
  // pg.Pool calls query with a callback, the adapter's own clients with promises: patch both.
  // @ts-expect-error -- pg's overloads
  query(...args: unknown[]) {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, res: pg.QueryResult | pg.QueryResult[]) => {
        if (!err && res) for (const r of Array.isArray(res) ? res : [res]) asText(r);
        (last as (e: Error | null, r: unknown) => void)(err, res);
      };
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      return (out as Promise<pg.QueryResult | pg.QueryResult[]>).then((res) => {
        if (res) for (const r of Array.isArray(res) ? res : [res]) asText(r);
        return res;
      });
    }
    return out;
  }
}

function asText(result: pg.QueryResult) {
    result.fields?.forEach((field, i) => {
      if (field.dataTypeID === NAME || field.dataTypeID === CHAR) field.dataTypeID = TEXT;
      else if (field.dataTypeID === NAME_ARRAY || field.dataTypeID === CHAR_ARRAY) {
        field.dataTypeID = TEXT_ARRAY;
        for (const row of result.rows as unknown[][]) if (typeof row[i] === 'string') row[i] = parseTextArray(row[i] as string);
      }
    });
}

/** Counts statements sent to Postgres, so tests can assert that a request's SQL is bounded. */
export interface QueryCounter { count: number }

function pool(connectionString: string, counter?: QueryCounter, max?: number) {
  const Client = counter
    ? class CountingClient extends CatalogTypesAsText {
        query(...args: unknown[]) {
          counter.count += 1;
          return (super.query as (...a: unknown[]) => unknown)(...args);
        }
      }
    : CatalogTypesAsText;
  // No parallel query: the platform's statements are short and indexed, and a parallel worker is a
  // process the postmaster starts per query (bench:scale: the worklist's 3 ms sort took 113 ms in a
  // Gather Merge waiting for its worker on a busy 2-core machine).
  const created = new pg.Pool({
    connectionString, Client: Client as unknown as typeof pg.Client, allowExitOnIdle: true, max, options: '-c max_parallel_workers_per_gather=0',
  });
  // An idle connection dropped by the server (restart, database dropped) must not crash the process;
  // the pool replaces it on next use.
  created.on('error', () => undefined);
  return created;
}

/** PrismaPg whose shadow database (for `migrate dev` / drift checks) is really a fresh database,
 *  dropped with FORCE afterwards. */
class OfflinePrismaPg extends PrismaPg {
  readonly pool: pg.Pool;
  constructor(private readonly url: string, counter?: QueryCounter, maxConnections?: number) {
    const created = pool(url, counter, maxConnections);
    super(created);
    this.pool = created;
  }
  override async connectToShadowDb(): ReturnType<PrismaPg['connectToShadowDb']> {
    const name = `prisma_shadow_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    const admin = new pg.Client({ connectionString: this.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const shadowUrl = new URL(this.url);
    shadowUrl.pathname = `/${name}`;
    const shadowPool = pool(shadowUrl.toString());
    const shadow = await new PrismaPg(shadowPool).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await shadowPool.end();
      const c = new pg.Client({ connectionString: this.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    };
    return shadow;
  }
}

export function createAdapter(url: string, counter?: QueryCounter, maxConnections?: number): PrismaPg & { pool: pg.Pool } {
  return new OfflinePrismaPg(url, counter, maxConnections);
}
