import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** Recordings named by a record or its legs (metadata only: no audio is downloaded). */
export const recordings = pgTable(
  'recordings',
  {
    accountId: text('account_id').notNull(),
    callId: text('call_id').notNull(),
    /** -1 for the record itself, else the leg's position. */
    legPosition: integer('leg_position').notNull(),
    id: text('id').notNull(),
    type: text('type'),
    uri: text('uri'),
    contentUri: text('content_uri'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.callId, t.legPosition] }), index('recordings_id_idx').on(t.accountId, t.id)],
);
