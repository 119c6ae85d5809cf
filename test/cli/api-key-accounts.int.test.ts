import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApi } from '../../src/cli/commands/api.ts';
import { upsertAccount } from '../../src/store/accounts.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { runCommandInProcess } from '../helpers/cli.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';

/*
 * `callsync api-key create --account NAME` (repeatable) and `api-key list`'s scopes, on the database the
 * command opens (a data directory on PGlite, DATABASE_URL on PostgreSQL). The accounts are written as sync
 * and `account add` write them: a synced account (accounts) and a managed one (managed_accounts).
 */

let dataDir: string;
let dbUrl: string | undefined;
let env: Record<string, string>;

/** Opens the command's database for a moment (PGlite's data directory admits one process at a time). */
async function withDb<T>(use: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(dbUrl ? { url: dbUrl } : { dataDir: path.join(dataDir, 'pgdata') });
  try {
    await migrate(database);
    return await use(database);
  } finally {
    await database.close();
  }
}

const apiKey = (...args: string[]) => runCommandInProcess(registerApi, ['api-key', ...args], env);
const lastLine = (text: string) => text.trim().split('\n').at(-1)!;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-keys-'));
  dbUrl = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
  env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', CALLSYNC_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(dbUrl ? { DATABASE_URL: dbUrl } : {}) };
  await withDb((database) => upsertAccount(database.db, { id: '37439004', serverUrl: 'https://platform.ringcentral.com', name: 'Env Co', mainNumber: null, raw: {} }));
}, 120_000);

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (dbUrl) await dropPostgresDatabase(dbUrl);
});

describe(`callsync api-key create --account (${databaseKind})`, () => {
  it('on a one-account database: a key without --account reads the sole account; list says so', async () => {
    const created = await apiKey('create', '--name', 'first');
    expect(created.status, created.stderr).toBe(0);
    expect(lastLine(created.stdout)).toMatch(/^cs_[\w-]{40,}$/);
    expect(created.stdout).toContain('reads the sole account');
    expect((await apiKey('list')).stdout).toMatch(/^first\tcs_\S+\treads the sole account/m);
    expect(await withDb((d) => d.query(sql`select account_ids from api_keys where name = 'first'`))).toEqual([{ account_ids: null }]);
  });

  it('an unknown --account is refused, listing the accounts there are', async () => {
    const refused = await apiKey('create', '--name', 'typo', '--account', 'acmee');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--account "acmee" is neither an added account\'s name nor a synced account\'s id');
    expect(refused.stderr).toContain('37439004');
    expect((await apiKey('list')).stdout).not.toContain('typo');
  });

  it('once a second account is added: --account is required, and names (or ids) resolve to account ids', async () => {
    await withDb(async (database) => {
      await database.query(sql`insert into managed_accounts (name, account_id, server_url, client_id, sealed_credentials, credential_key)
        values ('acme', '40000008', 'https://platform.ringcentral.com', 'client', 'sealed', 'key')`);
    });
    const bare = await apiKey('create', '--name', 'second');
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('this database holds 2 accounts (acme (40000008), 37439004)');
    expect(bare.stderr).toContain('--account');
    const both = await apiKey('create', '--name', 'both', '--account', 'acme', '--account', '37439004', '--account', 'acme');
    expect(both.status, both.stderr).toBe(0);
    expect(lastLine(both.stdout)).toMatch(/^cs_[\w-]{40,}$/);
    expect(await withDb((d) => d.query(sql`select account_ids from api_keys where name = 'both'`))).toEqual([{ account_ids: ['37439004', '40000008'] }]);
    const one = await apiKey('create', '--name', 'acme-crm', '--account', 'acme');
    expect(one.status, one.stderr).toBe(0);
    const listed = (await apiKey('list')).stdout;
    expect(listed).toMatch(/^acme-crm\tcs_\S+\treads acme \(40000008\)\t/m);
    expect(listed).toMatch(/^both\tcs_\S+\treads 37439004, acme \(40000008\)\t/m);
  });
});
