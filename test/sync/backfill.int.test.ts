import { afterEach, describe, expect, it } from 'vitest';
import { backfill, syncAll } from '../../src/main.ts';
import { readSyncState } from '../../src/store/sync-state.ts';
import { parseCallLogCursor } from '../../src/sync/call-log-cursor.ts';
import { databaseKind } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history, startHarness, type Harness } from '../helpers/harness.ts';
import { recording } from '../helpers/recording-api.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const success = <T extends { outcome: string; error?: string | undefined }>(run: T | undefined): T => {
  expect(run?.error).toBeUndefined();
  expect(run?.outcome).toBe('success');
  return run!;
};

describe(`backfills read their period in as few Heavy requests as the records need (${databaseKind})`, () => {
  it('the first sync of an empty database reads 2,300 calls over 7 days in ⌈records/1000⌉ + 1 Heavy requests (the +1: the fast-path token)', async () => {
    harness = await startHarness({ seed: 51, history: history(2300, 6.9) }, { SYNC_BACKFILL_DAYS: '7', SYNC_PAGE_SIZE: '1000' });
    const { app, recorded } = recording(await harness.app());
    const run = success((await syncAll(app, { streams: ['call-log'] }))[0]);
    await expectDatabaseEqualsTruth(harness);
    const records = harness.sim.truth().calls.length;
    expect(records).toBeGreaterThan(2000);
    expect(run.requests.Heavy).toBeLessThanOrEqual(Math.ceil(records / 1000) + 1);
    // One window over the whole period, paged: no request per fixed-size window.
    expect(new Set(recorded.callLogPages.map((q) => `${q.dateFrom.toISOString()}..${q.dateTo.toISOString()}`)).size).toBe(1);
    expect(recorded.callLogPages.map((q) => q.page)).toEqual([1, 2, 3]);
  });

  it('`backfill` of 3,000+ calls (several pages) takes ⌈records/1000⌉ Heavy requests, with a progress fraction that climbs to 1', async () => {
    harness = await startHarness({ seed: 52, history: history(3400, 5, HOUR) }, { SYNC_PAGE_SIZE: '1000' });
    const app = await harness.app();
    const fractions: number[] = [];
    const [scan] = await backfill(app, new Date(Date.now() - 6 * DAY), undefined, { onProgress: (p) => p.stream === 'call-log-backfill' && fractions.push(p.fraction ?? -1) });
    success(scan);
    await expectDatabaseEqualsTruth(harness);
    const records = harness.sim.truth().calls.length;
    expect(records).toBeGreaterThan(3000);
    expect(scan!.requests.Heavy).toBeLessThanOrEqual(Math.ceil(records / 1000) + 1);
    expect(fractions).toHaveLength(scan!.requests.Heavy);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.filter((f) => f > 0 && f < 1).length).toBeGreaterThan(1);
  });

  it('when RingCentral refuses deep pages, the window narrows to the oldest call read and nothing is lost', async () => {
    harness = await startHarness({ seed: 53, history: history(450, 3) }, { SYNC_PAGE_SIZE: '100' });
    const { app, recorded } = recording(await harness.app(), { refusePagesAbove: 2 });
    success((await backfill(app, new Date(Date.now() - 4 * DAY), undefined))[0]);
    await expectDatabaseEqualsTruth(harness);
    const records = harness.sim.truth().calls.length;
    expect(recorded.refusedPages).toBeGreaterThanOrEqual(2);
    expect(recorded.callLogPages.every((q) => q.page <= 2)).toBe(true);
    // Each narrowing costs the refused request and at most one more page.
    expect(recorded.callLogPages.length).toBeLessThanOrEqual(Math.ceil(records / 100) + recorded.refusedPages);
  });
});

describe(`the regular sync after a backfill does not read the backfilled period again (${databaseKind})`, () => {
  it('reads only what came after the backfill, and its token (from where the backfill stopped) brings the edits made since', async () => {
    harness = await startHarness(
      { seed: 54, history: history(600, 3), late: { heldFraction: 0, modifiedFraction: 0.15, deletedFraction: 0.05 } },
      { SYNC_LOOKBACK_HOURS: '1', SYNC_PAGE_SIZE: '1000' },
    );
    const base = await harness.app();
    success((await backfill(base, new Date(Date.now() - 5 * DAY), undefined))[0]);
    const covered = parseCallLogCursor((await readSyncState(base.database.db, base.accountId, 'call-log-backfill'))?.cursor).covered!;
    expect(covered).toBeDefined();
    // Older calls change while the first sync has not run yet; it runs two hours later.
    harness.sim.release();
    const { app, recorded } = recording(base);
    const later = () => new Date(Date.now() + 2 * HOUR);
    const run = success((await syncAll(app, { streams: ['call-log'], now: later }))[0]);
    expect(recorded.callLogPages.length).toBeGreaterThan(0);
    for (const q of recorded.callLogPages) expect(q.dateFrom.getTime()).toBeGreaterThanOrEqual(Date.parse(covered.to));
    expect(run.requests.Heavy).toBe(recorded.callLogPages.length + recorded.extractSyncs.length);
    expect(run.requests.Heavy).toBe(2);
    await expectDatabaseEqualsTruth(harness);
    const state = await readSyncState(base.database.db, base.accountId, 'call-log');
    expect(state?.syncToken).toBeTruthy();
    expect(state?.cursor).toBeNull();
  });

  it('after a backfill shorter than SYNC_BACKFILL_DAYS, reads only the days before it and the time after it', async () => {
    harness = await startHarness({ seed: 55, history: history(400, 3.5) }, { SYNC_BACKFILL_DAYS: '4', SYNC_FAST_PATH: 'off' });
    const base = await harness.app();
    success((await backfill(base, new Date(Date.now() - 2 * DAY), undefined))[0]);
    const covered = parseCallLogCursor((await readSyncState(base.database.db, base.accountId, 'call-log-backfill'))?.cursor).covered!;
    const { app, recorded } = recording(base);
    success((await syncAll(app, { streams: ['call-log'] }))[0]);
    const windows = [...new Set(recorded.callLogPages.map((q) => `${q.dateFrom.toISOString()}..${q.dateTo.toISOString()}`))];
    expect(windows).toHaveLength(2);
    for (const q of recorded.callLogPages) {
      const overlaps = q.dateFrom.getTime() < Date.parse(covered.to) && q.dateTo.getTime() > Date.parse(covered.from);
      expect(overlaps).toBe(false);
    }
    await expectDatabaseEqualsTruth(harness);
  });
});
