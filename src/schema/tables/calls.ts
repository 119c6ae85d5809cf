import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** Columns shared by a record and its legs: the parts of RingCentral's CallLogRecord both carry. */
const partyAndOutcome = () => ({
  type: text('type'),
  direction: text('direction'),
  action: text('action'),
  result: text('result'),
  reason: text('reason'),
  reasonDescription: text('reason_description'),
  startTime: ts('start_time').notNull(),
  durationSeconds: integer('duration_seconds'),
  durationMs: bigint('duration_ms', { mode: 'number' }),
  transport: text('transport'),
  internalType: text('internal_type'),
  telephonySessionId: text('telephony_session_id'),
  extensionId: text('extension_id'),
  fromPhoneNumber: text('from_phone_number'),
  fromE164: text('from_e164'),
  fromExtensionNumber: text('from_extension_number'),
  fromExtensionId: text('from_extension_id'),
  fromName: text('from_name'),
  fromLocation: text('from_location'),
  toPhoneNumber: text('to_phone_number'),
  toE164: text('to_e164'),
  toExtensionNumber: text('to_extension_number'),
  toExtensionId: text('to_extension_id'),
  toName: text('to_name'),
  toLocation: text('to_location'),
  messageId: text('message_id'),
  messageType: text('message_type'),
  messageUri: text('message_uri'),
  recordingId: text('recording_id'),
  recordingType: text('recording_type'),
  recordingUri: text('recording_uri'),
  recordingContentUri: text('recording_content_uri'),
  shortRecording: boolean('short_recording').notNull().default(false),
});

/** One row per call-log record, as RingCentral last returned it (raw kept verbatim). */
export const calls = pgTable(
  'calls',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    sessionId: text('session_id'),
    uri: text('uri'),
    ...partyAndOutcome(),
    endTime: ts('end_time').notNull(),
    lastModifiedTime: ts('last_modified_time'),
    /** RingCentral deleted the record; kept as a tombstone, never hard-deleted. */
    deleted: boolean('deleted').notNull().default(false),
    legCount: integer('leg_count').notNull().default(0),
    raw: jsonb('raw').notNull(),
    /** sha256 of the raw JSON: an upsert writes only when this (or lastModifiedTime) changes. */
    contentHash: text('content_hash').notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.id] }),
    // Not prefixed by account: the API pages and filters across all accounts (there is rarely more than
    // one), and the sync's per-account time ranges use them with the account as a filter.
    index('calls_start_idx').on(t.startTime, t.id),
    index('calls_session_idx').on(t.sessionId),
    index('calls_telephony_session_idx').on(t.telephonySessionId),
    index('calls_from_e164_idx').on(t.fromE164),
    index('calls_to_e164_idx').on(t.toE164),
    index('calls_extension_idx').on(t.extensionId, t.accountId, t.id),
    index('calls_message_idx').on(t.accountId, t.messageId).where(sql`${t.messageId} is not null`),
    index('calls_updated_idx').on(t.accountId, t.updatedAt),
  ],
);

/** The legs of a Detailed record. Legs have no id of their own, so they are keyed by array position. */
export const callLegs = pgTable(
  'call_legs',
  {
    accountId: text('account_id').notNull(),
    callId: text('call_id').notNull(),
    position: integer('position').notNull(),
    legType: text('leg_type'),
    master: boolean('master').notNull().default(false),
    partyId: text('party_id'),
    ...partyAndOutcome(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.callId, t.position] }),
    index('call_legs_extension_idx').on(t.extensionId, t.accountId, t.callId),
    index('call_legs_message_idx').on(t.accountId, t.messageId).where(sql`${t.messageId} is not null`),
  ],
);
