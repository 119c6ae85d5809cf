import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history } from '../helpers/harness.ts';
import { overlappingClaims, passLog, startAccountsRig, syncedAccounts, waitFor, type AccountsRig } from './rig.ts';

const DAY = 86_400_000;
let testDb: TestDatabase | undefined;
let rig: AccountsRig | undefined;

async function setUp(env: Record<string, string> = {}): Promise<AccountsRig> {
  testDb = await createTestDatabase();
  rig = await startAccountsRig(testDb.database, testDb.url, env);
  return rig;
}

afterEach(async () => {
  await rig?.close();
  await testDb?.drop();
  rig = testDb = undefined;
});

const names = (n: number, prefix = 'acct') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

describe(`callsync workers share the managed accounts through the database (${databaseKind})`, () => {
  it('two workers sync ten accounts: each account synced to its truth, never held by both at once', async () => {
    const r = await setUp();
    const accounts = names(10);
    // Histories ending a day ago: no call's voicemail window is still open, so one pass settles everything;
    // two days long, they lie well inside SYNC_BACKFILL_DAYS (4).
    for (const [i, name] of accounts.entries()) await r.addAccount(name, { seed: 100 + i, history: history(40, 2, DAY) });
    await Promise.all([r.worker('w1'), r.worker('w2')]);
    await waitFor('every account synced', async () => (await syncedAccounts(r.database)).length === accounts.length);
    await rig!.close();

    for (const name of accounts) await expectDatabaseEqualsTruth({ sim: r.sims.get(name)!, testDb: { database: r.database } });
    expect(await overlappingClaims(r.database)).toBe(0);
    const log = await passLog(r.database);
    expect(log.filter((p) => p.ended_ms === null)).toEqual([]);
    expect(new Set(log.map((p) => p.worker_id))).toEqual(new Set(['w1', 'w2']));
    // Tokens grow by one per claim of an account: every claim is in the log.
    for (const name of accounts) {
      const tokens = log.filter((p) => p.account_name === name).map((p) => Number(p.token));
      expect(tokens).toEqual(tokens.map((_, i) => i + 1));
    }
    const [leases] = await r.database.query<{ held: number; failing: number }>(sql`
      select count(*) filter (where expires_at > now())::int as held, count(*) filter (where attempts > 0)::int as failing from sync_leases`);
    expect(leases).toEqual({ held: 0, failing: 0 });
  });

  it('a worker whose lease was taken writes no page after it, and stops (fence)', async () => {
    const r = await setUp();
    const sim = await r.addAccount('victim', { seed: 7, history: history(600, 2, DAY) });
    sim.faults.set({ slow: { ms: 40 } });
    // Renewals far apart: the heartbeat does not notice in time, the fence in the next page does.
    await r.worker('holder', { leaseTtlMs: 120_000, renewEveryMs: 60_000 });
    await waitFor('the pass to have written pages', async () => (await countCalls(r, sim.accountId)) > 0);

    // Taken as a claimer takes it: FOR UPDATE waits for a page transaction in flight (the fence's lock).
    await r.database.query(sql`
      with c as (select account_name from sync_leases where account_name = 'victim' for update)
      update sync_leases l set owner = 'thief', token = l.token + 1, expires_at = now() + interval '1 hour' from c where l.account_name = c.account_name`);
    const callsAtTheft = await countCalls(r, sim.accountId);
    const stateAtTheft = await callLogState(r, sim.accountId);

    await waitFor('the holder to stop', async () => (await passLog(r.database)).some((p) => p.outcome === 'lost'));
    expect(await countCalls(r, sim.accountId)).toBe(callsAtTheft);
    expect(await callLogState(r, sim.accountId)).toEqual(stateAtTheft);
    expect(callsAtTheft).toBeLessThan(sim.truth().calls.length);
    const [lease] = await r.database.query<{ owner: string; expired: boolean }>(sql`select owner, expires_at <= now() as expired from sync_leases where account_name = 'victim'`);
    expect(lease).toEqual({ owner: 'thief', expired: false });
    const [run] = await r.database.query<{ outcome: string }>(sql`select outcome from sync_runs where account_id = ${sim.accountId} and stream = 'call-log' order by id desc limit 1`);
    expect(run!.outcome).toBe('aborted');
  });

  it('an account whose credentials fail backs off, recording the error; the others are synced meanwhile', async () => {
    const r = await setUp();
    await r.addAccount('bad', { seed: 3, history: history(20, 2, DAY) }, { badJwt: true });
    for (const [i, name] of names(3, 'good').entries()) await r.addAccount(name, { seed: 40 + i, history: history(30, 2, DAY) });
    await r.worker('w1', { concurrency: 2 });
    await waitFor('three failures in a row and the others synced', async () => {
      const [bad] = await r.database.query<{ attempts: number }>(sql`select attempts from sync_leases where account_name = 'bad'`);
      return (bad?.attempts ?? 0) >= 3 && (await syncedAccounts(r.database)).length === 3;
    });
    await rig!.close();

    expect(await syncedAccounts(r.database)).toEqual(['good-00', 'good-01', 'good-02']);
    const [bad] = await r.database.query<{ attempts: number; last_error: string; last_error_code: string; outcome: string; delay_ms: number }>(sql`
      select attempts, last_error, last_error_code, last_outcome as outcome,
        (extract(epoch from due_at - last_ended_at) * 1000)::float8 as delay_ms
      from sync_leases where account_name = 'bad'`);
    expect(bad).toMatchObject({ outcome: 'error', last_error_code: 'OAU-140' });
    expect(bad!.last_error).toMatch(/Invalid resource owner credentials/);
    // The backoff of the test policy (300 ms doubling, 2 s cap, ±25 %), as due_at records it.
    const expected = Math.min(2_000, 300 * 2 ** (bad!.attempts - 1));
    expect(bad!.delay_ms).toBeGreaterThanOrEqual(expected * 0.75 - 1);
    expect(bad!.delay_ms).toBeLessThanOrEqual(expected * 1.25 + 1);
    const errors = (await passLog(r.database)).filter((p) => p.account_name === 'bad');
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.every((p) => p.outcome === 'error' && /OAU-140|Invalid resource owner/.test(p.error ?? ''))).toBe(true);
  });

  it('a long backfill is sliced: the other accounts are synced between its slices', async () => {
    const r = await setUp();
    // "a-big" sorts first, so it is claimed first; its requests are slow, so its backfill outlasts many
    // slices, while a small account needs one or two: each slice of a-big sends it behind those due before.
    const big = await r.addAccount('a-big', { seed: 11, history: history(500, 2, DAY) });
    big.faults.set({ slow: { ms: 60 } });
    const small = names(4, 'small');
    for (const [i, name] of small.entries()) await r.addAccount(name, { seed: 60 + i, history: history(20, 2, DAY) });
    await r.worker('w1', { concurrency: 1, sliceMs: 1_000 });
    await waitFor('every account synced', async () => (await syncedAccounts(r.database)).length === 5);
    await rig!.close();

    const log = await passLog(r.database);
    const firstSuccess = (name: string) => log.find((p) => p.account_name === name && p.outcome === 'success')!;
    const bigDone = firstSuccess('a-big');
    expect(log[0]!.account_name).toBe('a-big');
    expect(log.filter((p) => p.account_name === 'a-big' && p.outcome === 'sliced').length).toBeGreaterThanOrEqual(2);
    for (const name of small) expect(firstSuccess(name).ended_ms!).toBeLessThan(bigDone.claimed_ms);
    await expectDatabaseEqualsTruth({ sim: big, testDb: { database: r.database } });
  });
});

async function countCalls(r: AccountsRig, accountId: string): Promise<number> {
  const [row] = await r.database.query<{ n: number }>(sql`select count(*)::int as n from calls where account_id = ${accountId}`);
  return row!.n;
}

async function callLogState(r: AccountsRig, accountId: string): Promise<unknown> {
  const [row] = await r.database.query<{ cursor: unknown; updated_at: string }>(sql`select cursor, updated_at::text from sync_state where account_id = ${accountId} and stream = 'call-log'`);
  return row;
}
