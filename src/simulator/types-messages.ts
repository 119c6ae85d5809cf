// Public types of the simulator's message store (voicemail): RingCentral's message JSON and the
// ground truth about each voicemail and the call it belongs to.
//
// int64: message and attachment ids are JSON numbers. In the simulator's values they are `number`
// when exact and `bigint` beyond 2^53 (Int64Json) — what a lossless parser (parseExact, lossless-json)
// reads from the HTTP body, which carries the exact integer literal. TruthMessage.id is always the
// exact decimal string; call-log `message.id` references are strings of the same digits.

import type { PartyJson } from './types.ts';

export type Int64Json = number | bigint;
export type MessageAvailability = 'Alive' | 'Deleted' | 'Purged';
export type TranscriptionStatusJson = 'NotAvailable' | 'InProgress' | 'TimedOut' | 'Completed' | 'CompletedPartially' | 'Failed' | 'Unknown';

export interface MessageAttachmentJson {
  id: Int64Json;
  uri: string;
  type: 'AudioRecording' | 'AudioTranscription';
  contentType: string;
  /** Seconds; AudioRecording only. */
  vmDuration?: number;
  fileName?: string;
  size?: number;
}

/** A voicemail as GET …/message-store/{id}, the list and FSync serve it (Alive or Deleted). */
export interface MessageJson {
  uri: string;
  id: Int64Json;
  extensionId: string;
  to: PartyJson[];
  from: PartyJson;
  type: 'VoiceMail';
  creationTime: string;
  readStatus: 'Read' | 'Unread';
  priority: 'Normal' | 'High';
  attachments: MessageAttachmentJson[];
  direction: 'Inbound';
  availability: 'Alive' | 'Deleted';
  messageStatus: 'Received';
  lastModifiedTime: string;
  vmTranscriptionStatus: TranscriptionStatusJson;
}

/**
 * What is left of a message in ISync (deleted or purged) and everywhere once purged: only id and
 * availability (api-notes §4.3).
 */
export interface MessageStubJson {
  id: Int64Json;
  availability: 'Deleted' | 'Purged';
}

export type LinkMethod = 'CALL_LOG_REFERENCE' | 'MATCHED';

/** Why a voicemail must stay unlinked (TruthMessage.unlinkableReason). */
export type UnlinkableReason =
  /** Its call started before the simulated history: no synced call-log window holds it. */
  | 'call-outside-history'
  /** Its call's record is not in the call log yet (held back, or still to come). */
  | 'call-not-visible'
  /** No reference, and the caller withheld the number: nothing to match on. */
  | 'anonymous'
  /** No reference, and the message is purged: only id and availability remain to match on. */
  | 'purged'
  /** No reference, and more than one call fits (look-alike masked numbers). */
  | 'ambiguous'
  /** No reference, and its call does not fit the matching rule (e.g. still "In Progress"). */
  | 'no-match';

/** Facts about a voicemail that make it awkward to link; a test can count each case. */
export type VoicemailTag =
  | 'referenced-on-record'
  | 'referenced-on-leg-only'
  | 'unreferenced'
  | 'repeat-caller'
  | 'burst'
  | 'lookalike-masked'
  | 'masked-call-number'
  | 'masked-voicemail-number'
  | 'number-format-differs'
  | 'anonymous'
  | 'queue-mailbox'
  | 'shared-mailbox'
  | 'call-outside-history'
  | 'visible-before-call'
  | 'visible-after-call'
  | 'deleted'
  | 'purged'
  | 'deleted-in-app'
  | 'evicted'
  | 'call-record-changed'
  | 'call-result-changed'
  | 'transcription-changed'
  | 'read-later'
  | 'held'
  /**
   * The call has a FindMe/FollowMe leg whose `from` is the mailbox owner's own number (direct or the
   * company's main number), not the caller's: a linker must take the caller from the inbound party.
   * Only with forwardingFrom 'owner'.
   */
  | 'forwarding-leg-from-owner';

/** When each change of the voicemail (and its call's first record) became visible; null = not (yet). */
export interface MessageTimeline {
  created: string;
  visible: string;
  transcribed: string | null;
  read: string | null;
  deleted: string | null;
  purged: string | null;
  /** First version of the call's record in the call log. */
  callVisible: string | null;
}

export interface TruthMessage {
  /** Exact int64 as a decimal string (never went through Number). */
  id: string;
  mailboxExtensionId: string;
  availability: MessageAvailability;
  /** Exactly what GET …/message-store/{id} serves now (stub when purged), int64 as number | bigint. */
  message: MessageJson | MessageStubJson;
  expected: {
    /** The call a correct linker links it to now; null when it must stay unlinked. */
    callId: string | null;
    /** How a correct linker can know: the call log names it (record or leg), or only a heuristic unambiguously finds it. */
    method: LinkMethod | null;
  };
  /**
   * The text its AudioTranscription attachment serves now (Completed or CompletedPartially), exactly;
   * null while transcription is pending, when it failed, timed out or is not available, and once purged.
   */
  transcript: string | null;
  /** Same as expected.method, as the brief's 'reference' | 'match' | 'none'. */
  linkable: 'reference' | 'match' | 'none';
  unlinkableReason: UnlinkableReason | null;
  /** The call that left it, linkable or not; null when that call is not in the simulated call log at all. */
  leftByCallId: string | null;
  /** The other call of a repeat-caller or burst pair. */
  relatedCallIds: string[];
  tags: VoicemailTag[];
  timeline: MessageTimeline;
}
