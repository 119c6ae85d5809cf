import { SetupError, postgresCodeOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Database } from './db.ts';
import { schemaVersion } from './migrate.ts';
import { unreadableTables } from './roles.ts';

const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * What `callsync serve` checks before it listens, since it never migrates (its role may not): the schema is
 * not behind this callsync's migrations, and the role can read every table the API reads. A schema ahead of
 * this callsync (a newer one migrated it) is served with a warning: migrations are append-only and add
 * tables, columns and indexes, so these queries still hold, and an old serve restarted during a rolling
 * upgrade (migrate first, then replace the servers) keeps answering instead of crash-looping.
 */
export async function requireServableSchema(database: Database, logger: Logger): Promise<void> {
  const migrateFirst = database.kind === 'postgres' ? 'run `callsync migrate` (or `callsync start`) with the sync role first' : 'run `callsync migrate` (or `callsync start`) first';
  let version;
  try {
    version = await schemaVersion(database);
  } catch (error) {
    if (postgresCodeOf(error) !== INSUFFICIENT_PRIVILEGE) throw error;
    throw new SetupError('the role in DATABASE_URL may not read the schema version (drizzle.__drizzle_migrations): apply the grants `callsync db-grants` prints for the API role, part 2', ['DATABASE_URL'], { cause: error });
  }
  if (version.applied < version.expected) throw new SetupError(`the database schema is at ${version.applied} of ${version.expected} migrations: ${migrateFirst}`, ['DATABASE_URL']);
  if (version.newer > 0) {
    logger.warn({ newerMigrations: version.newer, knownMigrations: version.expected }, 'the database schema is newer than this callsync (migrated by a newer version): serving anyway, as migrations only add; upgrade this server');
  }
  const unreadable = await unreadableTables(database);
  if (unreadable.length > 0) {
    throw new SetupError(`the role in DATABASE_URL may not read ${unreadable.join(', ')}: re-run part 2 of the grants \`callsync db-grants\` prints (an upgrade added tables the API reads)`, ['DATABASE_URL']);
  }
}
