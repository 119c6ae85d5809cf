import { mkdirSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { StreamLockedError } from '../errors.ts';
import * as schema from '../schema/index.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** One handle over either driver; everything above this file is driver-agnostic. */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  /** Rows of a raw statement, the same shape on both drivers. */
  query<T = Record<string, unknown>>(statement: SQL): Promise<T[]>;
  /**
   * Runs `fn` while this process holds the session-level advisory lock `key`. Throws StreamLockedError at
   * once when another session holds it. A crashed holder's lock goes with its connection.
   */
  withAdvisoryLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; when absent, embedded PGlite. */
  url?: string | undefined;
  /** PGlite data directory; absent = in memory. */
  dataDir?: string | undefined;
  maxConnections?: number;
  /**
   * Postgres cancels any statement of this pool running longer (error 57014). Ignored by PGlite: its wasm
   * build has no timer to cancel with (a `select pg_sleep(1)` under `statement_timeout = 50` runs to the end).
   */
  statementTimeoutMs?: number | undefined;
}

/** Rows of a drizzle `execute` result: postgres.js returns an array, PGlite an object with `rows`. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/** Opens Postgres through postgres.js, or embedded PGlite (PostgreSQL in wasm) when no URL is given. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.maxConnections ?? 5, options.statementTimeoutMs) : openPglite(options.dataDir);
}

/** Refuses a key this process already holds (a session-level advisory lock would let it in again). */
function inProcessLock() {
  const held = new Set<string>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    if (held.has(key)) throw new StreamLockedError(`${key} is already being synced by this process`);
    held.add(key);
    try {
      return await fn();
    } finally {
      held.delete(key);
    }
  };
}

function openPostgres(url: string, max: number, statementTimeoutMs: number | undefined): Database {
  const connection = { application_name: 'callsync', ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}) };
  const client = postgres(url, { max, onnotice: () => {}, connection });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const locally = inProcessLock();
  const dialect = new PgDialect();
  return {
    kind: 'postgres',
    db,
    // Prepared (drizzle's execute is not): one round trip per statement and a cached plan, which the API's
    // page reads and the sync's bulk statements, both repeated with new parameters, gain from.
    query: async <T,>(statement: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(statement);
      return (await client.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
    },
    withAdvisoryLock: (key, fn) =>
      locally(key, async () => {
        // Session-level locks live on one connection, so hold a reserved one for the whole run.
        const reserved = await client.reserve();
        try {
          const [row] = await reserved`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked`;
          if (!row?.locked) throw new StreamLockedError(`${key} is being synced by another process`);
          try {
            return await fn();
          } finally {
            await reserved`select pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => undefined);
          }
        } finally {
          reserved.release();
        }
      }),
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  // Loaded only when used: the wasm build costs ~40 MB of memory that a Postgres deployment never needs.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    query: async (statement) => rowsOf(await db.execute(statement)),
    // PGlite is one session owned by this process (its files cannot be opened by two processes), so an
    // in-process lock is the whole story here.
    withAdvisoryLock: inProcessLock(),
    close: () => client.close(),
  };
}

/**
 * The database's clock a minute ago: changes are found by comparing updated_at (set by the database's
 * now()) with this, so neither a clock difference nor a transaction that began earlier can hide one.
 */
export async function changesSince(database: Database): Promise<Date> {
  const [row] = await database.query<{ t: string }>(sql`select (now() - interval '1 minute')::text as t`);
  return new Date(row!.t);
}

export { sql };
