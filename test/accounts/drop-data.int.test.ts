import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveFoldersOf } from '../../src/accounts/archive-files.ts';
import { openManagedAccount } from '../../src/store/managed-accounts.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { connectAccount, syncAll } from '../../src/main.ts';
import { accountsKeyring } from '../../src/secrets/keys.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { Database } from '../../src/store/db.ts';
import { databaseKind } from '../helpers/database.ts';
import { FAST_RETRY, history } from '../helpers/harness.ts';
import { addFlags, startAccountsRig, type AccountsRig } from './rig.ts';

/*
 * `account remove --drop-data` with two synced accounts in one database: every table with an account_id
 * column (found in information_schema here, so a table added later is covered without touching this test)
 * loses the dropped account's rows and keeps the other's, byte for byte; the triggers' tables (the change
 * feed, disposition_days) end consistent; it happens in one transaction or not at all.
 */

let rig: AccountsRig;
let alpha: Simulator;
let beta: Simulator;
let archiveDir: string;

/** Every table holding account rows, with the column naming the account: as the schema says now. */
async function accountTables(database: Database): Promise<Array<{ table: string; column: string }>> {
  const rows = await database.query<{ table: string }>(sql`
    select c.table_name as "table" from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'account_id' and t.table_type = 'BASE TABLE' order by 1`);
  return [...rows.map((r) => ({ table: r.table, column: 'account_id' })), { table: 'accounts', column: 'id' }];
}

/** Rows per table keyed by a credential's hash (auth_sessions, rate_ledger …), managed_accounts aside. */
async function credentialRows(database: Database, key: string): Promise<Record<string, number>> {
  const tables = await database.query<{ table: string }>(sql`
    select c.table_name as "table" from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'credential_key' and t.table_type = 'BASE TABLE' and c.table_name <> 'managed_accounts' order by 1`);
  const out: Record<string, number> = {};
  for (const { table } of tables) {
    const [r] = await database.query<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)} where credential_key = ${key}`);
    out[table] = r!.n;
  }
  return out;
}

/** Per table: how many rows of the account, and a digest of their whole content. */
async function fingerprint(database: Database, accountId: string): Promise<Record<string, { rows: number; digest: string }>> {
  const out: Record<string, { rows: number; digest: string }> = {};
  for (const { table, column } of await accountTables(database)) {
    const [r] = await database.query<{ rows: number; digest: string }>(sql`
      select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest
      from ${sql.identifier(table)} t where ${sql.identifier(column)} = ${accountId}`);
    out[table] = r!;
  }
  return out;
}

/** The disposition_days the account's calls and dispositions make, computed from scratch (as disposition_days_rebuild does). */
const rebuiltDays = (database: Database, accountId: string) => database.query(sql`
  select (c.start_time at time zone 'UTC')::date::text as day, coalesce(d.extension_id, '') as extension_id, coalesce(c.direction, '') as direction,
    coalesce(d.disposition, 'UNKNOWN') as disposition, count(*)::int as calls, coalesce(sum(c.duration_seconds), 0)::bigint::text as seconds
  from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
  where c.account_id = ${accountId} and not c.deleted group by 1, 2, 3, 4 order by 1, 2, 3, 4`);
const storedDays = (database: Database, accountId: string) => database.query(sql`
  select day::text as day, extension_id, direction, disposition, calls, duration_seconds::text as seconds
  from disposition_days where account_id = ${accountId} order by 1, 2, 3, 4`);

beforeAll(async () => {
  const ended = 3_600_000;
  rig = await startAccountsRig([{ seed: 611, history: history(150, 2, ended), recordingBytes: 2_000 }, { seed: 612, history: history(120, 2, ended), recordingBytes: 2_000 }]);
  [alpha, beta] = rig.sims as [Simulator, Simulator];
  archiveDir = path.join(rig.dir, 'archive');
  Object.assign(rig.env, { MEDIA_ARCHIVE_DIR: archiveDir, SYNC_BACKFILL_DAYS: '3' });
  for (const [sim, name] of [[alpha, 'alpha'], [beta, 'beta']] as const) {
    const added = await rig.account(addFlags(rig, sim, name));
    expect(added.status, added.stderr).toBe(0);
  }
  // No worker yet: each account synced the way one will, from its stored credentials.
  const config = loadConfig(rig.env, { accounts: 'none' });
  const keyring = accountsKeyring(config, silentLogger);
  await rig.withDb(async (database) => {
    for (const name of ['alpha', 'beta']) {
      const { account, credentials } = await openManagedAccount(database.db, keyring, name);
      const connections = { database, credentials, credentialKey: account.credentialKey, keyring, simulator: undefined, close: async () => undefined };
      const app = await connectAccount(config, connections, { logger: silentLogger, retry: FAST_RETRY });
      for (let pass = 0; pass < 2; pass++) {
        for (const r of await syncAll(app)) expect(r.error, `${name} ${r.stream}`).toBeUndefined();
      }
    }
    // The simulated traffic makes callbacks only by chance (a customer called back): one per account, made up.
    for (const id of [alpha.accountId, beta.accountId]) {
      await database.query(sql`insert into callbacks (account_id, call_id, callback_call_id, seconds_after_end)
        select account_id, min(id), max(id), 60 from calls where account_id = ${id} group by account_id on conflict do nothing`);
    }
    // What a worker's shared rate budget keeps per credential (store/rate-ledger.ts): one group each.
    await database.query(sql`insert into rate_ledger (credential_key, rate_group) select credential_key, 'Heavy' from managed_accounts on conflict do nothing`);
    // A table a later migration might add, and one fed by a trigger on calls that this code has never
    // heard of: both are account tables all the same.
    await database.query(sql`create table future_notes (account_id text not null, note text)`);
    await database.query(sql`insert into future_notes values (${alpha.accountId}, 'a'), (${beta.accountId}, 'b')`);
    await database.query(sql`create table aaa_removed_calls (account_id text not null, call_id text not null)`);
    await database.query(sql.raw(`create function note_removed_calls() returns trigger language plpgsql as $$
      begin insert into aaa_removed_calls select account_id, id from gone; return null; end $$`));
    await database.query(sql`create trigger note_removed_calls after delete on calls referencing old table as gone for each statement execute function note_removed_calls()`);
    await database.query(sql`insert into aaa_removed_calls values (${alpha.accountId}, 'x'), (${beta.accountId}, 'y')`);
  });
}, 300_000);

afterAll(() => rig?.close());

describe(`account remove --drop-data (${databaseKind})`, () => {
  it('the fixture has rows of both accounts in every account table', async () => {
    await rig.withDb(async (database) => {
      const [a, b] = [await fingerprint(database, alpha.accountId), await fingerprint(database, beta.accountId)];
      const empty = Object.keys(a).filter((t) => a[t]!.rows === 0 || b[t]!.rows === 0);
      expect(empty, 'account tables the fixture leaves empty for one account (make it write some, or the drop is not tested there)').toEqual([]);
      expect(Object.keys(a)).toEqual(expect.arrayContaining(['calls', 'call_changes', 'disposition_days', 'media_archive', 'voicemail_transcripts', 'callbacks', 'managed_accounts', 'accounts']));
      expect(await storedDays(database, alpha.accountId)).toEqual(await rebuiltDays(database, alpha.accountId));
    });
    for (const folder of [...archiveFoldersOf(archiveDir, alpha.accountId), ...archiveFoldersOf(archiveDir, beta.accountId)]) expect(existsSync(folder), folder).toBe(true);
  });

  it('is one transaction: a delete that fails half way leaves everything as it was', async () => {
    const before = await rig.withDb(async (database) => {
      await database.query(sql.raw(`create function refuse_delete() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`));
      await database.query(sql`create trigger refuse_delete before delete on voicemails for each statement execute function refuse_delete()`);
      return fingerprint(database, alpha.accountId);
    });
    const failed = await rig.account(['remove', 'alpha', '--drop-data']);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('refused by the test');
    await rig.withDb(async (database) => {
      expect(await fingerprint(database, alpha.accountId)).toEqual(before);
      await database.query(sql`drop trigger refuse_delete on voicemails`);
    });
  });

  it('deletes every row of the account in every account table, keeps the other account\'s exactly, and its archived audio', async () => {
    const keys = await rig.withDb((database) => database.query<{ name: string; key: string }>(sql`select name, credential_key as key from managed_accounts order by 1`));
    const [alphaKey, betaKey] = keys.map((k) => k.key) as [string, string];
    const { betaBefore, betaCredentialRows } = await rig.withDb(async (database) => {
      const alphaRows = await credentialRows(database, alphaKey);
      expect(alphaRows.auth_sessions).toBe(1);
      expect(alphaRows.rate_ledger, 'the groups its syncs reserved in (PostgreSQL) or the fixture\'s one').toBeGreaterThanOrEqual(1);
      return { betaBefore: await fingerprint(database, beta.accountId), betaCredentialRows: await credentialRows(database, betaKey) };
    });
    const dropped = await rig.account(['remove', 'alpha', '--drop-data']);
    expect(dropped.stderr).toBe('');
    expect(dropped.status).toBe(0);
    expect(dropped.stdout).toMatch(new RegExp(`^removed account "alpha" \\(RingCentral account ${alpha.accountId}\\), its stored session and its data: .*\\bcalls 150\\b.* deleted$`, 'm'));
    for (const folder of archiveFoldersOf(archiveDir, alpha.accountId)) {
      expect(dropped.stdout).toContain(`deleted the archived audio in ${folder}\n`);
      expect(existsSync(folder)).toBe(false);
    }
    for (const folder of archiveFoldersOf(archiveDir, beta.accountId)) expect(existsSync(folder)).toBe(true);

    await rig.withDb(async (database) => {
      const alphaAfter = await fingerprint(database, alpha.accountId);
      expect(Object.entries(alphaAfter).filter(([, f]) => f.rows > 0).map(([t]) => t)).toEqual([]);
      expect(await fingerprint(database, beta.accountId)).toEqual(betaBefore);
      // The triggers' tables are consistent: beta's counts are what its calls make, and no stray bucket
      // (e.g. a negative one) or feed row of alpha is left anywhere.
      expect(await storedDays(database, beta.accountId)).toEqual(await rebuiltDays(database, beta.accountId));
      expect(await database.query(sql`select account_id from disposition_days where account_id <> ${beta.accountId} or calls <= 0`)).toEqual([]);
      expect(await database.query(sql`select account_id from call_changes where account_id <> ${beta.accountId}`)).toEqual([]);
      // Its session and rate budget are gone from every table kept per credential; beta's stay.
      expect(Object.values(await credentialRows(database, alphaKey)).filter((n) => n > 0)).toEqual([]);
      expect(await credentialRows(database, betaKey)).toEqual(betaCredentialRows);
    });
    const list = await rig.account(['list', '--json']);
    expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((a) => a.name)).toEqual(['beta']);
  });

  it('--keep-data keeps every row, and the account added again under a new name continues them', async () => {
    const before = await rig.withDb((database) => fingerprint(database, beta.accountId));
    const kept = await rig.account(['remove', 'beta', '--keep-data']);
    expect(kept.status, kept.stderr).toBe(0);
    const after = await rig.withDb((database) => fingerprint(database, beta.accountId));
    expect({ ...after, managed_accounts: undefined }).toEqual({ ...before, managed_accounts: undefined });
    expect(after.managed_accounts!.rows).toBe(0);
    const again = await rig.account(addFlags(rig, beta, 'beta-renamed'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('\n  its 120 calls already in this database (kept by an earlier remove, or synced with RC_*) are continued, not read again\n');
  });
});
