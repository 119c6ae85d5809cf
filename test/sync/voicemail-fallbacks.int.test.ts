import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { RingCentralApiError } from '../../src/errors.ts';
import { syncAll, type App } from '../../src/main.ts';
import type { RingCentralApi } from '../../src/ringcentral/endpoints.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/**
 * Where RingCentral's documentation leaves room, both possibilities: an app that may not call
 * authz-profile/check (the reads must tell), and a RingCentral that takes fewer ids per batch read than
 * callsync sends (the batch is read again in halves, never taken for a mailbox refusing us).
 */
const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

/** The app with some endpoints answered differently before any request reaches the simulator. */
function wrapped(app: App, overrides: (api: RingCentralApi) => Partial<RingCentralApi>): App {
  return { ...app, api: { ...app.api, ...overrides(app.api) } };
}

const refused = (status: number, errorCode: string, path: string) => new RingCentralApiError(`HTTP ${status}`, { status, errorCode, rateGroup: 'Light', method: 'GET', path });

async function pass(app: App) {
  const results = await syncAll(app);
  for (const r of results) expect(r.error, `${r.stream}: ${r.error}`).toBeUndefined();
  return results.find((r) => r.stream === 'voicemails')!;
}

describe(`without authz-profile/check (${databaseKind})`, () => {
  it('learns from the first CMN-419, then tries one refused mailbox a pass until the permission is granted', async () => {
    const harness = await startHarness({ seed: 76, history: history(400, 2, 30 * 60_000), adminRole: 'UserAdmin' }, { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000' });
    harnesses.push(harness);
    const app = wrapped(await harness.app(), () => ({
      async checkPermission() {
        throw refused(404, 'CMN-120', '/restapi/v1.0/account/~/extension/~/authz-profile/check');
      },
    }));
    await pass(app);
    const db = harness.testDb.database;
    const [first] = await db.query<{ n: number }>(sql`select count(*)::int as n from voicemails where not readable`);
    expect(first!.n).toBeGreaterThan(0);
    const [state] = await db.query<{ code: string; other: string }>(sql`select last_error_code as code, details->>'otherMailboxes' as other from sync_state where stream = 'voicemails'`);
    expect(state).toEqual({ code: 'CMN-419', other: 'denied' });

    const before = harness.sim.stats().permissionDenied;
    await pass(app);
    expect(harness.sim.stats().permissionDenied - before).toBe(1);

    harness.sim.faults.set({ adminRole: 'SuperAdmin' });
    await pass(app);
    await pass(app);
    const [left] = await db.query<{ n: number }>(sql`select count(*)::int as n from voicemails where not readable`);
    expect(left!.n).toBe(0);
    const stored = new Set((await db.query<{ id: string }>(sql`select id from voicemails`)).map((r) => r.id));
    const referenced = harness.sim.truth().messages.filter((m) => m.expected.method === 'CALL_LOG_REFERENCE');
    expect(referenced.filter((m) => !stored.has(m.id)).map((m) => m.id)).toEqual([]);
  });
});

describe(`a RingCentral that takes one id per batch read (${databaseKind})`, () => {
  it('reads refused batches again in halves, stores every named voicemail and refuses no mailbox', async () => {
    const harness = await startHarness(
      { seed: 77, history: history(600, 2, 30 * 60_000), late: { heldFraction: 0.3, modifiedFraction: 0, deletedFraction: 0 } },
      { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000' },
    );
    harnesses.push(harness);
    let refusedBatches = 0;
    const app = wrapped(await harness.app(), (api) => ({
      async messages(mailbox, ids, meter, signal) {
        if (ids.length > 1) {
          refusedBatches++;
          throw refused(400, 'CMN-101', `/restapi/v1.0/account/~/extension/${mailbox}/message-store/${ids.join(',')}`);
        }
        return api.messages(mailbox, ids, meter, signal);
      },
    }));
    await pass(app);
    // Messages held back until now are named by calls whose mailboxes were read long after they ended:
    // those reads had their chance, so the messages are fetched by id.
    harness.sim.release();
    await pass(app);
    expect(refusedBatches).toBeGreaterThan(0);
    const db = harness.testDb.database;
    const stored = new Map((await db.query<{ id: string; availability: string }>(sql`select id, availability from voicemails`)).map((r) => [r.id, r.availability]));
    const referenced = harness.sim.truth().messages.filter((m) => m.expected.method === 'CALL_LOG_REFERENCE');
    expect(referenced.filter((m) => !stored.has(m.id)).map((m) => m.id)).toEqual([]);
    const [forbidden] = await db.query<{ n: number }>(sql`select count(*)::int as n from mailboxes where access = 'forbidden'`);
    expect(forbidden!.n).toBe(0);
    const [waiting] = await db.query<{ n: number }>(sql`select count(*)::int as n from call_dispositions where pending_reason = 'voicemail referenced but not synced yet'`);
    expect(waiting!.n).toBe(0);
  });
});
