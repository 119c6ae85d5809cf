import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** Per account and stream: where the next pass starts and how the last one went. */
export const syncState = pgTable(
  'sync_state',
  {
    accountId: text('account_id').notNull(),
    stream: text('stream').notNull(),
    /** Everything that started before this instant has been read at least once. */
    syncedThrough: ts('synced_through'),
    /** The pass in progress (window, page); null between passes. Committed with each page's rows. */
    cursor: jsonb('cursor'),
    /** Incremental fast-path token (extract-sync / message-sync) and when it was issued. */
    syncToken: text('sync_token'),
    syncTokenAt: ts('sync_token_at'),
    /** When the last complete start-time window scan ended (the fast path's safety net is due after lookback). */
    lastScanAt: ts('last_scan_at'),
    /** Stream-specific state that outlives a pass (e.g. the voicemail stream's mailbox access), not a cursor. */
    details: jsonb('details'),
    lastRunAt: ts('last_run_at'),
    lastSuccessAt: ts('last_success_at'),
    lastError: text('last_error'),
    lastErrorCode: text('last_error_code'),
    /** Rows this stream has written (inserted or changed) over its lifetime. */
    recordsSynced: bigint('records_synced', { mode: 'number' }).notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.stream] })],
);

export type RequestCounts = Record<'Heavy' | 'Medium' | 'Light' | 'Auth', number>;

/** One row per run of one stream: what it did, what it cost, how it ended. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: text('account_id').notNull(),
    stream: text('stream').notNull(),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    /** running | success | error | aborted */
    outcome: text('outcome').notNull().default('running'),
    inserted: integer('inserted').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    requests: jsonb('requests').$type<RequestCounts>().notNull().default({ Heavy: 0, Medium: 0, Light: 0, Auth: 0 }),
    rateLimited: integer('rate_limited').notNull().default(0),
    error: text('error'),
    errorCode: text('error_code'),
  },
  (t) => [index('sync_runs_stream_idx').on(t.accountId, t.stream, t.startedAt.desc())],
);
