import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll, type App } from '../../src/main.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: App;

const HOUR = 3_600_000;
/** Passes that run this far ahead find every mailbox due in the rotation (VOICEMAIL_SWEEP_HOURS, 6 by default). */
let ahead = 0;
const voicemailRun = async (aheadMs = ahead) => {
  ahead = aheadMs;
  const results = await syncAll(app, { now: () => new Date(Date.now() + aheadMs) });
  for (const r of results) expect(r.error, `${r.stream}: ${r.error}`).toBeUndefined();
  return results.find((r) => r.stream === 'voicemails')!;
};

/** Every message the simulator holds now, compared with the stored rows: same ids (exact int64), same availability. */
async function expectVoicemailsEqualTruth() {
  const truth = harness.sim.truth();
  const rows = await harness.testDb.database.query<{ id: string; availability: string; mailbox_extension_id: string }>(sql`select id, availability, mailbox_extension_id from voicemails`);
  const stored = new Map(rows.map((r) => [r.id, r]));
  // Messages purged before callsync ever saw them and not named by the call log are gone for good.
  const expected = truth.messages.filter((m) => stored.has(m.id) || m.availability !== 'Purged' || m.expected.method === 'CALL_LOG_REFERENCE');
  expect(expected.filter((m) => !stored.has(m.id)).map((m) => m.id)).toEqual([]);
  expect(expected.filter((m) => stored.get(m.id)!.availability !== m.availability).map((m) => `${m.id}: ${stored.get(m.id)!.availability} != ${m.availability}`)).toEqual([]);
  return { truth, stored };
}

beforeAll(async () => {
  harness = await startHarness(
    { seed: 71, history: history(600, 2), late: { heldFraction: 0.05, modifiedFraction: 0.1, deletedFraction: 0.05 } },
    { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000', SYNC_LOOKBACK_HOURS: '72' },
  );
  app = await harness.app();
}, 120_000);

afterAll(() => harness?.close());

describe(`voicemail sync through message-sync (${databaseKind})`, () => {
  it('stores every mailbox, keeping int64 ids beyond 2^53 exact', async () => {
    const run = await voicemailRun();
    expect(run.inserted).toBeGreaterThan(0);
    const { stored } = await expectVoicemailsEqualTruth();
    expect([...stored.keys()].some((id) => BigInt(id) > 2n ** 53n)).toBe(true);
    const mailboxes = new Set([...stored.values()].map((r) => r.mailbox_extension_id));
    expect(mailboxes.size).toBeGreaterThan(3);
  });

  it('picks up new, changed, deleted and purged messages with ISync, at the latest when the rotation comes round', async () => {
    harness.sim.release();
    const run = await voicemailRun(6 * HOUR + 60_000);
    expect(run.updated + run.inserted).toBeGreaterThan(0);
    await expectVoicemailsEqualTruth();
  });

  it('starts a mailbox over with FSync when RingCentral answers MSG-333', async () => {
    harness.sim.faults.invalidateMessageSyncTokens();
    const run = await voicemailRun(12 * HOUR + 120_000);
    expect(run.error).toBeUndefined();
    await expectVoicemailsEqualTruth();
    const [state] = await harness.testDb.database.query<{ n: number }>(sql`select count(*)::int as n from sync_state where stream like 'voicemail:%' and sync_token is not null`);
    expect(state!.n).toBeGreaterThan(3);
  });

  it('records callbacks: a later outbound call to the caller of an unanswered inbound call', async () => {
    const rows = await harness.testDb.database.query<{ ok: boolean }>(sql`
      select (o.direction = 'Outbound' and o.to_e164 = i.from_e164 and o.start_time >= i.end_time
              and b.seconds_after_end = round(extract(epoch from o.start_time - i.end_time))
              and d.disposition in ('MISSED', 'VOICEMAIL', 'ABANDONED')) as ok
      from callbacks b join calls i on i.account_id = b.account_id and i.id = b.call_id
      join calls o on o.account_id = b.account_id and o.id = b.callback_call_id
      join call_dispositions d on d.account_id = b.account_id and d.call_id = b.call_id`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.ok)).toBe(true);
  });
});

describe(`a mailbox RingCentral will not let us read (${databaseKind})`, () => {
  it('is recorded and skipped, also for messages the call log names, and every other mailbox is stored', async () => {
    const own = await startHarness({ seed: 72, history: history(400, 2) }, { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000' });
    try {
      // The mailbox the call log's message references name most: callsync fetches those by id when the
      // mailbox's own sync has not delivered them.
      const counts = new Map<string, number>();
      for (const call of own.sim.truth().calls) {
        for (const [, mailbox] of JSON.stringify(call).matchAll(/\/extension\/(\d+)\/message-store\//g)) counts.set(mailbox!, (counts.get(mailbox!) ?? 0) + 1);
      }
      const [forbidden] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      own.sim.faults.set({ forbiddenMailboxes: [forbidden] });
      const ownApp = await own.app();
      for (const pass of [1, 2]) {
        const results = await syncAll(ownApp);
        for (const r of results) expect(r.error, `pass ${pass}, ${r.stream}: ${r.error}`).toBeUndefined();
      }
      const rows = await own.testDb.database.query<{ id: string; mailbox_extension_id: string }>(sql`select id, mailbox_extension_id from voicemails where readable`);
      const stored = new Set(rows.map((r) => r.id));
      const others = own.sim.truth().messages.filter((m) => m.mailboxExtensionId !== forbidden && (m.availability !== 'Purged' || m.expected.method === 'CALL_LOG_REFERENCE'));
      expect(others.filter((m) => !stored.has(m.id)).map((m) => m.id)).toEqual([]);
      expect(rows.filter((r) => r.mailbox_extension_id === forbidden)).toEqual([]);
      const [state] = await own.testDb.database.query<{ last_error_code: string | null }>(sql`select last_error_code from sync_state where stream = ${`voicemail:${forbidden}`}`);
      expect(state?.last_error_code).toBe('CMN-419');
      // The messages the call log names there are stubs, marked not readable, and their calls are final.
      const stubs = await own.testDb.database.query<{ id: string; final: boolean }>(sql`
        select v.id, d.final from voicemails v join voicemail_links l on l.account_id = v.account_id and l.voicemail_id = v.id
        join call_dispositions d on d.account_id = l.account_id and d.call_id = l.call_id where not v.readable`);
      expect(stubs.length).toBeGreaterThan(0);
      expect(stubs.every((s) => s.final)).toBe(true);
      const [stream] = await own.testDb.database.query<{ last_error: string }>(sql`select last_error from sync_state where stream = 'voicemails'`);
      expect(stream!.last_error).toMatch(/refuses callsync 1 of \d+ mailboxes/);
      // A mailbox refused for itself (the role may read the others) is asked again a day later: then it
      // and the messages the call log names in it arrive.
      own.sim.faults.set({ forbiddenMailboxes: [] });
      for (const r of await syncAll(ownApp, { now: () => new Date(Date.now() + 25 * HOUR) })) expect(r.error, r.stream).toBeUndefined();
      const [after] = await own.testDb.database.query<{ n: number; stubs: number }>(sql`
        select count(*) filter (where readable)::int as n, count(*) filter (where not readable)::int as stubs from voicemails where mailbox_extension_id = ${forbidden}`);
      expect(after!.n).toBeGreaterThan(0);
      expect(after!.stubs).toBe(0);
    } finally {
      await own.close();
    }
  });
});
