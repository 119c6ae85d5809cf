import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';

/** The server named by TEST_DATABASE_URL, or undefined for embedded PGlite. */
export const testServerUrl = process.env.TEST_DATABASE_URL || undefined;
export const databaseKind = testServerUrl ? 'postgres' : 'pglite';

export interface TestDatabase {
  database: Database;
  /** postgres:// URL of the fresh database (Postgres only), for child processes. */
  url: string | undefined;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a new database on the TEST_DATABASE_URL server, or an
 * in-memory PGlite when none is set, so `npm test` passes on a machine with only Node.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!testServerUrl) {
    const database = await openDatabase({});
    await migrate(database);
    return { database, url: undefined, drop: () => database.close() };
  }
  const url = await createEmptyPostgresDatabase();
  const database = await openDatabase({ url });
  await migrate(database);
  return {
    database,
    url,
    async drop() {
      await database.close();
      await dropPostgresDatabase(url);
    },
  };
}

/** Creates an empty database on the test server and returns its URL. */
export async function createEmptyPostgresDatabase(): Promise<string> {
  const name = `callsync_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(testServerUrl!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testServerUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(testServerUrl!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}
