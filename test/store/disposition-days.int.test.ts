import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instant } from '../../src/core/instant.ts';
import { upsertCallPage } from '../../src/store/calls.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { writeDispositions } from '../../src/store/derived.ts';
import { migrate } from '../../src/store/migrate.ts';
import { planSummary, summariseDispositions, type SummaryDimension } from '../../src/store/summary.ts';
import { entries, makeCallRecord } from '../builders.ts';
import { createEmptyPostgresDatabase, createTestDatabase, databaseKind, dropPostgresDatabase, testServerUrl, type TestDatabase } from '../helpers/database.ts';
import { migrateUntil } from '../helpers/migrate-until.ts';

/*
 * dispositionSummary answers from the daily aggregate (disposition_days, kept by triggers) plus raw calls at
 * the period's edges. The promise: exactly the answer of counting every call, whatever the writes before it
 * (re-derivation, tombstones, calls moving between days and extensions, several writes in one transaction)
 * and whatever the period and grouping.
 */

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 2, 1);
const ACCOUNTS = ['37439510', '99000001'];
const DISPOSITIONS = ['ANSWERED', 'MISSED', 'VOICEMAIL', 'ABANDONED', 'UNKNOWN'];
const EXTENSIONS = [null, '101', '102'];
const DIMENSIONS: SummaryDimension[] = ['DAY', 'EXTENSION', 'DIRECTION'];

/** What dispositionSummary answered before the aggregate: every call of the period, counted. */
async function countEveryCall(database: Database, from: Date, to: Date, groupBy: readonly SummaryDimension[]) {
  const dims: Record<SummaryDimension, string> = {
    DAY: "to_char(c.start_time at time zone 'UTC', 'YYYY-MM-DD')", EXTENSION: 'd.extension_id', DIRECTION: 'c.direction',
  };
  const by = (d: SummaryDimension) => sql.raw(groupBy.includes(d) ? dims[d] : 'null::text');
  const text = (d: Date) => (d instanceof Instant ? d.exact : d.toISOString());
  return database.query(sql`
    select ${by('DAY')} as day, ${by('EXTENSION')} as extension_id, ${by('DIRECTION')} as direction,
      coalesce(d.disposition, 'UNKNOWN') as disposition, count(*)::int as count,
      coalesce(sum(c.duration_seconds), 0)::bigint::text as total_duration_seconds
    from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
    where c.start_time >= ${text(from)} and c.start_time < ${text(to)} and not c.deleted
    group by 1, 2, 3, 4
    order by 1 nulls first, 2 nulls first, 3 nulls first, 4`);
}

/** The aggregate as the triggers left it, and as counting every call says it should be. */
async function aggregateAndTruth(database: Database) {
  const kept = await database.query(sql`
    select day::text, account_id, extension_id, direction, disposition, calls, duration_seconds::text
    from disposition_days order by 1, 2, 3, 4, 5`);
  const truth = await database.query(sql`
    select (c.start_time at time zone 'UTC')::date::text as day, c.account_id, coalesce(d.extension_id, '') as extension_id,
      coalesce(c.direction, '') as direction, coalesce(d.disposition, 'UNKNOWN') as disposition, count(*)::int as calls,
      coalesce(sum(c.duration_seconds), 0)::bigint::text as duration_seconds
    from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
    where not c.deleted group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`);
  return { kept, truth };
}

// ---------------------------------------------------------------------------------------------------------
// Writes, as the sync and derive steps make them (and a few no code path makes today, for the triggers).
// ---------------------------------------------------------------------------------------------------------

const callIndex = fc.integer({ min: 0, max: 11 });
const accountOf = (i: number) => ACCOUNTS[i % 2]!;
const idOf = (i: number) => `C${i}`;
/** Any instant of the three days around BASE, to the second: few days, so calls share buckets often. */
const instant = fc.integer({ min: -1 * 86_400, max: 2 * 86_400 }).map((s) => BASE + s * 1000);

type Write =
  | { kind: 'call'; i: number; start: number; direction: 'Inbound' | 'Outbound'; duration: number }
  | { kind: 'tombstone'; i: number }
  | { kind: 'derive'; rows: Array<{ i: number; disposition: string; extension: string | null; final: boolean }> }
  | { kind: 'underive'; i: number }
  | { kind: 'purge'; i: number }
  | { kind: 'no-direction'; i: number }
  | { kind: 'no-duration'; i: number };

const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('call' as const), i: callIndex, start: instant, direction: fc.constantFrom('Inbound' as const, 'Outbound' as const), duration: fc.integer({ min: 0, max: 900 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tombstone' as const), i: callIndex }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('derive' as const), rows: fc.uniqueArray(fc.record({ i: callIndex, disposition: fc.constantFrom(...DISPOSITIONS), extension: fc.constantFrom(...EXTENSIONS), final: fc.boolean() }), { selector: (r) => r.i, minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('underive' as const), i: callIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('purge' as const), i: callIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('no-direction' as const), i: callIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('no-duration' as const), i: callIndex }) },
);

let version = 0;

async function apply(database: Database, transactions: Write[][]): Promise<void> {
  for (const writes of transactions) {
    await database.db.transaction(async (tx) => {
      for (const w of writes) {
        if (w.kind === 'call') {
          // A later lastModifiedTime each time: the store refuses to overwrite a newer version with an older one.
          const record = makeCallRecord({ id: idOf(w.i), startTime: new Date(w.start).toISOString(), direction: w.direction, duration: w.duration, lastModifiedTime: new Date(BASE + 30 * DAY + ++version * 1000).toISOString() });
          await upsertCallPage(tx, accountOf(w.i), entries(record));
        } else if (w.kind === 'tombstone') {
          await upsertCallPage(tx, accountOf(w.i), [{ kind: 'tombstone', id: idOf(w.i) }]);
        } else if (w.kind === 'derive') {
          for (const account of ACCOUNTS) {
            await writeDispositions(tx, account, w.rows.filter((r) => accountOf(r.i) === account).map((r) => ({
              callId: idOf(r.i), disposition: r.disposition, reason: 'test', ruleId: 'test', extensionId: r.extension,
              ringSeconds: null, talkSeconds: null, final: r.final, pendingReason: null, ruleVersion: 't1',
            })));
          }
        } else if (w.kind === 'underive') {
          await tx.execute(sql`delete from call_dispositions where account_id = ${accountOf(w.i)} and call_id = ${idOf(w.i)}`);
        } else if (w.kind === 'purge') {
          // No code path deletes a call today (RingCentral's deletions are tombstones); the trigger is there for one.
          await tx.execute(sql`delete from call_legs where account_id = ${accountOf(w.i)} and call_id = ${idOf(w.i)}`);
          await tx.execute(sql`delete from recordings where account_id = ${accountOf(w.i)} and call_id = ${idOf(w.i)}`);
          await tx.execute(sql`delete from calls where account_id = ${accountOf(w.i)} and id = ${idOf(w.i)}`);
        } else if (w.kind === 'no-direction') {
          await tx.execute(sql`update calls set direction = null where account_id = ${accountOf(w.i)} and id = ${idOf(w.i)}`);
        } else {
          await tx.execute(sql`update calls set duration_seconds = null where account_id = ${accountOf(w.i)} and id = ${idOf(w.i)}`);
        }
      }
    });
  }
}

async function clear(database: Database): Promise<void> {
  await database.query(sql`delete from call_legs`);
  await database.query(sql`delete from recordings`);
  await database.query(sql`delete from call_dispositions`);
  await database.query(sql`delete from calls`);
}

/** A period: midnights, whole seconds and microseconds past either, to land on and next to day boundaries. */
const bound = fc.oneof(
  fc.integer({ min: -2, max: 3 }).map((d) => new Date(BASE + d * DAY)),
  instant.map((t) => new Date(t)),
  fc.tuple(fc.integer({ min: -2, max: 3 }), fc.constantFrom(-1, 1), fc.integer({ min: 0, max: 999 })).map(([d, side, micros]) =>
    side > 0 ? new Instant(BASE + d * DAY, micros) : new Instant(BASE + d * DAY - 1, micros)),
);
const query = fc.record({
  now: bound,
  bounds: fc.tuple(bound, bound).filter(([a, b]) => a.getTime() !== b.getTime()).map(([a, b]) => (a < b ? [a, b] : [b, a]) as [Date, Date]),
  groupBy: fc.subarray(DIMENSIONS),
});

let testDb: TestDatabase;
const database = () => testDb.database;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(() => testDb?.drop());

describe(`dispositionSummary from the daily aggregate (${databaseKind})`, () => {
  it('answers exactly what counting every call answers, after any writes, for any period and grouping', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(write, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), fc.array(query, { minLength: 1, maxLength: 6 }), async (transactions, queries) => {
        await clear(database());
        await apply(database(), transactions);
        const { kept, truth } = await aggregateAndTruth(database());
        expect(kept).toEqual(truth);
        for (const { bounds: [from, to], groupBy, now } of queries) {
          expect(await summariseDispositions(database(), 'all', from, to, groupBy, now)).toEqual(await countEveryCall(database(), from, to, groupBy));
        }
      }),
      { numRuns: 80 },
    );
  });

  it('moves a call between days, extensions and dispositions, and drops it when it becomes a tombstone', async () => {
    await clear(database());
    const whole = [new Date(BASE - DAY), new Date(BASE + 3 * DAY)] as const;
    const summary = () => summariseDispositions(database(), 'all', whole[0], whole[1], ['DAY', 'EXTENSION']);
    await apply(database(), [[{ kind: 'call', i: 0, start: BASE + 3_600_000, direction: 'Inbound', duration: 60 }]]);
    expect(await summary()).toEqual([{ day: '2026-03-01', extension_id: null, direction: null, disposition: 'UNKNOWN', count: 1, total_duration_seconds: '60' }]);
    await apply(database(), [[{ kind: 'derive', rows: [{ i: 0, disposition: 'MISSED', extension: '101', final: false }] }]]);
    expect(await summary()).toEqual([{ day: '2026-03-01', extension_id: '101', direction: null, disposition: 'MISSED', count: 1, total_duration_seconds: '60' }]);
    await apply(database(), [[
      { kind: 'call', i: 0, start: BASE + DAY + 60_000, direction: 'Inbound', duration: 75 },
      { kind: 'derive', rows: [{ i: 0, disposition: 'VOICEMAIL', extension: '102', final: true }] },
    ]]);
    expect(await summary()).toEqual([{ day: '2026-03-02', extension_id: '102', direction: null, disposition: 'VOICEMAIL', count: 1, total_duration_seconds: '75' }]);
    await apply(database(), [[{ kind: 'tombstone', i: 0 }]]);
    expect(await summary()).toEqual([]);
    expect(await database().query(sql`select * from disposition_days`)).toEqual([]);
  });

  it('keeps the seconds of a call without a disposition when another call of its bucket is re-derived', async () => {
    // An UPDATE of call_dispositions first moves the call out of the "not derived" bucket, then back: in
    // between that bucket holds 0 calls and the other call's seconds, and must not be deleted.
    await clear(database());
    await apply(database(), [[
      { kind: 'call', i: 0, start: BASE, direction: 'Inbound', duration: 0 },
      { kind: 'call', i: 2, start: BASE + 60_000, direction: 'Inbound', duration: 45 },
      { kind: 'derive', rows: [{ i: 0, disposition: 'MISSED', extension: null, final: false }] },
    ]]);
    await apply(database(), [[{ kind: 'derive', rows: [{ i: 0, disposition: 'VOICEMAIL', extension: null, final: true }] }]]);
    const { kept, truth } = await aggregateAndTruth(database());
    expect(kept.map((r) => [r.disposition, r.calls, r.duration_seconds])).toEqual([['UNKNOWN', 1, '45'], ['VOICEMAIL', 1, '0']]);
    expect(kept).toEqual(truth);
  });

  it('is rebuilt after a TRUNCATE, which has no rows for the triggers to count', async () => {
    await clear(database());
    await apply(database(), [[
      { kind: 'call', i: 1, start: BASE, direction: 'Outbound', duration: 30 },
      { kind: 'call', i: 2, start: BASE + 2 * DAY, direction: 'Inbound', duration: 40 },
      { kind: 'derive', rows: [{ i: 1, disposition: 'ANSWERED', extension: '101', final: true }] },
    ]]);
    await database().query(sql`truncate call_dispositions`);
    let { kept, truth } = await aggregateAndTruth(database());
    expect(kept.map((r) => r.disposition)).toEqual(['UNKNOWN', 'UNKNOWN']);
    expect(kept).toEqual(truth);
    await database().query(sql`truncate calls, call_legs, recordings`);
    ({ kept, truth } = await aggregateAndTruth(database()));
    expect([kept, truth]).toEqual([[], []]);
  });
});

describe('planSummary: whole days from the aggregate, each edge from its smaller side', () => {
  const at = (day: number, hours = 0) => new Date(BASE + day * DAY + hours * 3_600_000);
  const later = at(400);
  it.each([
    ['midnight to midnight: days only', at(0), at(30), later, { firstDay: at(0), endDay: at(30), raw: [] }],
    ['to late in a day: the whole day less the rest of it', at(0), at(30, 20), later, { firstDay: at(0), endDay: at(31), raw: [{ from: at(30, 20), to: at(31), sign: -1 }] }],
    ['to early in a day: the start of that day added', at(0), at(30, 2), later, { firstDay: at(0), endDay: at(30), raw: [{ from: at(30), to: at(30, 2), sign: 1 }] }],
    ['to = now, early in the day: the whole day less the hours after now, which hold no calls', at(0), at(30, 2), at(30, 2), { firstDay: at(0), endDay: at(31), raw: [{ from: at(30, 2), to: at(31), sign: -1 }] }],
    ['from early in a day: that day less its start', at(0, 2), at(30), later, { firstDay: at(0), endDay: at(30), raw: [{ from: at(0), to: at(0, 2), sign: -1 }] }],
    ['from late in a day: the rest of that day added', at(0, 22), at(30), later, { firstDay: at(1), endDay: at(30), raw: [{ from: at(0, 22), to: at(1), sign: 1 }] }],
    ['inside one day: raw calls only', at(3, 1), at(3, 23), later, { firstDay: at(3), endDay: at(3), raw: [{ from: at(3, 1), to: at(3, 23), sign: 1 }] }],
  ])('%s', (_why, from, to, now, plan) => {
    expect(planSummary(from, to, now)).toEqual(plan);
  });

  it('a microsecond past midnight is not midnight', () => {
    const from = new Instant(at(1).getTime(), 1);
    expect(planSummary(from, at(5), later).raw).toEqual([{ from: at(1), to: from, sign: -1 }]);
  });
});

describe(`the migration fills the aggregate from the calls already stored (${databaseKind})`, () => {
  it('counts every call an older callsync stored, and keeps counting after', async () => {
    const url = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
    const older = await openDatabase({ url });
    try {
      await migrateUntil(older, '_disposition_days_triggers');
      await apply(older, [[
        { kind: 'call', i: 3, start: BASE + 5_000, direction: 'Inbound', duration: 12 },
        { kind: 'call', i: 4, start: BASE + DAY, direction: 'Outbound', duration: 34 },
        { kind: 'call', i: 5, start: BASE + DAY + 1, direction: 'Outbound', duration: 56 },
        { kind: 'derive', rows: [{ i: 3, disposition: 'MISSED', extension: '101', final: true }, { i: 5, disposition: 'ANSWERED', extension: '102', final: true }] },
      ]]);
      await apply(older, [[{ kind: 'tombstone', i: 4 }]]);
      expect(await older.query(sql`select count(*)::int as n from disposition_days`)).toEqual([{ n: 0 }]);
      await migrate(older);
      const { kept, truth } = await aggregateAndTruth(older);
      expect(kept).toHaveLength(2);
      expect(kept).toEqual(truth);
      await apply(older, [[{ kind: 'derive', rows: [{ i: 3, disposition: 'VOICEMAIL', extension: '101', final: true }] }]]);
      const after = await aggregateAndTruth(older);
      expect(after.kept.map((r) => r.disposition)).toEqual(['VOICEMAIL', 'ANSWERED']);
      expect(after.kept).toEqual(after.truth);
    } finally {
      await older.close();
      if (url) await dropPostgresDatabase(url);
    }
  });
});
