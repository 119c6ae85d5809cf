import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll } from '../../src/main.ts';
import { FEED_START, pruneCallChanges, readCallChanges, type FeedPosition } from '../../src/store/call-feed.ts';
import { databaseKind } from '../helpers/database.ts';
import { feedSettled } from '../helpers/feed.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * The feed's two promises at the store level: every kind of change to a call's data gives the call a new
 * position (the triggers cover every table), and a transaction that commits after a later one never lands
 * behind a cursor (positions are released by snapshot xmin, not by sequence).
 */

let harness: Harness;
if (databaseKind === 'pglite') console.warn('[call feed] the two-session commit-order test needs PostgreSQL (TEST_DATABASE_URL): PGlite has one connection');
const db = () => harness.testDb.database;

async function drain(after: FeedPosition): Promise<{ calls: string[]; end: FeedPosition }> {
  await feedSettled(db());
  const calls: string[] = [];
  let end = after;
  for (;;) {
    const page = await readCallChanges(db(), 'all', end, 200);
    calls.push(...page.entries.map((e) => e.callId));
    end = page.entries.at(-1)?.position ?? end;
    if (!page.hasMore) return { calls, end };
  }
}

beforeAll(async () => {
  harness = await startHarness({ seed: 9, history: history(120, 1) }, { SYNC_BACKFILL_DAYS: '2' });
  for (const r of await syncAll(await harness.app())) expect(r.error, r.stream).toBeUndefined();
}, 120_000);

afterAll(() => harness?.close());

describe(`call_changes feed (${databaseKind})`, () => {
  it('holds every synced call, each once at its latest position', async () => {
    const { calls } = await drain(FEED_START);
    const [stored] = await db().query<{ n: number }>(sql`select count(*)::int as n from calls`);
    expect(calls.length).toBe(stored!.n);
    expect(new Set(calls).size).toBe(calls.length);
  });

  it('gives a call a new position for every kind of change to its data', async () => {
    const [linked] = await db().query<{ call_id: string; voicemail_id: string }>(sql`select call_id, voicemail_id from voicemail_links where call_id is not null limit 1`);
    const [other] = await db().query<{ id: string }>(sql`select id from calls c where not exists (select 1 from voicemail_links l where l.call_id = c.id) and not deleted limit 1`);
    const call = linked!.call_id;
    const changes: Array<[string, () => Promise<unknown>, string[]]> = [
      ['record', () => db().query(sql`update calls set result = 'Accepted' where id = ${call}`), [call]],
      ['new leg', () => db().query(sql`insert into call_legs (account_id, call_id, position, start_time) select account_id, id, 99, start_time from calls where id = ${call}`), [call]],
      ['leg removed', () => db().query(sql`delete from call_legs where call_id = ${call} and position = 99`), [call]],
      ['recording', () => db().query(sql`insert into recordings (account_id, call_id, leg_position, id) select account_id, id, -1, 'rec-test' from calls where id = ${call} on conflict do nothing`), [call]],
      ['disposition', () => db().query(sql`update call_dispositions set disposition = 'UNKNOWN' where call_id = ${call}`), [call]],
      ['final flag', () => db().query(sql`update call_dispositions set final = not final where call_id = ${call}`), [call]],
      ['callback', () => db().query(sql`insert into callbacks (account_id, call_id, callback_call_id, seconds_after_end) select account_id, id, ${other!.id}, 5 from calls where id = ${call} on conflict (account_id, call_id) do update set seconds_after_end = 6`), [call]],
      ['voicemail read', () => db().query(sql`update voicemails set read_status = 'Read' where id = ${linked!.voicemail_id}`), [call]],
      ['link moved to another call', () => db().query(sql`update voicemail_links set call_id = ${other!.id} where voicemail_id = ${linked!.voicemail_id}`), [call, other!.id].sort()],
      ['tombstone', () => db().query(sql`update calls set deleted = true where id = ${call}`), [call]],
    ];
    let { end } = await drain(FEED_START);
    for (const [kind, change, expected] of changes) {
      await change();
      const next = await drain(end);
      expect(next.calls.sort(), kind).toEqual(expected);
      end = next.end;
    }
    expect(await drain(end)).toEqual({ calls: [], end });
  });

  it('prunes rows a later row of the same call supersedes, and the feed reads the same', async () => {
    const before = await drain(FEED_START); // drain waits until every row is released, so prune can see them
    const pruned = await pruneCallChanges(db());
    expect(pruned.deleted).toBeGreaterThan(0);
    expect(await drain(FEED_START)).toEqual(before);
    const [rows] = await db().query<{ n: number; calls: number }>(sql`select count(*)::int as n, count(distinct call_id)::int as calls from call_changes`);
    expect(rows!.n).toBe(rows!.calls);

    // From the horizon on, only the calls changed since are looked at, and their older rows go.
    const [changed] = await db().query<{ id: string }>(sql`select id from calls order by id desc limit 1`);
    await db().query(sql`update calls set result = 'Busy' where id = ${changed!.id}`);
    // Prune, like the feed, only touches released rows: another test file's open transaction delays that.
    await feedSettled(db());
    expect(await pruneCallChanges(db(), pruned.horizon)).toEqual({ deleted: 1, horizon: expect.any(String) });
    expect((await drain(FEED_START)).calls.at(-1)).toBe(changed!.id);
  });

  it('tells a cursor no transaction of this database has reached from one with nothing new', async () => {
    const { end } = await drain(FEED_START);
    expect(await readCallChanges(db(), 'all', end, 10)).toEqual({ entries: [], hasMore: false, end, aheadOfFeed: false, behindCursor: false });
    expect((await readCallChanges(db(), 'all', { xid: String(2n ** 62n), seq: 0 }, 10)).aheadOfFeed).toBe(true);
  });

  // Two transactions at once need two connections: the embedded database has one.
  it.skipIf(databaseKind === 'pglite')('never lets a transaction that commits late fall behind a cursor (two sessions)', async () => {
    const [a, b] = await db().query<{ id: string }>(sql`select id from calls order by id limit 2`);
    const { end } = await drain(FEED_START);
    const early = postgres(harness.testDb.url!, { max: 1, onnotice: () => {} });
    const late = postgres(harness.testDb.url!, { max: 1, onnotice: () => {} });
    let releaseEarly: (() => void) | undefined;
    try {
      const held = new Promise<void>((resolve) => (releaseEarly = resolve));
      let wrote!: () => void;
      const written = new Promise<void>((resolve) => (wrote = resolve));
      // The first transaction takes its xid and position first, then stays open...
      const first = early.begin(async (tx) => {
        await tx`update calls set result = 'Missed' where id = ${a!.id}`;
        wrote();
        await held;
      });
      await written;
      // ...while a second one writes and commits.
      await late.begin((tx) => tx`update calls set result = 'Accepted' where id = ${b!.id}`);
      const whileOpen = await readCallChanges(db(), 'all', end, 200);
      expect(whileOpen).toEqual({ entries: [], hasMore: false, end, aheadOfFeed: false, behindCursor: false });
      releaseEarly!();
      await first;
      const after = await drain(end);
      expect(after.calls.sort()).toEqual([a!.id, b!.id].sort());
    } finally {
      releaseEarly?.();
      await early.end();
      await late.end();
    }
  });
});
