/**
 * The plain data the pure core works on. No drizzle rows, no SDK payloads: store/ maps rows to these
 * facts, and the core never does I/O or reads the clock (time comes in as an argument).
 */

/** The contract's Disposition enum (api-contract.graphql). */
export type Disposition =
  | 'ANSWERED'
  | 'VOICEMAIL'
  | 'MISSED'
  | 'ABANDONED'
  | 'BUSY'
  | 'REJECTED'
  | 'NO_ANSWER'
  | 'BLOCKED'
  | 'FAILED'
  | 'UNKNOWN';

export type LinkMethod = 'CALL_LOG_REFERENCE' | 'MATCHED';

/** One leg of a call-log record, as RingCentral sent it (enum-ish values verbatim, any case). */
export interface LegFacts {
  position: number;
  legType: string | null;
  direction: string | null;
  action: string | null;
  result: string | null;
  reason: string | null;
  startTime: Date;
  durationMs: number;
  master: boolean;
  /** The account extension the leg belongs to (legs[].extension.id). */
  extensionId: string | null;
  fromE164: string | null;
  toE164: string | null;
  fromExtensionId: string | null;
  toExtensionId: string | null;
  /** message.id named on this leg (a voicemail/fax reference), as a string. */
  messageId: string | null;
  recordingId: string | null;
  shortRecording: boolean;
}

/** One call-log record (a "call") with its legs. */
export interface CallFacts {
  id: string;
  direction: string | null;
  type: string | null;
  action: string | null;
  result: string | null;
  reason: string | null;
  startTime: Date;
  endTime: Date;
  durationMs: number;
  /** The record's extension.id: on whose behalf the call was made/received. */
  extensionId: string | null;
  fromE164: string | null;
  toE164: string | null;
  fromExtensionId: string | null;
  toExtensionId: string | null;
  messageId: string | null;
  recordingId: string | null;
  shortRecording: boolean;
  deleted: boolean;
  legs: LegFacts[];
}

/** One voicemail from a mailbox's message store. */
export interface VoicemailFacts {
  /** Message-store id (int64) as a decimal string. */
  id: string;
  /** The mailbox (extension) the message is in. */
  mailboxExtensionId: string;
  fromE164: string | null;
  creationTime: Date;
  durationSeconds: number | null;
  /** Alive, Deleted or Purged. */
  availability: string;
}
