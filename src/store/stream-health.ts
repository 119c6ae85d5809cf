import { sql } from 'drizzle-orm';
import type { Database } from './db.ts';

/** One stream of one account as a scrape sees it: times in seconds since the epoch, null when never. */
export interface StreamHealth {
  accountId: string;
  stream: string;
  lastSuccessAt: number | null;
  syncedThrough: number | null;
  /** The stream's last run ended with an error (or reported a standing problem). */
  failing: boolean;
  /** Seconds between the database's now and the newest record of the stream's table; null without one. */
  freshnessSeconds: number | null;
}

/** Which stream's freshness is read from which table's newest record. */
export interface FreshnessStreams {
  /** Newest calls.start_time. */
  calls: string;
  /** Newest voicemails.creation_time. */
  voicemails: string;
}

/**
 * Every account stream's health in one statement, cheap enough for every scrape: sync_state without the
 * per-mailbox rows (a stream name with a ":", one per extension), and per account the newest call and the
 * newest voicemail, each one row read backwards from its time index. Reads only sync_state, calls and
 * voicemails, which the read-only API role may read (store/roles.ts). Ages are taken on the database's
 * clock, the one that stamped the rows' neighbours.
 */
export async function readStreamHealth(database: Database, streams: FreshnessStreams): Promise<StreamHealth[]> {
  const rows = await database.query<{ account_id: string; stream: string; last_success: unknown; synced_through: unknown; failing: boolean; freshness: unknown }>(sql`
    select s.account_id, s.stream, s.last_error is not null as failing,
      extract(epoch from s.last_success_at)::float8 as last_success,
      extract(epoch from s.synced_through)::float8 as synced_through,
      extract(epoch from now() - case s.stream
        when ${streams.calls} then (select c.start_time from calls c where c.account_id = s.account_id order by c.start_time desc limit 1)
        when ${streams.voicemails} then (select v.creation_time from voicemails v where v.account_id = s.account_id and v.creation_time is not null order by v.creation_time desc limit 1)
      end)::float8 as freshness
    from sync_state s
    where position(':' in s.stream) = 0
    order by s.account_id, s.stream`);
  const seconds = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    accountId: r.account_id,
    stream: r.stream,
    lastSuccessAt: seconds(r.last_success),
    syncedThrough: seconds(r.synced_through),
    failing: r.failing,
    freshnessSeconds: seconds(r.freshness),
  }));
}
