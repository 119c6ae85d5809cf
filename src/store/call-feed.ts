import { sql } from 'drizzle-orm';
import type { Database } from './db.ts';
import { scopeCondition, type AccountScope } from './read-keys.ts';

/** A position in the change feed: the writing transaction's id (decimal text, xid8) and the order within it. */
export interface FeedPosition {
  xid: string;
  seq: number;
}

export const FEED_START: FeedPosition = { xid: '0', seq: 0 };

const isAfter = (a: FeedPosition, b: FeedPosition) => BigInt(a.xid) > BigInt(b.xid) || (a.xid === b.xid && a.seq > b.seq);

export interface FeedPage {
  entries: FeedEntry[];
  hasMore: boolean;
  /** Where the next read starts: the last entry, or past rows of other accounts the read stepped over. */
  end: FeedPosition;
  /**
   * The cursor names a transaction this primary never completed: a cursor of another database, or of this
   * one before it was restored from an older backup. Following from it would skip whatever this database
   * writes up to there.
   */
  aheadOfFeed: boolean;
  /**
   * On a hot standby, the same test: most likely a cursor of the primary or of a replica further ahead,
   * which this standby reaches once it has replayed that far (retry); a standby cannot tell it from a
   * foreign cursor.
   */
  behindCursor: boolean;
}

export interface FeedEntry {
  position: FeedPosition;
  accountId: string;
  callId: string;
}

/**
 * The calls that changed after `after`, in feed order, each at its latest released position.
 *
 * A row is released once its transaction id is below the reader's snapshot xmin: then every transaction
 * that could still write a smaller position has committed or aborted, so nothing can appear behind a
 * cursor later. Sequence numbers alone would not do: a transaction that took seq 10 can commit after one
 * that took seq 11, and a follower that had moved past 11 would never see 10. A call with a later released
 * row is skipped here; it comes at that later position (its data is read fresh either way).
 *
 * The same holds on a hot standby. Its snapshot comes from the WAL replayed so far: every transaction id
 * below the newest one seen counts as running until its commit or abort is replayed, so xmin passes a
 * transaction only once its end is replayed, with its rows. A standby releases what the primary released,
 * later by its replay lag, in the same order; a cursor of any server of the cluster is a position on every
 * other, and one that has not replayed that far answers nothing after it (or `behindCursor`), never skips.
 */
export async function readCallChanges(database: Database, scope: AccountScope, after: FeedPosition, limit: number): Promise<FeedPage> {
  // The scope's rows only; the walk in feed order is the same (a key of one account among many steps over
  // the others' rows in the primary key's order: the feed holds about one row per call).
  const inScope = scopeCondition(sql`c.account_id`, scope);
  // Under a scope, the last released row of any account: once the walk reached the horizon, the cursor
  // moves past the other accounts' rows too, so a quiet account's next poll does not walk them again.
  const released = inScope
    ? sql`, r.xid::text as released_xid, r.seq as released_seq`
    : sql``;
  const releasedJoin = inScope
    ? sql` left join lateral (select x.xid, x.seq from call_changes x where x.xid < h.xmin order by x.xid desc, x.seq desc limit 1) r on true`
    : sql``;
  // One row at least (the horizon), so that an empty feed still tells whether the cursor is ahead of it.
  const rows = await database.query<{ ahead: boolean; standby: boolean; xid: string | null; seq: string | number | null; account_id: string | null; call_id: string | null; released_xid?: string | null; released_seq?: string | number | null }>(sql`
    with horizon as materialized (
      select pg_snapshot_xmin(pg_current_snapshot()) as xmin, pg_snapshot_xmax(pg_current_snapshot()) as xmax, pg_is_in_recovery() as standby)
    select ${after.xid}::xid8 >= h.xmax as ahead, h.standby, f.xid::text as xid, f.seq, f.account_id, f.call_id${released}
    from horizon h${releasedJoin} left join lateral (
      select c.xid, c.seq, c.account_id, c.call_id
      from call_changes c
      where (c.xid, c.seq) > (${after.xid}::xid8, ${after.seq}::bigint) and c.xid < h.xmin${inScope ? sql` and ${inScope}` : sql``}
        and not exists (
          select 1 from call_changes d
          where d.account_id = c.account_id and d.call_id = c.call_id and (d.xid, d.seq) > (c.xid, c.seq) and d.xid < h.xmin)
      order by c.xid, c.seq
      limit ${limit + 1}) f on true
    order by f.xid, f.seq`);
  const found = rows.filter((r) => r.xid !== null);
  const entries = found.slice(0, limit).map((r) => ({ position: { xid: r.xid!, seq: Number(r.seq) }, accountId: r.account_id!, callId: r.call_id! }));
  const hasMore = found.length > limit;
  let end = entries.at(-1)?.position ?? after;
  const last = rows[0]?.released_xid ? { xid: rows[0].released_xid, seq: Number(rows[0].released_seq) } : undefined;
  if (!hasMore && last && isAfter(last, end)) end = last;
  return {
    entries,
    hasMore,
    end,
    // A position no transaction of this database has reached: a cursor of another database, or of this
    // one before it was restored from an older backup; on a standby, more likely one it has not replayed yet.
    aheadOfFeed: rows[0]?.ahead === true && rows[0]?.standby !== true,
    behindCursor: rows[0]?.ahead === true && rows[0]?.standby === true,
  };
}

/**
 * Deletes feed rows that a later released row of the same call supersedes. The feed never returns them
 * (a follower behind them sees the call at its later position), so this only keeps the table near one
 * row per call. Only calls with a row at or after `since` (the horizon a previous prune returned) can
 * have new superseded rows, so a regular prune reads the recent rows, not the whole history.
 */
export async function pruneCallChanges(database: Database, since: string = '0'): Promise<{ deleted: number; horizon: string }> {
  const rows = await database.query<{ n: number; horizon: string }>(sql`
    with horizon as materialized (select pg_snapshot_xmin(pg_current_snapshot()) as xmin),
    recent as (select distinct account_id, call_id from call_changes, horizon h where xid >= ${since}::xid8 and xid < h.xmin),
    gone as (
      delete from call_changes c using horizon h, recent r
      where c.account_id = r.account_id and c.call_id = r.call_id and c.xid < h.xmin and exists (
        select 1 from call_changes d
        where d.account_id = c.account_id and d.call_id = c.call_id and (d.xid, d.seq) > (c.xid, c.seq) and d.xid < h.xmin)
      returning 1)
    select (select count(*)::int from gone) as n, (select xmin::text from horizon) as horizon`);
  return { deleted: rows[0]?.n ?? 0, horizon: rows[0]?.horizon ?? since };
}
