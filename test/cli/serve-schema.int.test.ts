import { spawn } from 'node:child_process';
import path from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sql } from '../../src/store/db.ts';
import { MIGRATIONS_FOLDER, migrate } from '../../src/store/migrate.ts';
import { sourceCliArgs, spawnCli, startCliRig, type CliRig } from '../helpers/cli.ts';
import { databaseKind } from '../helpers/database.ts';
import { history } from '../helpers/harness.ts';

/*
 * `callsync serve` never migrates (its role may not): on a database behind this callsync it stops with one
 * line naming the command to run; on one a newer callsync migrated it serves, with a warning.
 */

const committed = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
let rig: CliRig;

beforeAll(async () => {
  rig = await startCliRig({ seed: 5, history: history(5, 1) }, { LOG_LEVEL: 'info', PORT: '0' });
});

afterAll(() => rig?.close());

/** The database the children use, opened in this process (PGlite: only while no child has it open). */
const openRigDatabase = () => openDatabase(rig.dbUrl ? { url: rig.dbUrl } : { dataDir: path.join(rig.env.CALLSYNC_DATA_DIR!, 'pgdata') });

describe(`callsync serve checks the schema version instead of migrating (${databaseKind})`, () => {
  it('refuses a database behind its migrations: exit 1, one line naming `callsync migrate`, and nothing migrated', async () => {
    const result = await spawnCli(['serve'], rig.env);
    expect(result.status, result.stdout).toBe(1);
    const withRole = rig.dbUrl ? ' with the sync role' : '';
    expect(result.stderr).toBe(`callsync: the database schema is at 0 of ${committed.length} migrations: run \`callsync migrate\` (or \`callsync start\`)${withRole} first\n`);
    const database = await openRigDatabase();
    try {
      const [row] = await database.query<{ migrated: string | null }>(sql`select to_regclass('drizzle.__drizzle_migrations')::text as migrated`);
      expect(row!.migrated).toBeNull();
    } finally {
      await database.close();
    }
  });

  it('serves a database a newer callsync migrated, warning that it is newer', async () => {
    const database = await openRigDatabase();
    try {
      await migrate(database);
      await database.query(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('newer', ${committed.at(-1)!.folderMillis + 1000})`);
    } finally {
      await database.close();
    }
    const child = spawn(process.execPath, sourceCliArgs(['serve']), { env: rig.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const listening = await new Promise<Record<string, unknown> | undefined>((resolve) => {
      let buffered = '';
      child.stdout.on('data', (d) => {
        buffered += d;
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
          buffered = buffered.slice(nl + 1);
          lines.push(line);
          if (line.msg === 'GraphQL API listening') resolve(line);
        }
      });
      void exited.then(() => resolve(undefined));
    });
    try {
      expect(listening, stderr).toBeDefined();
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, newerMigrations: 1, msg: expect.stringMatching(/^the database schema is newer than this callsync/) }));
      const ready = await fetch(String(listening!.url).replace(/\/graphql$/, '/readyz'));
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
