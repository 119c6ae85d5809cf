import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll } from '../../src/main.ts';
import { databaseKind } from '../helpers/database.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/**
 * Nothing falls between two windows: a first call-log backfill slowed down (a fault storm) must not move
 * the mailboxes' first reads later. Both start at the account's one coverage instant, so the voicemails
 * of the backfill's first minutes — including those no call names — are read.
 */
const MIN = 60_000;
const DAY = 1440 * MIN;
let clock = Math.floor(Date.now() / MIN) * MIN;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(
    { seed: 74, clock: () => clock, history: { from: new Date(clock - 2 * DAY), to: new Date(clock), calls: 6_000 } },
    { SYNC_BACKFILL_DAYS: '1', SYNC_PAGE_SIZE: '1000' },
  );
}, 120_000);

afterAll(() => harness?.close());

describe(`the first reads of the mailboxes (${databaseKind})`, () => {
  it('start where the call log\'s backfill started, however long that backfill took', async () => {
    const app = await harness.app();
    const backfillStart = clock - DAY;
    // The call log's first pass, then the rest of the pass 30 minutes later.
    for (const r of await syncAll(app, { streams: ['extensions', 'call-log'], now: () => new Date(clock) })) expect(r.error).toBeUndefined();
    clock += 30 * MIN;
    for (const r of await syncAll(app, { now: () => new Date(clock) })) expect(r.error).toBeUndefined();

    const [coverage] = await harness.testDb.database.query<{ t: string }>(sql`select coverage_from::text as t from accounts`);
    expect(Date.parse(coverage!.t)).toBe(backfillStart);
    const early = harness.sim.truth().messages.filter((m) => {
      const created = Date.parse(m.timeline.created);
      return created >= backfillStart && created < backfillStart + 30 * MIN && m.availability !== 'Purged';
    });
    expect(early.length).toBeGreaterThan(0);
    expect(early.some((m) => m.expected.method !== 'CALL_LOG_REFERENCE')).toBe(true);
    const stored = new Set((await harness.testDb.database.query<{ id: string }>(sql`select id from voicemails where readable`)).map((r) => r.id));
    expect(early.filter((m) => !stored.has(m.id)).map((m) => m.id)).toEqual([]);
  });
});
