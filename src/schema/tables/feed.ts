import { sql } from 'drizzle-orm';
import { bigint, customType, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** PostgreSQL's 64-bit transaction id (never wraps), read as decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * The change feed behind Query.callChanges: one row per call per writing transaction, appended by
 * triggers on every table that holds a call's data (migration 0004), so no code path can forget one.
 *
 * Position = (xid, seq), the writing transaction's id then the order within it. A reader only sees rows
 * whose transaction id is below its snapshot's xmin: every transaction that could still add a row with a
 * smaller position has finished, so a cursor never moves past a change that commits later. Rows of one
 * transaction share its xid and commit together.
 */
export const callChanges = pgTable(
  'call_changes',
  {
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    accountId: text('account_id').notNull(),
    callId: text('call_id').notNull(),
    changedAt: ts('changed_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.xid, t.seq] }),
    // One row per call per transaction, however many statements touched it.
    uniqueIndex('call_changes_txn_call_idx').on(t.xid, t.accountId, t.callId),
    // A call's latest position: superseded rows are skipped by the feed and pruned.
    index('call_changes_call_idx').on(t.accountId, t.callId, t.xid, t.seq),
  ],
);
