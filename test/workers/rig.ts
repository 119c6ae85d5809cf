import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { insertManagedAccount } from '../../src/store/managed-accounts.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { credentialKey } from '../../src/main.ts';
import { accountsKeyring } from '../../src/secrets/keys.ts';
import type { SecretKeyring } from '../../src/secrets/box.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { AccountApps, processBudgets } from '../../src/workers/account-apps.ts';
import { startWorker, type RunningWorker, type WorkerSettings } from '../../src/workers/worker.ts';
import { FAST_RETRY } from '../helpers/harness.ts';

/** Settings short enough for tests: a 3 s lease renewed every second, a 200 ms poll. */
export const TEST_WORKER: Omit<WorkerSettings, 'id'> = { concurrency: 3, leaseTtlMs: 3_000, renewEveryMs: 1_000, pollMs: 200, sliceMs: 300_000, backoff: { baseMs: 300, capMs: 2_000, lockedCapMs: 500 } };

/** Simulated companies added as managed accounts of one database, and in-process workers syncing them. */
export interface AccountsRig {
  database: Database;
  /** Its URL on PostgreSQL (undefined on PGlite: one handle in this process). */
  url: string | undefined;
  config: Config;
  keyring: SecretKeyring;
  /** The environment of a `callsync worker` child on this database (PostgreSQL) with these keys. */
  env: Record<string, string>;
  sims: Map<string, Simulator>;
  /** Starts a simulated company and adds it as account `name` (a wrong JWT when `badJwt`). */
  addAccount(name: string, sim: SimulatorOptions, options?: { badJwt?: boolean }): Promise<Simulator>;
  /**
   * A worker in this process. On PostgreSQL it opens database handles of its own, as another process would;
   * on PGlite it shares the rig's handle (or `on`, one opened since).
   */
  worker(id: string, settings?: Partial<WorkerSettings>, on?: Database): Promise<RunningWorker>;
  close(): Promise<void>;
}

export async function startAccountsRig(database: Database, url: string | undefined, env: Record<string, string> = {}): Promise<AccountsRig> {
  const secret = randomBytes(32).toString('base64');
  const baseEnv = { CALLSYNC_SECRET_KEY: secret, SYNC_BACKFILL_DAYS: '4', SYNC_PAGE_SIZE: '50', LOG_LEVEL: 'silent', ...env, ...(url ? { DATABASE_URL: url } : {}) };
  const config = loadConfig(baseEnv, { accounts: 'none' });
  const keyring = accountsKeyring(config, silentLogger);
  const sims = new Map<string, Simulator>();
  const workers: RunningWorker[] = [];
  const handles: Database[] = [];
  return {
    database, url, config, keyring, sims,
    env: baseEnv,
    async addAccount(name, options, { badJwt = false } = {}) {
      const sim = await startSimulator({ rateLimits: false, ...options });
      sims.set(name, sim);
      const credentials = { serverUrl: sim.url, ...sim.credentials, ...(badJwt ? { jwt: 'not-the-jwt' } : {}) };
      await insertManagedAccount(database.db, keyring, { name, accountId: badJwt ? null : sim.accountId, credentials, credentialKey: credentialKey(credentials) });
      return sim;
    },
    async worker(id, settings = {}, on = database) {
      const own = url ? await openDatabase({ url, maxConnections: 8 }) : on;
      const control = url ? await openDatabase({ url, maxConnections: 2 }) : on;
      if (url) handles.push(own, control);
      const apps = new AccountApps({ config, database: own, keyring, logger: silentLogger, budgetFor: processBudgets(false), retry: FAST_RETRY });
      const worker = startWorker({ control, open: (name) => apps.open(name), defaultSchedule: config.sync.schedule, logger: silentLogger }, { ...TEST_WORKER, id, ...settings });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(handles.map((h) => h.close()));
      await Promise.all([...sims.values()].map((s) => s.close()));
    },
  };
}

/** Polls `check` until it holds (tests wait on outcomes, never on durations). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PassRow {
  account_name: string;
  worker_id: string;
  token: string;
  outcome: string | null;
  error: string | null;
  claimed_ms: number;
  ended_ms: number | null;
}

/** The pass log, oldest claim first per account. */
export async function passLog(database: Database): Promise<PassRow[]> {
  return database.query<PassRow>(sql`
    select account_name, worker_id, token::text as token, outcome, error,
      (extract(epoch from claimed_at) * 1000)::float8 as claimed_ms, (extract(epoch from ended_at) * 1000)::float8 as ended_ms
    from account_passes order by account_name, claimed_at, id`);
}

/** Pairs of claims of one account whose intervals overlap (an open claim runs to infinity): must be none. */
export async function overlappingClaims(database: Database): Promise<number> {
  const [row] = await database.query<{ n: number }>(sql`
    select count(*)::int as n from account_passes a join account_passes b on a.account_name = b.account_name and a.id < b.id
    where tstzrange(a.claimed_at, coalesce(a.ended_at, 'infinity'), '[)') && tstzrange(b.claimed_at, coalesce(b.ended_at, 'infinity'), '[)')`);
  return row!.n;
}

/** Accounts that have had a whole pass. */
export async function syncedAccounts(database: Database): Promise<string[]> {
  const rows = await database.query<{ account_name: string }>(sql`select account_name from sync_leases where last_success_at is not null order by account_name`);
  return rows.map((r) => r.account_name);
}
