import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { sourceCliArgs } from '../helpers/cli.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history } from '../helpers/harness.ts';
import { overlappingClaims, passLog, startAccountsRig, syncedAccounts, waitFor, type AccountsRig } from './rig.ts';

const DAY = 86_400_000;
const LEASE_SECONDS = 3;
const ACCOUNTS = ['k-0', 'k-1', 'k-2'];

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The database a child process and this test share: a fresh PostgreSQL database, or a PGlite data directory. */
async function sharedDatabase(): Promise<{ url: string | undefined; dataDir: string | undefined; open(): Promise<Database> }> {
  const url = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
  const dataDir = url ? undefined : mkdtempSync(path.join(tmpdir(), 'callsync-worker-kill-'));
  cleanups.push(() => (url ? dropPostgresDatabase(url) : rmSync(dataDir!, { recursive: true, force: true })));
  return { url, dataDir, open: () => openDatabase({ url, dataDir: dataDir && path.join(dataDir, 'pgdata') }) };
}

/** Three simulated accounts on a shared database, whose slow pages put a signal in the middle of every call log. */
async function accountsFor(seed: number): Promise<{ shared: Awaited<ReturnType<typeof sharedDatabase>>; rig: AccountsRig }> {
  const shared = await sharedDatabase();
  const database = await shared.open();
  if (shared.url) cleanups.push(() => database.close());
  await migrate(database);
  const rig = await startAccountsRig(database, shared.url, { SYNC_PAGE_SIZE: '25' });
  cleanups.push(() => rig.close());
  for (const [i, name] of ACCOUNTS.entries()) {
    const sim = await rig.addAccount(name, { seed: seed + i, history: history(500, 2, DAY) });
    sim.faults.set({ slow: { ms: 40, group: 'Heavy' } });
  }
  if (!shared.url) await database.close(); // PGlite: the child opens the data directory alone
  return { shared, rig };
}

/** `callsync worker --id child` in a child process, on the rig's database. */
function startChild(rig: AccountsRig, dataDir: string | undefined) {
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...rig.env, LOG_LEVEL: 'info', ...(dataDir ? { CALLSYNC_DATA_DIR: dataDir } : {}) };
  const child = spawn(process.execPath, sourceCliArgs(['worker', '--id', 'child', '--lease', String(LEASE_SECONDS), '--poll', '1', '--concurrency', '4']), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
  cleanups.push(() => void child.kill('SIGKILL'));
  const heavy = (name: string) => rig.sims.get(name)!.stats().requests.Heavy;
  return {
    process: child,
    exited,
    output: () => output,
    /** Resolves once the child is some pages into every account's call log. */
    midway: () => waitFor(`the child to be mid-way through every account's call log (its output: ${output})`, async () => ACCOUNTS.every((n) => heavy(n) >= 4)),
  };
}

describe(`a killed worker's accounts move on to another worker (${databaseKind})`, () => {
  it('SIGKILL mid-pass: its leases run out, another worker takes the accounts over, and every call is there once', async () => {
    const { shared, rig } = await accountsFor(200);
    let database = rig.database;

    const child = startChild(rig, shared.dataDir);
    await child.midway();
    const killedAt = Date.now();
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    if (!shared.url) database = await shared.open();
    cleanups.push(() => (shared.url ? undefined : database.close()));
    // The kill came mid-pass: no account has all its calls yet.
    for (const name of ACCOUNTS) {
      const sim = rig.sims.get(name)!;
      const [row] = await database.query<{ n: number }>(sql`select count(*)::int as n from calls where account_id = ${sim.accountId}`);
      expect(row!.n).toBeLessThan(sim.truth().calls.length);
    }
    for (const sim of rig.sims.values()) sim.faults.clear();
    await rig.worker('taker', { leaseTtlMs: LEASE_SECONDS * 1000 }, database);
    await waitFor('the taker to sync every account', async () => (await syncedAccounts(database)).length === ACCOUNTS.length);
    await rig.close();

    const log = await passLog(database);
    const childPasses = log.filter((p) => p.worker_id === 'child');
    // Every account was held by the child when it died; each such claim ends when its lease ran out, at
    // most one lease after the kill (the last renewal came before it), and before the taker's claim.
    expect(childPasses.map((p) => [p.account_name, p.outcome])).toEqual(ACCOUNTS.map((n) => [n, 'expired']));
    for (const p of childPasses) {
      expect(p.ended_ms!).toBeLessThanOrEqual(killedAt + LEASE_SECONDS * 1000 + 50);
      const taken = log.find((q) => q.account_name === p.account_name && q.worker_id === 'taker')!;
      expect(taken.claimed_ms).toBeGreaterThanOrEqual(p.ended_ms!);
    }
    expect(await overlappingClaims(database)).toBe(0);
    for (const name of ACCOUNTS) await expectDatabaseEqualsTruth({ sim: rig.sims.get(name)!, testDb: { database } });
    const [runs] = await database.query<{ running: number }>(sql`select count(*) filter (where outcome = 'running')::int as running from sync_runs`);
    expect(runs!.running).toBe(0);
  });

  it('SIGTERM: stops at a page boundary, lets go of every account (due at once) and exits 0', async () => {
    const { shared, rig } = await accountsFor(300);
    const child = startChild(rig, shared.dataDir);
    await child.midway();
    child.process.kill('SIGTERM');
    expect(await child.exited, child.output()).toBe(0);
    expect(child.output()).toMatch(/worker stopped cleanly/);

    const database = shared.url ? rig.database : await shared.open();
    cleanups.push(() => (shared.url ? undefined : database.close()));
    const leases = await database.query<{ account_name: string; owner: string | null; free: boolean; due: boolean; last_outcome: string }>(sql`
      select account_name, owner, expires_at <= now() as free, due_at <= now() as due, last_outcome from sync_leases order by account_name`);
    expect(leases).toEqual(ACCOUNTS.map((account_name) => ({ account_name, owner: null, free: true, due: true, last_outcome: 'stopped' })));
    expect((await passLog(database)).map((p) => p.outcome)).toEqual(ACCOUNTS.map(() => 'stopped'));
    const [runs] = await database.query<{ running: number; aborted: number }>(sql`
      select count(*) filter (where outcome = 'running')::int as running, count(*) filter (where outcome = 'aborted')::int as aborted from sync_runs`);
    expect(runs).toEqual({ running: 0, aborted: ACCOUNTS.length });
  });
});
