import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, real, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/*
 * Derived data: recomputed from the stored raw payloads after every sync pass and by `callsync rederive`,
 * never fetched from RingCentral. Every row carries the version of the rules that produced it.
 */

/**
 * The linking verdict per voicemail: linked to a call (by the call log's reference or by a match), or
 * unlinked with the reason (no candidate, ambiguous...). The unique index keeps one voicemail per call.
 */
export const voicemailLinks = pgTable(
  'voicemail_links',
  {
    accountId: text('account_id').notNull(),
    voicemailId: text('voicemail_id').notNull(),
    callId: text('call_id'),
    method: text('method'),
    confidence: real('confidence'),
    secondsAfterCallStart: integer('seconds_after_call_start'),
    unlinkedReason: text('unlinked_reason'),
    evidence: jsonb('evidence').notNull(),
    ruleVersion: text('rule_version').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.voicemailId] }),
    uniqueIndex('voicemail_links_call_idx').on(t.accountId, t.callId).where(sql`${t.callId} is not null`),
  ],
);

/** One disposition per call, with why, who, how long it rang and talked, and whether it can still change. */
export const callDispositions = pgTable(
  'call_dispositions',
  {
    accountId: text('account_id').notNull(),
    callId: text('call_id').notNull(),
    disposition: text('disposition').notNull(),
    reason: text('reason').notNull(),
    ruleId: text('rule_id').notNull(),
    extensionId: text('extension_id'),
    ringSeconds: integer('ring_seconds'),
    talkSeconds: integer('talk_seconds'),
    final: boolean('final').notNull(),
    pendingReason: text('pending_reason'),
    ruleVersion: text('rule_version').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.callId] }),
    index('call_dispositions_pending_idx').on(t.accountId).where(sql`not ${t.final}`),
    // The API's `dispositions` and `extensionId` filters start from these when few calls match.
    index('call_dispositions_disposition_idx').on(t.disposition, t.accountId, t.callId),
    index('call_dispositions_extension_idx').on(t.extensionId, t.accountId, t.callId),
  ],
);

/** For an unanswered inbound call: the first later outbound call to the same number. */
export const callbacks = pgTable(
  'callbacks',
  {
    accountId: text('account_id').notNull(),
    callId: text('call_id').notNull(),
    callbackCallId: text('callback_call_id').notNull(),
    secondsAfterEnd: integer('seconds_after_end').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.callId] })],
);
