import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * What the voicemail sync knows about each mailbox beside its message-sync checkpoint (sync_state
 * `voicemail:{id}`): the latest evidence that a voicemail may have arrived, when it was last read, and
 * whether RingCentral lets callsync read it. These decide which mailboxes a pass reads (core/mailbox-plan.ts).
 */
export const mailboxes = pgTable(
  'mailboxes',
  {
    accountId: text('account_id').notNull(),
    extensionId: text('extension_id').notNull(),
    /** The end of the latest inbound call routed to this mailbox that may have left a voicemail. */
    evidenceAt: ts('evidence_at'),
    /**
     * The database time (calls.updated_at) at which the latest such call record was written: a record that
     * appears or changes late may come with a voicemail that appears late, so a read must follow it.
     */
    noticedAt: ts('noticed_at'),
    /** When the last complete read of the mailbox started (messages created before it are stored). */
    readStartedAt: ts('read_started_at'),
    /** The same instant on the database's clock, to compare with noticed_at (both written by the database). */
    readStartedDbAt: ts('read_started_db_at'),
    /** readable | forbidden (RingCentral refuses us: CMN-419 and other 4xx). Unknown until first asked. */
    access: text('access'),
    accessErrorCode: text('access_error_code'),
    accessCheckedAt: ts('access_checked_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.extensionId] }), index('mailboxes_read_idx').on(t.accountId, t.readStartedAt)],
);
