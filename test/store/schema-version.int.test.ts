import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.ts';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { openDatabase, sql, type Database } from '../../src/store/db.ts';
import { MIGRATIONS_FOLDER, migrate, schemaVersion } from '../../src/store/migrate.ts';
import { unreadableTables } from '../../src/store/roles.ts';
import { requireServableSchema } from '../../src/store/schema-check.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';

/*
 * The schema version `serve` checks instead of migrating: committed migrations against the ones
 * drizzle.__drizzle_migrations records, counted the way drizzle's migrator decides what to apply.
 */

const committed = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
const M = committed.length;
const lastMillis = committed.at(-1)!.folderMillis;
let url: string | undefined;
let database: Database;

beforeAll(async () => {
  url = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
  database = await openDatabase({ url });
});

afterAll(async () => {
  await database?.close();
  if (url) await dropPostgresDatabase(url);
});

describe(`schema version and serve's start-up check (${databaseKind})`, () => {
  it('a database nobody migrated is at 0, and serve refuses it naming `callsync migrate`', async () => {
    expect(await schemaVersion(database)).toEqual({ applied: 0, expected: M, newer: 0 });
    const refusal = await requireServableSchema(database, silentLogger).then(() => undefined, (e: unknown) => e);
    expect(refusal).toBeInstanceOf(SetupError);
    const withRole = databaseKind === 'postgres' ? ' with the sync role' : '';
    expect((refusal as Error).message).toBe(`the database schema is at 0 of ${M} migrations: run \`callsync migrate\` (or \`callsync start\`)${withRole} first`);
  });

  it('a migrated database is current and serve accepts it; a missing last migration puts it one behind', async () => {
    await migrate(database);
    expect(await schemaVersion(database)).toEqual({ applied: M, expected: M, newer: 0 });
    expect(await unreadableTables(database)).toEqual([]);
    await expect(requireServableSchema(database, silentLogger)).resolves.toBeUndefined();
    const [last] = await database.query<{ id: number; hash: string; created_at: string }>(sql`
      delete from drizzle.__drizzle_migrations where created_at = ${lastMillis} returning id, hash, created_at::text`);
    try {
      expect(await schemaVersion(database)).toEqual({ applied: M - 1, expected: M, newer: 0 });
      await expect(requireServableSchema(database, silentLogger)).rejects.toThrow(`the database schema is at ${M - 1} of ${M} migrations`);
    } finally {
      await database.query(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${last!.id}, ${last!.hash}, ${last!.created_at})`);
    }
  });

  it('a database a newer callsync migrated is served, with a warning saying so', async () => {
    await database.query(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-callsync', ${lastMillis + 86_400_000})`);
    try {
      expect(await schemaVersion(database)).toEqual({ applied: M, expected: M, newer: 1 });
      const lines: Array<Record<string, unknown>> = [];
      const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      await expect(requireServableSchema(database, logger)).resolves.toBeUndefined();
      expect(lines).toEqual([expect.objectContaining({ level: 40, newerMigrations: 1, knownMigrations: M, msg: expect.stringMatching(/^the database schema is newer than this callsync/) })]);
    } finally {
      await database.query(sql`delete from drizzle.__drizzle_migrations where hash = 'from-a-newer-callsync'`);
    }
  });
});
