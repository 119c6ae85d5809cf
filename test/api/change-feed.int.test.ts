import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll, type App } from '../../src/main.ts';
import { startApi, type ApiClient } from '../helpers/api.ts';
import { databaseKind } from '../helpers/database.ts';
import { feedSettled } from '../helpers/feed.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * A CRM integration following callChanges while syncs write: it must end up holding every call exactly as
 * the API now shows it. A skipped change would leave it with an older version of some call.
 */

const NODE = `id disposition dispositionReason final pendingReason deleted result lastModifiedTime updatedAt durationSeconds
  legs { position result durationSeconds } recording { id } voicemail { id availability readStatus link { method } } callback { call { id } secondsAfterEnd }`;

let harness: Harness;
let api: ApiClient;
let apps: App[];

beforeAll(async () => {
  harness = await startHarness(
    { seed: 23, history: history(400, 2), late: { heldFraction: 0.15, modifiedFraction: 0.2, deletedFraction: 0.05 } },
    { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '50', SYNC_LOOKBACK_HOURS: '72', SYNC_FAST_PATH: 'off' },
  );
  apps = [await harness.app(), await harness.app()];
  api = await startApi(harness.testDb.database);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

async function page(after: string | null) {
  const res: any = await api.gql(`query($after: String) { callChanges(after: $after, first: 25) { edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`, { after });
  expect(res.errors).toBeUndefined();
  return res.data.callChanges as { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
}

describe(`callChanges followed while syncs commit (${databaseKind})`, () => {
  it('starts with a non-null endCursor on an empty feed, and it does not move', async () => {
    const first = await page(null);
    expect(first.edges).toEqual([]);
    expect(first.pageInfo.endCursor).toEqual(expect.any(String));
    expect((await page(first.pageInfo.endCursor)).pageInfo.endCursor).toBe(first.pageInfo.endCursor);
  });

  it('sees every change: the follower ends with each call exactly as the API shows it now', async () => {
    const seen = new Map<string, unknown>();
    let cursor: string | null = null;
    let polls = 0;
    let syncing = true;
    const follower = (async () => {
      for (let quiet = 0; syncing || quiet < 2; ) {
        const p = await page(cursor);
        polls++;
        for (const e of p.edges) seen.set(e.node.id, e.node);
        expect(p.pageInfo.endCursor).toEqual(expect.any(String));
        cursor = p.pageInfo.endCursor;
        quiet = p.edges.length === 0 && !syncing ? quiet + 1 : 0;
        if (!p.pageInfo.hasNextPage) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      // Two processes' worth of writers at once: the call log in one, voicemails and derivation in the other;
      // late records, changes and deletions are released between rounds.
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all([
          syncAll(apps[0]!, { streams: ['extensions', 'call-log'] }),
          syncAll(apps[1]!, { streams: ['voicemails', 'derive'] }),
        ]);
        for (const r of results.flat()) expect(r.error, r.stream).toBeUndefined();
        harness.sim.release();
      }
      for (const r of await syncAll(apps[0]!)) expect(r.error, r.stream).toBeUndefined();
    } finally {
      // The follower stops once everything written is released and it has read to the end.
      await feedSettled(harness.testDb.database).finally(() => (syncing = false));
      await follower;
    }
    const now = new Map<string, unknown>();
    for (let after: string | null = null; ; ) {
      const res: any = await api.gql(`query($after: String) { calls(first: 500, after: $after, filter: { includeDeleted: true }) { edges { node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`, { after });
      for (const e of res.data.calls.edges) now.set(e.node.id, e.node);
      if (!res.data.calls.pageInfo.hasNextPage) break;
      after = res.data.calls.pageInfo.endCursor;
    }
    expect(now.size).toBeGreaterThan(300);
    expect(polls).toBeGreaterThan(10);
    const stale = [...now.entries()].filter(([id, node]) => JSON.stringify(seen.get(id)) !== JSON.stringify(node)).map(([id]) => id);
    expect(stale).toEqual([]);
    expect(seen.size).toBe(now.size);
  }, 180_000);
});
