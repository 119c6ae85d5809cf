import { and, desc, gte, sql } from 'drizzle-orm';
import { syncRuns } from '../schema/index.ts';
import { rowsOf, type Db } from './db.ts';
import { scopeCondition, type AccountScope } from './read-keys.ts';

/*
 * The reads of the status views (`callsync status`, the /status page) that no other query makes. The API's
 * read-only role may read them: accounts' id and name only (column grants, src/store/roles.ts), sync_runs.
 */

/** Every account synced into this database: id and name, nothing else (the API role reads no more of it). */
export async function accountNames(db: Db): Promise<Array<{ id: string; name: string | null }>> {
  return rowsOf<{ id: string; name: string | null }>(await db.execute(sql`select id, name from accounts order by id`));
}

/**
 * The scope's accounts, id and name (RingCentral's company name; null until the account's first sync):
 * every account of a key's scope is listed, synced yet or not.
 */
export async function accountsInScope(db: Db, scope: AccountScope): Promise<Array<{ id: string; name: string | null }>> {
  if (scope === 'all') return accountNames(db);
  return rowsOf<{ id: string; name: string | null }>(await db.execute(sql`
    select s.id, a.name from unnest(${sql.param([...scope])}::text[]) as s(id) left join accounts a on a.id = s.id order by s.id`));
}

/** One run of one stream (a pass runs each stream once), as the status page lists them. */
export interface RecentRun {
  id: number;
  accountId: string;
  stream: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: string;
  inserted: number;
  updated: number;
  unchanged: number;
  requests: Record<string, number>;
  rateLimited: number;
  error: string | null;
  errorCode: string | null;
}

/**
 * The latest `limit` runs started at or after `since`, newest first. Bounded by the primary key, whatever
 * the table's size: ids grow with start times, so the newest `limit` ids are read and the older ones dropped
 * (a filter on started_at alone would scan the whole history on a quiet day).
 */
export async function recentRuns(db: Db, scope: AccountScope, since: Date, limit: number): Promise<{ runs: RecentRun[]; more: boolean }> {
  // Some accounts of many: their runs by the (account_id, stream, started_at) index, the period bounding the
  // rows read; on the PK, a quiet account among busy ones would walk every account's runs to find its own.
  const rows = scope === 'all'
    ? await db.select().from(syncRuns).orderBy(desc(syncRuns.id)).limit(limit + 1)
    : await db.select().from(syncRuns).where(and(scopeCondition(sql`${syncRuns.accountId}`, scope), gte(syncRuns.startedAt, since))).orderBy(desc(syncRuns.startedAt), desc(syncRuns.id)).limit(limit + 1);
  const inPeriod = rows.filter((r) => r.startedAt.getTime() >= since.getTime());
  return { runs: inPeriod.slice(0, limit).map((r) => ({ ...r, requests: { ...r.requests } })), more: inPeriod.length > limit };
}
