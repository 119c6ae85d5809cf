import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll, type App } from '../../src/main.ts';
import { statusReport } from '../../src/cli/commands/status.ts';
import { statusResolvers } from '../../src/resolvers/status.ts';
import { databaseKind } from '../helpers/database.ts';
import { feedSettled } from '../helpers/feed.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/**
 * A JWT user who is an admin but not a Super Admin: RingCentral answers 403 CMN-419 for every other
 * extension's message store (api-notes §11). Nothing may wait forever on a voicemail callsync cannot read,
 * the problem must show where an operator looks, and granting the permission later must bring it all in.
 */
let harness: Harness;
let app: App;

const pass = async () => {
  const results = await syncAll(app);
  for (const r of results) expect(r.error, `${r.stream}: ${r.error}`).toBeUndefined();
  return results.find((r) => r.stream === 'voicemails')!;
};

/** Voicemail message ids the call log names (record or leg), by call id. */
function referencedVoicemails(): Map<string, string> {
  const out = new Map<string, string>();
  for (const call of harness.sim.truth().calls) {
    if (call.deleted) continue;
    const refs = [call.record.message, ...(call.record.legs ?? []).map((l) => l.message)].filter((m) => m && String(m.type ?? 'VoiceMail').toLowerCase() === 'voicemail');
    if (refs[0]) out.set(call.id, String(refs[0].id));
  }
  return out;
}

beforeAll(async () => {
  // The history ends half an hour ago, so no call still waits for its voicemail window.
  harness = await startHarness({ seed: 73, history: history(500, 2, 30 * 60_000), adminRole: 'UserAdmin' }, { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000' });
  app = await harness.app();
}, 120_000);

afterAll(() => harness?.close());

describe(`a JWT user who may read only its own mailbox (${databaseKind})`, () => {
  it('leaves no call waiting: calls whose log names a voicemail are VOICEMAIL and final, the voicemail marked not readable', async () => {
    await pass();
    const db = harness.testDb.database;
    const refs = referencedVoicemails();
    expect(refs.size).toBeGreaterThan(10);
    const rows = await db.query<{ call_id: string; disposition: string; final: boolean; pending_reason: string | null }>(sql`
      select call_id, disposition, final, pending_reason from call_dispositions`);
    const byCall = new Map(rows.map((r) => [r.call_id, r]));
    const wrong = [...refs.keys()].filter((id) => byCall.get(id)?.disposition !== 'VOICEMAIL' || !byCall.get(id)?.final);
    expect(wrong).toEqual([]);
    expect(rows.filter((r) => r.pending_reason === 'voicemail referenced but not synced yet')).toEqual([]);

    const [{ own }] = await db.query<{ own: string }>(sql`select details->>'ownExtensionId' as own from sync_state where stream = 'voicemails'`) as [{ own: string }];
    const stubs = await db.query<{ id: string; mailbox_extension_id: string; linked: boolean }>(sql`
      select v.id, v.mailbox_extension_id, exists (select 1 from voicemail_links l where l.voicemail_id = v.id) as linked
      from voicemails v where not v.readable`);
    expect(stubs.length).toBeGreaterThan(0);
    expect(stubs.every((s) => s.mailbox_extension_id !== own && s.linked)).toBe(true);
    // The own mailbox is read: its voicemails are stored whole.
    const [ownRows] = await db.query<{ n: number }>(sql`select count(*)::int as n from voicemails where readable and mailbox_extension_id = ${own}`);
    const ownTruth = harness.sim.truth().messages.filter((m) => m.mailboxExtensionId === own && m.availability !== 'Purged');
    expect(ownRows!.n).toBeGreaterThanOrEqual(ownTruth.length);
  });

  it('says so once, with RingCentral\'s errorCode and the role to grant, where an operator looks — and never asks for other mailboxes', async () => {
    const before = harness.sim.stats();
    const run = await pass();
    const status = await statusResolvers.Query.syncStatus(undefined, undefined, { database: harness.testDb.database, scope: 'all' } as never);
    const voicemails = status.streams.find((s) => s.name === 'voicemails')!;
    expect(voicemails.lastError).toMatch(/CMN-419/);
    expect(voicemails.lastError).toMatch(/Super Admin/);
    expect(harness.sim.stats().permissionDenied).toBe(0);
    const report = await statusReport(harness.testDb.database.db, 'extract-sync');
    expect(report).toMatch(/voicemails\n(.*\n)*    last error     \[CMN-419\] RingCentral lets callsync read only the JWT user's own mailbox/);
    expect(report).toMatch(/mailboxes: \d+, 1 read .*; (\d+) refused by RingCentral \(CMN-419\)/);
    // One permission check a pass, the own mailbox at most, and nothing for the stubs.
    expect(run.requests.Light).toBeLessThanOrEqual(3);
    expect(harness.sim.stats().requests.Light - before.requests.Light).toBe(run.requests.Light);
  });

  it('fetches every voicemail once the permission is granted, and the calls come through the change feed again', async () => {
    const db = harness.testDb.database;
    await feedSettled(db);
    const [mark] = await db.query<{ xid: string }>(sql`select coalesce(max(xid), '0')::text as xid from call_changes`);
    const stubCalls = await db.query<{ call_id: string }>(sql`
      select l.call_id from voicemail_links l join voicemails v on v.account_id = l.account_id and v.id = l.voicemail_id where not v.readable`);
    harness.sim.faults.set({ adminRole: 'SuperAdmin' });
    await pass();
    const [left] = await db.query<{ n: number }>(sql`select count(*)::int as n from voicemails where not readable`);
    expect(left!.n).toBe(0);
    const stored = new Set((await db.query<{ id: string }>(sql`select id from voicemails where readable`)).map((r) => r.id));
    const expected = harness.sim.truth().messages.filter((m) => m.availability !== 'Purged' || m.expected.method === 'CALL_LOG_REFERENCE');
    expect(expected.filter((m) => !stored.has(m.id)).map((m) => m.id)).toEqual([]);
    await feedSettled(db);
    const fed = new Set((await db.query<{ call_id: string }>(sql`select call_id from call_changes where xid > ${mark!.xid}::xid8`)).map((r) => r.call_id));
    expect(stubCalls.filter((c) => !fed.has(c.call_id))).toEqual([]);
    const status = await statusResolvers.Query.syncStatus(undefined, undefined, { database: db, scope: 'all' } as never);
    expect(status.streams.find((s) => s.name === 'voicemails')!.lastError).toBeNull();
  });
});
