import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_START, pruneCallChanges, readCallChanges, type FeedPosition as StoreFeedPosition } from '../../src/store/call-feed.ts';
import { feedSettled } from '../helpers/feed.ts';
import { feedPage, feedPosition, isBefore, outOfOrder, type Delivery, type FeedPosition } from '../helpers/feed-follower.ts';
import { replicaSkipReason } from '../helpers/replica-cluster.ts';
import { startReplicaDeployment, type ReplicaDeployment } from '../helpers/replica-deployment.ts';

/*
 * The change feed read from a hot standby (a second PostgreSQL replaying the primary's WAL), while the
 * primary commits transactions out of their id order: a CRM following the standby's feed gets every change,
 * in order, none twice, and ends where the primary's feed ends. Cursors move between the primary and a
 * lagging standby without a change lost: the standby answers a cursor it has not reached with a retryable 503.
 */

if (replicaSkipReason) console.warn(`[replica feed] skipped: ${replicaSkipReason}`);

let d: ReplicaDeployment;
let writer: postgres.Sql;
let callIds: string[];
/** Calls grouped by their disposition_days bucket: open transactions on one bucket would wait for each other. */
let buckets: string[][];
let version = 0;

beforeAll(async () => {
  if (replicaSkipReason) return;
  d = await startReplicaDeployment();
  // A write that waits on another's lock fails instead of hanging the test.
  writer = postgres(d.cluster.primaryUrl, { max: 6, onnotice: () => {}, connection: { lock_timeout: 20_000 } });
  callIds = (await d.primary.query<{ id: string }>(sql`select id from calls order by id`)).map((r) => r.id);
  // Writing a call updates its bucket's row in disposition_days (a trigger), so transactions held open at
  // once take their calls from different buckets.
  buckets = (await d.primary.query<{ ids: string[] }>(sql`
    select array_agg(c.id order by c.id) as ids from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
    group by (c.start_time at time zone 'UTC')::date, d.extension_id, c.direction, d.disposition`)).map((r) => r.ids);
}, 180_000);

afterAll(async () => {
  // A failed test may leave a transaction open: its connection is closed, not waited for.
  await writer?.end({ timeout: 1 }).catch(() => undefined);
  await d?.close();
});

/** A transaction on the primary, left open: it has updated `ids` (each to a version of its own) and has its xid. */
async function openWrite(ids: string[]) {
  const tx = await writer.reserve();
  await tx`begin`;
  const versions = ids.map(() => ++version);
  // Each call's updatedAt names the write (the API shows the later of it and the feed's own time), so a
  // stale copy is told from the latest one.
  await tx`update calls set updated_at = timestamptz '2100-01-01 00:00:00Z' + make_interval(secs => v.n)
    from unnest(${ids}::text[], ${versions}::int[]) as v(id, n) where calls.id = v.id`;
  const [{ xid } = { xid: '' }] = await tx<Array<{ xid: string }>>`select pg_current_xact_id()::text as xid`;
  return {
    xid: BigInt(xid),
    ids,
    async commit() {
      await tx`commit`;
      tx.release();
    },
  };
}

/** Everything the primary committed is released there and replayed on the standby. */
async function settled() {
  await feedSettled(d.primary);
  await d.cluster.caughtUp();
}

/** Follows the standby's feed from `after` to its current end. */
async function drainStandby(after: string | null, first = 50) {
  const deliveries: Delivery[] = [];
  let cursor = after;
  for (;;) {
    const page = await feedPage(d.standbyServe.url, d.key, cursor, first);
    expect(page.errors).toBeUndefined();
    deliveries.push(...page.deliveries);
    cursor = page.endCursor!;
    if (!page.hasNextPage) return { deliveries, cursor };
  }
}

const shuffled = <T>(from: T[]) => from.map((x) => [Math.random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
const sample = (n: number, from: string[]) => shuffled(from).slice(0, n);
/** Up to `most` calls from each of `n` different buckets. */
const fromBuckets = (n: number, most: number) => shuffled(buckets).slice(0, n).map((ids) => sample(1 + Math.floor(Math.random() * most), ids));

describe.skipIf(replicaSkipReason)(`the change feed on a streaming replica (${replicaSkipReason ? `skipped: ${replicaSkipReason}` : 'PostgreSQL primary + hot standby'})`, () => {
  it('holds back a change on the standby while an older transaction is open on the primary, then releases both in order', async () => {
    await settled();
    const { cursor: start } = await drainStandby(null);
    const [[a], [b]] = fromBuckets(2, 1) as [string[], string[]];
    const older = await openWrite([a!]);
    try {
      const younger = await openWrite([b!]);
      expect(older.xid < younger.xid).toBe(true);
      await younger.commit();
      await d.cluster.caughtUp();
      // The standby holds the younger row (a reader by sequence would hand it out, then never see the older)…
      const [row] = await d.standby.query<{ n: number }>(sql`select count(*)::int as n from call_changes where xid = ${String(younger.xid)}::xid8`);
      expect(row!.n).toBe(1);
      // …but its feed does not release it while the older transaction may still commit below it.
      const held = await feedPage(d.standbyServe.url, d.key, start);
      expect([held.errors, held.deliveries]).toEqual([undefined, []]);
      expect(held.endCursor).toBe(start);
    } finally {
      await older.commit();
    }
    await settled();
    const released = await drainStandby(start);
    expect(released.deliveries.map((x) => x.id)).toEqual([a, b]);
    expect(released.deliveries[0]!.position.xid).toBe(older.xid);
  });

  it('delivers every change once and in order to a follower of the standby while the primary commits out of order', async () => {
    await settled();
    const { cursor: start } = await drainStandby(null);
    const writes: Array<{ xid: bigint; ids: string[] }> = [];
    const deliveries: Delivery[] = [];
    let writing = true;
    let polls = 0;
    const follower = (async () => {
      let cursor: string | null = start;
      for (let quiet = 0; writing || quiet < 2; ) {
        const page = await feedPage(d.standbyServe.url, d.key, cursor, 7);
        expect(page.errors).toBeUndefined();
        polls++;
        deliveries.push(...page.deliveries);
        cursor = page.endCursor!;
        quiet = page.deliveries.length === 0 && !writing ? quiet + 1 : 0;
        if (!page.hasNextPage) await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      for (let round = 0; round < 40; round++) {
        // Three transactions open at once on disjoint calls, committed in an order that is never their id order.
        const open = [];
        for (const ids of fromBuckets(3, 3)) open.push(await openWrite(ids));
        const order = round % 2 === 0 ? [2, 1, 0] : [1, 2, 0];
        for (const t of order) {
          await open[t]!.commit();
          writes.push({ xid: open[t]!.xid, ids: open[t]!.ids });
          await new Promise((r) => setTimeout(r, Math.random() * 8));
        }
        // The derive pass prunes superseded feed rows on the primary as it runs; the standby replays the deletes.
        if (round % 10 === 9) await pruneCallChanges(d.primary);
      }
    } finally {
      await settled().finally(() => (writing = false));
      await follower;
    }

    expect(writes.length).toBe(120);
    expect(polls).toBeGreaterThan(10);
    expect(outOfOrder(deliveries)).toEqual([]);
    // No write passed over: each call it changed came at the write's position or a later one.
    const latestSeen = new Map<string, FeedPosition>();
    for (const x of deliveries) latestSeen.set(x.id, x.position);
    const skipped = writes.flatMap((w) => w.ids.filter((id) => (latestSeen.get(id)?.xid ?? -1n) < w.xid).map((id) => `${id} written in ${w.xid}`));
    expect(skipped).toEqual([]);
    // The follower ends where the primary's own feed ends, with each call's latest data.
    const primaryFeed = new Map<string, StoreFeedPosition>();
    const from = feedPosition(start);
    for (let after = FEED_START; ; ) {
      const page = await readCallChanges(d.primary, 'all', after, 500);
      for (const e of page.entries) if (isBefore(from, { xid: BigInt(e.position.xid), seq: BigInt(e.position.seq) })) primaryFeed.set(e.callId, e.position);
      after = page.entries.at(-1)?.position ?? after;
      if (!page.hasMore) break;
    }
    expect(new Map([...latestSeen].map(([id, p]) => [id, `${p.xid}:${p.seq}`]))).toEqual(new Map([...primaryFeed].map(([id, p]) => [id, `${p.xid}:${p.seq}`])));
    const truth = await d.primary.query<{ id: string; updated_at: string }>(sql`select id, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at from calls where id = any(${sql.param([...latestSeen.keys()])}::text[])`);
    const lastCopy = new Map<string, string>();
    for (const x of deliveries) lastCopy.set(x.id, x.updatedAt);
    expect(lastCopy).toEqual(new Map(truth.map((r) => [r.id, r.updated_at])));
  });

  it('moves a cursor between the primary and a lagging standby without losing a change', async () => {
    await settled();
    const { cursor: start } = await drainStandby(null);
    await d.cluster.pauseReplay();
    let resumed = false;
    try {
      const changed = sample(4, callIds);
      for (const id of changed) await (await openWrite([id])).commit();
      await feedSettled(d.primary);
      const onPrimary = await feedPage(d.primaryServe.url, d.key, start);
      expect(onPrimary.deliveries.map((x) => x.id)).toEqual(changed);
      // The primary's cursor on the lagging standby: not an empty page that would look like the end, nor the
      // 400 that sends a follower back to the start, but a retryable 503.
      const early = await feedPage(d.standbyServe.url, d.key, onPrimary.endCursor!);
      expect([early.status, early.errors?.[0]?.extensions?.['code'], early.retryAfter]).toEqual([503, 'REPLICA_BEHIND_CURSOR', '5']);
      expect(early.errors?.[0]?.message).toContain('ask again shortly');
      // The standby's own cursor is behind the primary's changes; taken to the primary, it gets them all.
      const lagging = await feedPage(d.standbyServe.url, d.key, start);
      expect([lagging.errors, lagging.deliveries]).toEqual([undefined, []]);
      expect((await feedPage(d.primaryServe.url, d.key, lagging.endCursor!)).deliveries).toEqual(onPrimary.deliveries);
      // The standby's readiness shows its lag while replay waits behind received WAL.
      await expect.poll(async () => ((await (await fetch(`${d.standbyServe.url}/readyz`)).json()) as { replayLagSeconds?: number }).replayLagSeconds ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
      await d.cluster.resumeReplay();
      resumed = true;
      await d.cluster.caughtUp();
      // Caught up, the standby continues from the primary's cursor, and from its own gives what the primary gave.
      expect((await feedPage(d.standbyServe.url, d.key, onPrimary.endCursor!)).deliveries).toEqual([]);
      expect((await feedPage(d.standbyServe.url, d.key, start)).deliveries).toEqual(onPrimary.deliveries);
    } finally {
      if (!resumed) await d.cluster.resumeReplay();
    }
  });

  it('still refuses a cursor ahead of the primary itself with the 400 that says to start over', async () => {
    const foreign = Buffer.from(`feed:${2n ** 62n}:0`).toString('base64url');
    const page = await feedPage(d.primaryServe.url, d.key, foreign);
    expect([page.status, page.errors?.[0]?.extensions?.['code']]).toEqual([400, 'BAD_USER_INPUT']);
  });
});
