import { boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * One row per voicemail message in any mailbox, as the message store last returned it. Message ids are
 * int64: kept as decimal text, never as a JS number. Deleted and purged messages stay as tombstones
 * (availability), because a CRM may already show them.
 */
export const voicemails = pgTable(
  'voicemails',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    mailboxExtensionId: text('mailbox_extension_id').notNull(),
    uri: text('uri'),
    direction: text('direction'),
    fromPhoneNumber: text('from_phone_number'),
    fromE164: text('from_e164'),
    fromName: text('from_name'),
    fromExtensionId: text('from_extension_id'),
    toPhoneNumber: text('to_phone_number'),
    toE164: text('to_e164'),
    creationTime: ts('creation_time'),
    lastModifiedTime: ts('last_modified_time'),
    durationSeconds: integer('duration_seconds'),
    readStatus: text('read_status'),
    transcriptionStatus: text('transcription_status'),
    /** Alive, Deleted or Purged. */
    availability: text('availability').notNull(),
    /**
     * false for a message the call log names in a mailbox RingCentral will not let callsync read (CMN-419):
     * a stub with what the reference tells (id, mailbox), replaced by the message once it can be read.
     */
    readable: boolean('readable').notNull().default(true),
    audioUri: text('audio_uri'),
    audioContentType: text('audio_content_type'),
    transcriptUri: text('transcript_uri'),
    raw: jsonb('raw').notNull(),
    contentHash: text('content_hash').notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.id] }),
    index('voicemails_mailbox_idx').on(t.accountId, t.mailboxExtensionId, t.creationTime),
    index('voicemails_creation_idx').on(t.creationTime, t.id),
    index('voicemails_updated_idx').on(t.accountId, t.updatedAt),
  ],
);

/**
 * The text of a voicemail's transcription (RingCentral's AudioTranscription attachment), fetched once its
 * vmTranscriptionStatus is Completed or CompletedPartially. Its own table: the message store's rows are
 * rewritten from every read, a transcript is downloaded once (a Medium request) and kept.
 */
export const voicemailTranscripts = pgTable(
  'voicemail_transcripts',
  {
    accountId: text('account_id').notNull(),
    voicemailId: text('voicemail_id').notNull(),
    /** The attachment URI it was fetched from: a different URI on the message means a new transcript. */
    sourceUri: text('source_uri').notNull(),
    /** null when RingCentral no longer had the attachment (see missingCode). */
    text: text('text'),
    /** Size of the attachment as RingCentral sent it, in UTF-8 bytes. */
    byteLength: integer('byte_length'),
    /** The text was cut at TRANSCRIPT_MAX_BYTES, with a note saying so at its end. */
    truncated: boolean('truncated').notNull().default(false),
    /** Why there is no text: RingCentral's errorCode (or HTTP status) when it refused the download. */
    missingCode: text('missing_code'),
    fetchedAt: ts('fetched_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.voicemailId] }),
    foreignKey({ columns: [t.accountId, t.voicemailId], foreignColumns: [voicemails.accountId, voicemails.id], name: 'voicemail_transcripts_voicemail_fk' }).onDelete('cascade'),
  ],
);
