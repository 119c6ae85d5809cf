import { fileURLToPath } from 'node:url';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { sql } from 'drizzle-orm';
import type { Database } from './db.ts';

/** The committed drizzle-kit migrations, located relative to this file so any working directory works. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Applies pending migrations. `callsync migrate` and start-up both call this; a transaction-level advisory
 * lock is not enough across drizzle's own transactions, so a session lock serialises concurrent starters.
 */
export async function migrate(database: Database): Promise<void> {
  await database.withAdvisoryLock('callsync:migrate', async () => {
    const db = database.db as never;
    if (database.kind === 'pglite') {
      const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
      await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    }
    else await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
  });
}

/** True when every committed migration has been applied (for readiness checks). */
export async function migrationsApplied(database: Database): Promise<boolean> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const expected = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
  try {
    const [row] = await database.query<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    return (row?.n ?? 0) >= expected;
  } catch {
    return false;
  }
}
