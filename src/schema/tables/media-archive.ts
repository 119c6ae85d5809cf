import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * One row per voicemail or recording the media archive (MEDIA_ARCHIVE_DIR) copied, or gave up on: the
 * archive stream's to-do list is what has no row yet, so a pass that stops anywhere resumes where it was.
 */
export const mediaArchive = pgTable(
  'media_archive',
  {
    accountId: text('account_id').notNull(),
    /** voicemails or recordings, as in /media's paths and the archive's keys. */
    kind: text('kind').notNull(),
    id: text('id').notNull(),
    /** Size and SHA-256 (hex) of the stored copy, checked against the file after writing; null when failed. */
    bytes: bigint('bytes', { mode: 'number' }),
    sha256: text('sha256'),
    contentType: text('content_type'),
    /**
     * Why no copy exists and none will be tried again: RingCentral's errorCode (or HTTP status) when it
     * refused the download for good, e.g. CMN-102 once a recording's 90 days are over.
     */
    failureCode: text('failure_code'),
    archivedAt: ts('archived_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind, t.id] })],
);
