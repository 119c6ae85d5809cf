/**
 * The database of one bench:accounts run: created fresh on BENCH_DATABASE_URL's server, migrated, the
 * fleet's accounts added as managed accounts (as `callsync account add` stores them), read back after the
 * run (pass log, final dispositions), and dropped.
 */
import postgres from 'postgres';
import { insertManagedAccount } from '../src/store/managed-accounts.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/logger.ts';
import { credentialKey } from '../src/main.ts';
import { accountsKeyring } from '../src/secrets/keys.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { PASS_LOG, STAND_IN_TABLES, type WorkerMode } from './accounts-contract.ts';
import type { Claim } from './accounts-figures.ts';
import type { FleetAccount } from './accounts-fleet.ts';

export interface BenchDatabase {
  name: string;
  url: string;
  /** The bench's own connection to it (one). */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `callsync_bench_accounts_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let dropped: Promise<void> | undefined;
  return {
    name, url, sql,
    drop: () => (dropped ??= (async () => {
      await sql.end({ timeout: 5 }).catch(() => undefined);
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    })()),
  };
}

export interface AccountSettings {
  schedule: string;
  backfillDays: number;
}

/** Migrates the database and adds every fleet account, credentials sealed with the bench's key. */
export async function addAccounts(db: BenchDatabase, accounts: readonly FleetAccount[], secretKey: string, settings: AccountSettings, mode: WorkerMode): Promise<void> {
  const config = loadConfig({ DATABASE_URL: db.url, CALLSYNC_SECRET_KEY: secretKey, LOG_LEVEL: 'silent' }, { accounts: 'none' });
  const keyring = accountsKeyring(config, silentLogger);
  const database = await openDatabase({ url: db.url });
  try {
    await migrate(database);
    for (const a of accounts) {
      const credentials = { serverUrl: a.url, clientId: a.clientId, clientSecret: a.clientSecret, jwt: a.jwt };
      await insertManagedAccount(database.db, keyring, { name: a.name, accountId: a.accountId, credentials, credentialKey: credentialKey(credentials), ...settings });
    }
  } finally {
    await database.close();
  }
  if (mode === 'stand-in') {
    await db.sql.unsafe(STAND_IN_TABLES);
    await db.sql`insert into bench_stand_in_claims (account, due_at) select name, now() from managed_accounts`;
  }
}

/** The pass log (BENCH_PASS_LOG_SQL overrides the contract's query), times as epoch ms. */
export async function readPassLog(db: BenchDatabase, mode: WorkerMode): Promise<Claim[]> {
  const query = process.env.BENCH_PASS_LOG_SQL || PASS_LOG[mode];
  let rows: Array<{ account: string; worker: string; claimed_at: Date; ended_at: Date | null; outcome: string | null }>;
  try {
    rows = await db.sql.unsafe(query);
  } catch (error) {
    throw new Error(`reading the pass log failed (${(error as Error).message}): adjust PASS_LOG in bench/accounts-contract.ts (or set BENCH_PASS_LOG_SQL) to the worker's pass log table`, { cause: error });
  }
  return rows.map((r) => ({ account: r.account, worker: r.worker, claimedAt: r.claimed_at.getTime(), endedAt: r.ended_at?.getTime() ?? null, outcome: r.outcome }));
}

/**
 * When each call's disposition became final (its row's last change), and why the others are not final
 * yet, keyed "accountName/callId".
 */
export async function dispositions(db: BenchDatabase): Promise<{ finalAt: Map<string, number>; pending: Map<string, string> }> {
  const rows = await db.sql<Array<{ name: string; call_id: string; final: boolean; pending_reason: string | null; at: Date }>>`
    select m.name, d.call_id, d.final, d.pending_reason, d.updated_at as at
    from call_dispositions d join managed_accounts m on m.account_id = d.account_id`;
  const finalAt = new Map<string, number>();
  const pending = new Map<string, string>();
  for (const r of rows) {
    if (r.final) finalAt.set(`${r.name}/${r.call_id}`, r.at.getTime());
    else pending.set(`${r.name}/${r.call_id}`, r.pending_reason ?? 'not final');
  }
  return { finalAt, pending };
}

/** The server processes of the connections to this database now (other than the bench's own): running a statement, waiting on a lock. */
export async function backendsNow(db: BenchDatabase): Promise<Array<{ pid: number; active: boolean; lockWait: boolean }>> {
  return db.sql<Array<{ pid: number; active: boolean; lockWait: boolean }>>`
    select pid, state = 'active' as active, coalesce(wait_event_type = 'Lock', false) as "lockWait"
    from pg_stat_activity where datname = ${db.name} and pid <> pg_backend_pid()`;
}
