import { mkdirSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres, { type Sql, type UnsafeQueryOptions } from 'postgres';
import { SetupError, StreamLockedError, networkCodeOf } from '../errors.ts';
import { createExclusivePool, type ExclusivePool } from './exclusive-pool.ts';
import * as schema from '../schema/index.ts';
import { lockDataDir } from './data-dir-lock.ts';

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
  /** Connections lent and statements waiting, where this handle has an exclusive pool (for metrics). */
  poolSnapshot?: ExclusivePool['snapshot'] | undefined;
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
  /**
   * Postgres only: lend each connection to one statement (or transaction) at a time and replace it after a
   * failed statement (store/exclusive-pool.ts), so a statement cancelled mid-rows never corrupts a later
   * answer. For the API's pool, whose statement timeout cancels statements as a matter of course.
   */
  exclusiveConnections?: boolean;
  /**
   * With exclusiveConnections: the signal of the work a statement is started for, read as it starts. Once
   * aborted, no statement of that work starts (nor waits for a connection); it fails with the signal's reason.
   */
  signal?: (() => AbortSignal | undefined) | undefined;
}

/** Rows of a drizzle `execute` result: postgres.js returns an array, PGlite an object with `rows`. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/** Opens Postgres through postgres.js, or embedded PGlite (PostgreSQL in wasm) when no URL is given. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.maxConnections ?? 5, options) : openPglite(options.dataDir);
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

/** Seconds a connection attempt may take: an address that drops packets should not hold start-up for long. */
const CONNECT_TIMEOUT_SEC = 10;

/**
 * Where DATABASE_URL points, for messages: host:port and the database's name, never the user's password.
 * postgres.js reads the same defaults (localhost, 5432, the user's name as the database).
 */
function target(url: string): { where: string; host: string; database: string; user: string } {
  try {
    const u = new URL(url);
    const host = decodeURIComponent(u.hostname) || 'localhost';
    const user = decodeURIComponent(u.username) || process.env.PGUSER || process.env.USER || 'postgres';
    return { where: `${host}:${u.port || '5432'}`, host, database: decodeURIComponent(u.pathname.slice(1)) || user, user };
  } catch {
    return { where: 'the DATABASE_URL server', host: '?', database: '?', user: '?' };
  }
}

/**
 * A failure to connect as a sentence naming what to fix in DATABASE_URL, or the error itself when it is not
 * a connection failure. Never repeats the URL (it may hold a password).
 */
export function connectionProblem(error: unknown, url: string): unknown {
  const t = target(url);
  const fix = (what: string) => new SetupError(/\?$/.test(what) ? `${what} Check DATABASE_URL` : `${what}; check DATABASE_URL`, ['DATABASE_URL'], { cause: error });
  const pgCode = (error as { name?: string; code?: unknown }).name === 'PostgresError' ? String((error as { code: unknown }).code) : undefined;
  switch (pgCode) {
    case '3D000':
      return fix(`the database "${t.database}" does not exist on PostgreSQL at ${t.where}: create it (createdb -h ${t.host} ${t.database}) or name an existing one`);
    case '28P01':
      return fix(`PostgreSQL at ${t.where} refused the password of user "${t.user}" (28P01 password authentication failed)`);
    case '28000':
      return fix(`PostgreSQL at ${t.where} refused user "${t.user}" (28000: ${(error as Error).message}); the user may not exist, or pg_hba.conf does not let it in`);
    case '57P03':
      return fix(`PostgreSQL at ${t.where} is starting up or shutting down (57P03); try again in a moment`);
  }
  const code = networkCodeOf(error) ?? (error as { code?: unknown }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return fix(`cannot connect to the database at ${t.where}: connection refused. Is PostgreSQL running at ${t.where}?`);
    case 'ENOTFOUND':
      return fix(`cannot connect to the database: the host "${t.host}" cannot be resolved (DNS found no such name)`);
    case 'EAI_AGAIN':
      return fix(`cannot connect to the database: the host "${t.host}" cannot be resolved right now (DNS did not answer)`);
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return fix(`cannot connect to the database: no answer from ${t.where} within ${CONNECT_TIMEOUT_SEC} s (a firewall, or the wrong host or port?)`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fix(`cannot connect to the database: ${t.where} cannot be reached from here (${String(code)})`);
  }
  return error;
}

async function openPostgres(url: string, max: number, options: OpenOptions): Promise<Database> {
  const { statementTimeoutMs } = options;
  const connection = { application_name: 'callsync', ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}) };
  const settings = { onnotice: () => {}, connection, connect_timeout: CONNECT_TIMEOUT_SEC };
  const pool = options.exclusiveConnections ? exclusiveClient(url, max, settings, options.signal) : pooledClient(postgres(url, { max, ...settings }));
  const { client } = pool;
  // postgres.js connects lazily: one statement now turns a wrong DATABASE_URL into a message that names it,
  // at start-up, instead of "connect ECONNREFUSED" from whichever statement came first.
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 0 }).catch(() => undefined);
    throw connectionProblem(error, url);
  }
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const locally = inProcessLock();
  const dialect = new PgDialect();
  return {
    kind: 'postgres',
    db,
    poolSnapshot: pool.snapshot,
    // Prepared (drizzle's execute is not): one round trip per statement and a cached plan, which the API's
    // page reads and the sync's bulk statements, both repeated with new parameters, gain from.
    query: async <T,>(statement: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(statement);
      return (await client.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
    },
    withAdvisoryLock: (key, fn) =>
      locally(key, () =>
        // Session-level locks live on one connection, so hold one for the whole run.
        pool.withConnection(async (reserved) => {
          const [row] = await reserved`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked`;
          if (!row?.locked) throw new StreamLockedError(`${key} is being synced by another process`);
          try {
            return await fn();
          } finally {
            await reserved`select pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => undefined);
          }
        }),
      ),
    close: () => client.end({ timeout: 5 }),
  };
}

/** A postgres.js client, and a way to hold one of its connections for a while. */
interface PostgresPool {
  client: Sql;
  withConnection<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  snapshot?: ExclusivePool['snapshot'];
}

/** postgres.js's own pool: statements pipelined onto its connections. */
function pooledClient(client: Sql): PostgresPool {
  return {
    client,
    async withConnection(fn) {
      const reserved = await client.reserve();
      try {
        return await fn(reserved);
      } finally {
        reserved.release();
      }
    },
  };
}

/**
 * An exclusive pool (store/exclusive-pool.ts) behind the part of postgres.js's interface that this file and
 * drizzle use: `unsafe` (awaited, or `.values()`), `begin`, `end`, and `options`, whose parsers drizzle sets.
 */
function exclusiveClient(url: string, max: number, settings: postgres.Options<Record<string, never>>, signal: OpenOptions['signal']): PostgresPool {
  let first: Sql | undefined;
  const pool = createExclusivePool(() => {
    if (!first) return (first = postgres(url, { ...settings, max: 1 }));
    // Later connections share the first one's options (postgres.js's own pool shares them the same way):
    // drizzle's parsers, and the array types the first fetched while connecting for the start-up statement.
    // Fetching them again on every new connection would be a statement the timeout can cancel, and
    // postgres.js leaves that rejection unhandled.
    first.options.fetch_types = false;
    return postgres(first.options as never);
  }, max);
  const use = <T,>(fn: (sql: Sql) => Promise<T>) => pool.use(fn, signal?.());
  const unsafe = (text: string, params?: never[], queryOptions?: UnsafeQueryOptions) => {
    // Lazy, like postgres.js's own pending query: nothing runs until it is awaited or asked for values().
    const run = (values: boolean) => use(async (sql): Promise<unknown> => (values ? sql.unsafe(text, params, queryOptions).values() : sql.unsafe(text, params, queryOptions)));
    return { then: (ok: never, fail: never) => run(false).then(ok, fail), values: () => run(true) };
  };
  const template = (strings: TemplateStringsArray, ...values: never[]) => use((sql) => sql(strings, ...values) as Promise<unknown>);
  const client = Object.defineProperties(template, {
    options: { get: () => first!.options },
    unsafe: { value: unsafe },
    begin: { value: (fn: (sql: postgres.TransactionSql) => Promise<unknown>) => use(async (sql): Promise<unknown> => sql.begin(fn)) },
    end: { value: (options?: { timeout?: number }) => pool.end(options) },
  }) as unknown as Sql;
  return { client, withConnection: use, snapshot: pool.snapshot };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  // Loaded only when used: the wasm build costs ~40 MB of memory that a Postgres deployment never needs.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const release = dataDir ? lockDataDir(dataDir) : () => {};
  let client;
  try {
    client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  } catch (error) {
    release();
    throw error;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    query: async (statement) => rowsOf(await db.execute(statement)),
    // PGlite is one session owned by this process (lockDataDir keeps other processes out of its files), so
    // an in-process lock is the whole story here.
    withAdvisoryLock: inProcessLock(),
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
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
