import { sql } from 'drizzle-orm';
import { bigint, date, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * Calls per UTC day, handling extension, direction and disposition, with their summed duration: what
 * Query.dispositionSummary and the BI view callsync_bi.daily_dispositions read instead of every call.
 * Kept by triggers on calls and call_dispositions in the transaction that writes them, so no writer can
 * forget it; `select disposition_days_rebuild()` recomputes it from scratch (migrations).
 *
 * extension_id and direction are '' where the call has none: a primary key column cannot be NULL, and
 * RingCentral never sends an empty id or direction. Readers turn '' back into NULL. Tombstones are left
 * out, and a call without a disposition yet counts as UNKNOWN, exactly as the raw summary counts them.
 */
export const dispositionDays = pgTable(
  'disposition_days',
  {
    day: date('day', { mode: 'string' }).notNull(),
    accountId: text('account_id').notNull(),
    extensionId: text('extension_id').notNull(),
    direction: text('direction').notNull(),
    disposition: text('disposition').notNull(),
    calls: integer('calls').notNull(),
    durationSeconds: bigint('duration_seconds', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.accountId, t.extensionId, t.direction, t.disposition] }),
    // Buckets a change emptied, found at once by the trigger that deletes them.
    index('disposition_days_empty_idx').on(t.day).where(sql`${t.calls} = 0`),
  ],
);
