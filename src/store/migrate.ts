import { fileURLToPath } from 'node:url';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { sql } from 'drizzle-orm';
import { StreamLockedError, postgresCodeOf } from '../errors.ts';
import type { Database } from './db.ts';

/** The committed drizzle-kit migrations, located relative to this file so any working directory works. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** How long a starter waits for another process's migration before giving up (a big migration takes a while). */
const MIGRATION_WAIT_MS = 10 * 60_000;

/**
 * Applies pending migrations. `callsync migrate` and start-up both call this; a transaction-level advisory
 * lock is not enough across drizzle's own transactions, so a session lock serialises concurrent starters:
 * workers started together wait for the first one's migration, then find nothing left to do.
 */
export async function migrate(database: Database): Promise<void> {
  for (const started = Date.now(); ; ) {
    try {
      return await migrateOnce(database);
    } catch (error) {
      if (!(error instanceof StreamLockedError) || Date.now() - started > MIGRATION_WAIT_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function migrateOnce(database: Database): Promise<void> {
  await database.withAdvisoryLock('callsync:migrate', async () => {
    const db = database.db as never;
    if (database.kind === 'pglite') {
      const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
      await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    }
    else await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
  });
}

/** Where the database's schema stands against the migrations committed with this callsync. */
export interface SchemaVersion {
  /** Committed migrations the database has applied. */
  applied: number;
  /** Migrations committed with this callsync. */
  expected: number;
  /** Migrations the database has applied that this callsync does not know: a newer callsync migrated it. */
  newer: number;
}

/**
 * Reads the schema version the way drizzle's migrator decides what to apply: a committed migration counts as
 * applied when the latest recorded one is not older than it (its journal time is `created_at`). A database
 * nobody migrated yet (no drizzle schema or table) is at 0. A refused read (42501) is thrown: it is a
 * missing grant, not a missing schema.
 */
export async function schemaVersion(database: Database): Promise<SchemaVersion> {
  const committed = await committedMigrationTimes();
  let recorded: number[];
  try {
    const rows = await database.query<{ created_at: string | number | null }>(sql`select created_at from drizzle.__drizzle_migrations`);
    recorded = rows.map((r) => Number(r.created_at ?? 0));
  } catch (error) {
    if (postgresCodeOf(error) === UNDEFINED_TABLE) return { applied: 0, expected: committed.length, newer: 0 };
    throw error;
  }
  const latest = Math.max(0, ...recorded);
  const lastCommitted = Math.max(0, ...committed);
  return {
    applied: committed.filter((when) => when <= latest).length,
    expected: committed.length,
    newer: recorded.filter((when) => when > lastCommitted).length,
  };
}

/**
 * The journal times of the committed migrations, read once: they ship with this callsync and do not change
 * while it runs, and `/readyz` asks on every load balancer probe (reading them hashes every SQL file).
 */
let committedTimes: Promise<number[]> | undefined;
function committedMigrationTimes(): Promise<number[]> {
  committedTimes ??= import('drizzle-orm/migrator').then(({ readMigrationFiles }) => readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => m.folderMillis));
  // A failed read is not kept: the next call tries again.
  committedTimes.catch(() => (committedTimes = undefined));
  return committedTimes;
}

/** 42P01: also what a missing `drizzle` schema gives for a qualified name. */
const UNDEFINED_TABLE = '42P01';
