import { boolean, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** Users, departments (call queues), IVR menus...: names for the API and the mailbox list for voicemail sync. */
export const extensions = pgTable(
  'extensions',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    extensionNumber: text('extension_number'),
    name: text('name'),
    type: text('type'),
    status: text('status'),
    /** false once RingCentral stops listing the extension; rows are never removed. */
    present: boolean('present').notNull().default(true),
    raw: jsonb('raw').notNull(),
    contentHash: text('content_hash').notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] }), index('extensions_number_idx').on(t.accountId, t.extensionNumber)],
);
