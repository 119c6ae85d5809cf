import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, syncAll } from '../../src/main.ts';
import { databaseKind } from '../helpers/database.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/**
 * `callsync backfill` of a period before the account's coverage instant brings that period's voicemails
 * too — those the call log names and those it does not — which the regular passes (reading every mailbox
 * from the coverage instant on) never would.
 */
const MIN = 60_000;
const DAY = 1440 * MIN;
const now = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(
    { seed: 75, clock: () => now, history: { from: new Date(now - 4 * DAY), to: new Date(now), calls: 1_600 } },
    { SYNC_BACKFILL_DAYS: '1', SYNC_PAGE_SIZE: '1000' },
  );
}, 120_000);

afterAll(() => harness?.close());

describe(`backfill of an earlier period (${databaseKind})`, () => {
  it('stores the voicemails of its calls, named or not, and moves the coverage instant back', async () => {
    const app = await harness.app();
    for (const r of await syncAll(app, { now: () => new Date(now) })) expect(r.error).toBeUndefined();
    const from = new Date(now - 3 * DAY);
    const results = await backfill(app, from, undefined, { now: () => new Date(now) });
    for (const r of results) expect(r.error, r.stream).toBeUndefined();
    expect(results.map((r) => r.stream)).toEqual(['call-log-backfill', 'voicemails-backfill', 'derive']);

    const truth = harness.sim.truth();
    const startOf = new Map(truth.calls.map((c) => [c.id, Date.parse(String(c.record.startTime))]));
    const inPeriod = truth.messages.filter((m) => {
      const start = m.leftByCallId ? startOf.get(m.leftByCallId) : undefined;
      return start !== undefined && start >= from.getTime() && start < now - DAY && m.availability !== 'Purged';
    });
    expect(inPeriod.filter((m) => m.expected.method !== 'CALL_LOG_REFERENCE').length).toBeGreaterThan(0);
    const stored = new Set((await harness.testDb.database.query<{ id: string }>(sql`select id from voicemails where readable`)).map((r) => r.id));
    expect(inPeriod.filter((m) => !stored.has(m.id)).map((m) => `${m.id} ${m.tags.join(' ')}`)).toEqual([]);
    const [account] = await harness.testDb.database.query<{ t: string }>(sql`select coverage_from::text as t from accounts`);
    expect(Date.parse(account!.t)).toBe(from.getTime());
    // One list per mailbox the period's calls rang unanswered, and batches for the rest: far below a request per voicemail.
    const light = results.find((r) => r.stream === 'voicemails-backfill')!.requests.Light;
    expect(light).toBeLessThan(inPeriod.length);
  });
});
