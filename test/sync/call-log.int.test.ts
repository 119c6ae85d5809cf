import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { syncAll } from '../../src/main.ts';
import { describeFastPath } from '../../src/sync/status-facts.ts';
import { readSyncState } from '../../src/store/sync-state.ts';
import { parseCallLogCursor } from '../../src/sync/call-log-cursor.ts';
import { EXTRACT_SYNC_RETRY_MS } from '../../src/sync/call-log-fast-path.ts';
import { databaseKind } from '../helpers/database.ts';
import { recording } from '../helpers/recording-api.ts';
import { expectDatabaseEqualsTruth, history, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const callLogRun = (results: Awaited<ReturnType<typeof syncAll>>) => {
  const run = results.find((r) => r.stream === 'call-log')!;
  expect(run.error).toBeUndefined();
  expect(run.outcome).toBe('success');
  return run;
};

describe(`call-log sync through the SDK against the simulator (${databaseKind})`, () => {
  it('a full backfill equals the generator ground truth, in no more requests than pages plus one per window', async () => {
    harness = await startHarness({ seed: 11, history: history(450, 3) }, { SYNC_FAST_PATH: 'off' });
    const app = await harness.app();
    const run = callLogRun(await syncAll(app));
    await expectDatabaseEqualsTruth(harness);
    const visible = harness.sim.truth().calls.length;
    expect(run.inserted).toBe(visible);
    const windows = 4; // SYNC_BACKFILL_DAYS=4 in 24-hour windows
    expect(run.requests.Heavy).toBeLessThanOrEqual(Math.ceil(visible / 100) + windows);
    const state = await readSyncState(app.database.db, app.accountId, 'call-log');
    expect(state?.cursor).toBeNull();
    expect(state?.syncedThrough).toBeInstanceOf(Date);
  });

  it('writes nothing on a second pass over unchanged data', async () => {
    harness = await startHarness({ seed: 12, history: history(200, 2) }, { SYNC_FAST_PATH: 'off', SYNC_LOOKBACK_HOURS: '72' });
    const app = await harness.app();
    callLogRun(await syncAll(app));
    const second = callLogRun(await syncAll(app));
    expect(second).toMatchObject({ inserted: 0, updated: 0 });
    expect(second.unchanged).toBeGreaterThan(0);
  });

  it('a later pass picks up late and modified records, and deleted records become tombstones (window scan)', async () => {
    harness = await startHarness(
      { seed: 13, history: history(400, 2), late: { heldFraction: 0.1, modifiedFraction: 0.15, deletedFraction: 0.05 } },
      { SYNC_FAST_PATH: 'off', SYNC_LOOKBACK_HOURS: '72' },
    );
    const app = await harness.app();
    callLogRun(await syncAll(app));
    await expectDatabaseEqualsTruth(harness);
    harness.sim.release();
    const truth = harness.sim.truth();
    expect(truth.calls.some((c) => c.deleted)).toBe(true);
    const second = callLogRun(await syncAll(app));
    expect(second.inserted).toBeGreaterThan(0);
    expect(second.updated).toBeGreaterThan(0);
    await expectDatabaseEqualsTruth(harness);
    const [tombstones] = await app.database.query<{ n: number }>(sql`select count(*)::int as n from calls where deleted`);
    expect(tombstones!.n).toBe(truth.calls.filter((c) => c.deleted).length);
  });

  it('the extract-sync fast path picks up late and changed records with fewer Heavy requests than a scan', async () => {
    harness = await startHarness(
      { seed: 14, history: history(600, 2), late: { heldFraction: 0.1, modifiedFraction: 0.1, deletedFraction: 0.05 } },
      { SYNC_FAST_PATH: 'extract-sync', SYNC_LOOKBACK_HOURS: '72' },
    );
    const app = await harness.app();
    callLogRun(await syncAll(app));
    const state = await readSyncState(app.database.db, app.accountId, 'call-log');
    expect(state?.syncToken).toBeTruthy();
    harness.sim.release();
    const second = callLogRun(await syncAll(app));
    await expectDatabaseEqualsTruth(harness);
    const scanPages = Math.ceil(harness.sim.truth().calls.length / 100);
    expect(second.requests.Heavy).toBeLessThan(scanPages);
    // ISync carries only syncType and syncToken: the simulator refuses anything undocumented with a 400.
    expect(harness.sim.stats().byStatus['400'] ?? 0).toBe(0);
  });

  it('falls back to the window scan when RingCentral rejects the sync token, and still converges', async () => {
    harness = await startHarness(
      { seed: 15, history: history(300, 2), late: { heldFraction: 0.1, modifiedFraction: 0.1, deletedFraction: 0.05 } },
      { SYNC_FAST_PATH: 'extract-sync', SYNC_LOOKBACK_HOURS: '72' },
    );
    const app = await harness.app();
    callLogRun(await syncAll(app));
    harness.sim.faults.invalidateSyncTokens();
    harness.sim.release();
    const second = callLogRun(await syncAll(app));
    expect(second.requests.Heavy).toBeGreaterThanOrEqual(Math.ceil(harness.sim.truth().calls.length / 100));
    await expectDatabaseEqualsTruth(harness);
    const state = await readSyncState(app.database.db, app.accountId, 'call-log');
    expect(state?.syncToken).toBeTruthy();
  });

  // Edits to calls older than the lookback window reach callsync only through the extract-sync token, so
  // after a stop longer than the lookback the token must carry on from where it stopped, not from now.
  for (const rejected of [false, true]) {
    it(`after two hours down, edits to calls older than the lookback still arrive (token ${rejected ? 'rejected' : 'still valid'})`, async () => {
      harness = await startHarness(
        { seed: 17, history: history(300, 2), late: { heldFraction: 0, modifiedFraction: 0.15, deletedFraction: 0.05 } },
        { SYNC_FAST_PATH: 'extract-sync', SYNC_LOOKBACK_HOURS: '1' },
      );
      const app = await harness.app();
      callLogRun(await syncAll(app, { streams: ['call-log'] }));
      // While callsync is down, older calls change (modified, deleted); two hours pass before it runs again.
      harness.sim.release();
      if (rejected) harness.sim.faults.invalidateSyncTokens();
      const later = () => new Date(Date.now() + 2 * 3_600_000);
      callLogRun(await syncAll(app, { streams: ['call-log'], now: later }));
      await expectDatabaseEqualsTruth(harness);
      const state = await readSyncState(app.database.db, app.accountId, 'call-log');
      expect(state?.syncToken).toBeTruthy();
    });
  }

  it('takes a token from the scan when RingCentral refuses to start one where the rejected token stopped', async () => {
    harness = await startHarness({ seed: 19, history: history(200, 2) }, { SYNC_FAST_PATH: 'extract-sync', SYNC_LOOKBACK_HOURS: '1' });
    const app = await harness.app();
    callLogRun(await syncAll(app, { streams: ['call-log'] }));
    harness.sim.faults.invalidateSyncTokens();
    // How far back a dateFrom may reach is not documented; this RingCentral allows one minute.
    harness.sim.faults.set({ extractSyncMaxLookbackMs: 60_000 });
    const later = () => new Date(Date.now() + 2 * 3_600_000);
    callLogRun(await syncAll(app, { streams: ['call-log'], now: later }));
    expect((await readSyncState(app.database.db, app.accountId, 'call-log'))?.syncToken).toBeTruthy();
  });

  // Not enabled for the account, an endpoint a server does not offer, an outage: the scan carries the pass
  // meanwhile. A refusal is asked about again only a day later; an outage on the next pass.
  for (const status of [403, 501, 503] as const) {
    it(`stays current through the window scan while extract-sync answers ${status}, and keeps the token only through an outage`, async () => {
      harness = await startHarness(
        { seed: 18, history: history(300, 2), late: { heldFraction: 0.1, modifiedFraction: 0.1, deletedFraction: 0.05 } },
        { SYNC_FAST_PATH: 'extract-sync', SYNC_LOOKBACK_HOURS: '72' },
      );
      const app = await harness.app();
      callLogRun(await syncAll(app, { streams: ['call-log'] }));
      const token = (await readSyncState(app.database.db, app.accountId, 'call-log'))?.syncToken;
      harness.sim.faults.set({ extractSyncUnavailable: { status } });
      harness.sim.release();
      callLogRun(await syncAll(app, { streams: ['call-log'] }));
      await expectDatabaseEqualsTruth(harness);
      const state = await readSyncState(app.database.db, app.accountId, 'call-log');
      expect(state?.syncToken ?? null).toBe(status === 503 ? token : null);
      // Once the endpoint answers again, the fast path resumes: after an outage on the next pass, after a
      // refusal once the slow retry is due.
      harness.sim.faults.set({ extractSyncUnavailable: null });
      const retry = status === 503 ? undefined : () => new Date(Date.now() + EXTRACT_SYNC_RETRY_MS + 60_000);
      callLogRun(await syncAll(app, { streams: ['call-log'], ...(retry ? { now: retry } : {}) }));
      expect((await readSyncState(app.database.db, app.accountId, 'call-log'))?.syncToken).toBeTruthy();
    });
  }

  it('a 403 CMN-202 refusal is recorded, shown in status, and asked about again only once a day', async () => {
    harness = await startHarness({ seed: 20, history: history(300, 2) }, { SYNC_FAST_PATH: 'extract-sync', SYNC_LOOKBACK_HOURS: '72' });
    const { app, recorded } = recording(await harness.app());
    const t0 = Date.now();
    const at = (ms: number) => () => new Date(t0 + ms);
    const pass = async (ms: number) => callLogRun(await syncAll(app, { streams: ['call-log'], now: at(ms) }));
    const refusals = () => harness!.sim.stats().byStatus['403'] ?? 0;
    const state = async () => (await readSyncState(app.database.db, app.accountId, 'call-log'))!;
    await pass(0);
    harness.sim.faults.set({ extractSyncUnavailable: { status: 403 } });

    await pass(60_000);
    expect(refusals()).toBe(1);
    const refused = parseCallLogCursor((await state()).cursor).extractSync!;
    expect(refused).toEqual({ since: new Date(t0 + 60_000).toISOString(), at: new Date(t0 + 60_000).toISOString(), status: 403, errorCode: 'CMN-202', retryAt: new Date(t0 + 60_000 + EXTRACT_SYNC_RETRY_MS).toISOString() });
    expect((await state()).syncToken).toBeNull();
    expect(describeFastPath(await state(), 'extract-sync')).toBe(`refused by RingCentral since ${refused.since} with HTTP 403 CMN-202; next try after ${refused.retryAt}`);

    // Passes before the retry is due make no extract-sync request at all: the scan alone.
    const asked = recorded.extractSyncs.length;
    for (const ms of [5 * 60_000, 10 * 60_000, EXTRACT_SYNC_RETRY_MS]) {
      const pages = recorded.callLogPages.length;
      const run = await pass(ms);
      expect(run.requests.Heavy).toBe(recorded.callLogPages.length - pages);
    }
    expect(recorded.extractSyncs.length).toBe(asked);
    expect(refusals()).toBe(1);

    // Due: asked once more, refused again; `since` stays, the next try moves a day on.
    await pass(60_000 + EXTRACT_SYNC_RETRY_MS);
    expect(refusals()).toBe(2);
    const again = parseCallLogCursor((await state()).cursor).extractSync!;
    expect(again.since).toBe(refused.since);
    expect(again.retryAt).toBe(new Date(t0 + 60_000 + 2 * EXTRACT_SYNC_RETRY_MS).toISOString());

    // Enabled meanwhile: found at the next due try, and the refusal is cleared.
    harness.sim.faults.set({ extractSyncUnavailable: null });
    await pass(2 * EXTRACT_SYNC_RETRY_MS);
    expect((await state()).syncToken).toBeNull();
    await pass(60_000 + 2 * EXTRACT_SYNC_RETRY_MS);
    expect((await state()).syncToken).toBeTruthy();
    expect((await state()).cursor).toBeNull();
    expect(describeFastPath(await state(), 'extract-sync')).toMatch(/^on \(extract-sync token of \d{4}-/);
    expect(describeFastPath(await state(), 'off')).toBe('off (SYNC_FAST_PATH=off)');
    await expectDatabaseEqualsTruth(harness);
  });

  it('syncs the extension list: users, call queues and IVR menus', async () => {
    harness = await startHarness({ seed: 16, history: history(10, 1) });
    const app = await harness.app();
    const results = await syncAll(app);
    expect(results.find((r) => r.stream === 'extensions')?.outcome).toBe('success');
    const rows = await app.database.query<{ id: string; type: string; name: string }>(sql`select id, type, name from extensions where account_id = ${app.accountId}`);
    const truth = harness.sim.truth();
    expect(rows.map((r) => r.id).sort()).toEqual(truth.extensions.map((e) => String(e.id)).sort());
    const types = rows.map((r) => r.type);
    for (const type of ['User', 'Department', 'IvrMenu']) expect(types).toContain(type);
  });
});
