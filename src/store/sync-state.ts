import { and, desc, eq, sql } from 'drizzle-orm';
import { syncRuns, syncState, type RequestCounts } from '../schema/index.ts';
import type { Db } from './db.ts';

export type SyncStateRow = typeof syncState.$inferSelect;
export type SyncRunRow = typeof syncRuns.$inferSelect;

/** The checkpoint of one account stream, or undefined before its first run. */
export async function readSyncState(db: Db, accountId: string, stream: string): Promise<SyncStateRow | undefined> {
  const [row] = await db.select().from(syncState).where(and(eq(syncState.accountId, accountId), eq(syncState.stream, stream)));
  return row;
}

export type StatePatch = Partial<Pick<SyncStateRow, 'syncedThrough' | 'cursor' | 'syncToken' | 'syncTokenAt' | 'lastScanAt' | 'details' | 'lastRunAt' | 'lastSuccessAt' | 'lastError' | 'lastErrorCode'>> & {
  addRecords?: number;
};

/** Writes part of a stream's checkpoint; call it in the transaction that wrote the rows it covers. */
export async function writeSyncState(db: Db, accountId: string, stream: string, patch: StatePatch): Promise<void> {
  const { addRecords = 0, ...fields } = patch;
  await db
    .insert(syncState)
    .values({ accountId, stream, ...fields, recordsSynced: addRecords })
    .onConflictDoUpdate({
      target: [syncState.accountId, syncState.stream],
      set: { ...fields, recordsSynced: sql`${syncState.recordsSynced} + ${addRecords}`, updatedAt: sql`now()` },
    });
}

/** Opens a sync_runs row for a run that is starting. */
export async function startRun(db: Db, accountId: string, stream: string): Promise<number> {
  const [row] = await db.insert(syncRuns).values({ accountId, stream }).returning({ id: syncRuns.id });
  return row!.id;
}

export interface RunTotals {
  inserted: number;
  updated: number;
  unchanged: number;
  requests: RequestCounts;
  rateLimited: number;
}

/** Adds a page's figures to its run, in the page's transaction, so a crash leaves the run's counts true. */
export async function addToRun(db: Db, runId: number, page: Omit<RunTotals, 'requests' | 'rateLimited'>, requests: RequestCounts, rateLimited: number) {
  await db
    .update(syncRuns)
    .set({
      inserted: sql`${syncRuns.inserted} + ${page.inserted}`,
      updated: sql`${syncRuns.updated} + ${page.updated}`,
      unchanged: sql`${syncRuns.unchanged} + ${page.unchanged}`,
      requests,
      rateLimited,
    })
    .where(eq(syncRuns.id, runId));
}

/** Closes a run with its outcome and error. */
export async function finishRun(
  db: Db,
  runId: number,
  outcome: 'success' | 'error' | 'aborted',
  requests: RequestCounts,
  rateLimited: number,
  error?: { message: string; code: string | undefined },
): Promise<void> {
  await db
    .update(syncRuns)
    .set({ outcome, finishedAt: sql`now()`, requests, rateLimited, error: error?.message ?? null, errorCode: error?.code ?? null })
    .where(eq(syncRuns.id, runId));
}

/** Runs that were 'running' when their process died: close them so status tells the truth. */
export async function closeAbandonedRuns(db: Db, accountId: string, stream: string): Promise<void> {
  await db
    .update(syncRuns)
    .set({ outcome: 'error', finishedAt: sql`now()`, error: 'the process stopped during this run (crash or kill); the next run resumed from its checkpoint' })
    .where(and(eq(syncRuns.accountId, accountId), eq(syncRuns.stream, stream), eq(syncRuns.outcome, 'running')));
}

/** The latest run of each stream of an account. */
export async function latestRuns(db: Db, accountId: string): Promise<SyncRunRow[]> {
  const rows = await db.select().from(syncRuns).where(eq(syncRuns.accountId, accountId)).orderBy(desc(syncRuns.id)).limit(200);
  const seen = new Map<string, SyncRunRow>();
  for (const row of rows) if (!seen.has(row.stream)) seen.set(row.stream, row);
  return [...seen.values()];
}

/** Every stream's checkpoint of an account. */
export async function allSyncStates(db: Db, accountId: string): Promise<SyncStateRow[]> {
  return db.select().from(syncState).where(eq(syncState.accountId, accountId)).orderBy(syncState.stream);
}
