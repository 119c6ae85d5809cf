/**
 * What callsync does with a voicemail's transcription, by RingCentral's vmTranscriptionStatus (api-notes
 * §4.4), and how a transcript is kept. Pure: the clock comes in as an argument.
 */

/** The transcript attachment exists: fetch it once. */
const COMPLETE = new Set(['Completed', 'CompletedPartially']);
/**
 * Not final: the status may still change to one of the others. RingCentral does not say what Unknown
 * means, so it is waited on like InProgress, within the same limit.
 */
const PENDING = new Set(['InProgress', 'Unknown']);

export type TranscriptionPhase = 'complete' | 'pending' | 'final-without-text';

/**
 * complete (Completed, CompletedPartially): there is text to fetch; pending (InProgress, Unknown): ask
 * again later; final-without-text (NotAvailable — VoicemailToText off —, Failed, TimedOut, no status):
 * nothing will come, nothing to wait for.
 */
export function transcriptionPhase(status: string | null): TranscriptionPhase {
  if (status !== null && COMPLETE.has(status)) return 'complete';
  if (status !== null && PENDING.has(status)) return 'pending';
  return 'final-without-text';
}

export const COMPLETE_STATUSES: readonly string[] = [...COMPLETE];
export const PENDING_STATUSES: readonly string[] = [...PENDING];

/**
 * A transcription still pending this long after the voicemail was created is not waited on any more:
 * RingCentral transcribes within minutes, so a day means it is stuck. The mailbox's regular reads (the
 * sweep) still bring a late status, and the transcript is fetched then.
 */
export const PENDING_GIVE_UP_MS = 24 * 3_600_000;
const RECHECK_MIN_MS = 2 * 60_000;
const RECHECK_MAX_MS = 2 * 3_600_000;

/**
 * How long after its status was last learnt a pending transcription is asked about again: a quarter of
 * the voicemail's age, between 2 minutes and 2 hours — soon while transcription normally ends, rarely once
 * it is late (about 35 asks over the day before giving up), undefined once given up.
 */
export function recheckAfterMs(createdAt: Date, now: Date): number | undefined {
  const age = now.getTime() - createdAt.getTime();
  if (age >= PENDING_GIVE_UP_MS) return undefined;
  return Math.min(RECHECK_MAX_MS, Math.max(RECHECK_MIN_MS, Math.floor(age / 4)));
}

/**
 * The most text kept of one transcript, in UTF-8 bytes. A voicemail lasts minutes at most (RingCentral's
 * limit is configurable up to a few minutes): its transcript is a few KB. Anything larger is not a
 * transcript a CRM note should carry whole, and the beginning is what a person reads.
 */
export const TRANSCRIPT_MAX_BYTES = 64 * 1024;

export interface FittedTranscript {
  text: string;
  /** The size of what RingCentral sent, in UTF-8 bytes. */
  byteLength: number;
  truncated: boolean;
}

/**
 * The transcript as stored: whitespace at the ends trimmed, and beyond `maxBytes` cut on a character
 * boundary with a note at the end saying how much was left out — a truncated note must say so.
 */
export function fitTranscript(body: string, maxBytes = TRANSCRIPT_MAX_BYTES): FittedTranscript {
  const encoder = new TextEncoder();
  const byteLength = encoder.encode(body).length;
  const trimmed = body.trim();
  const bytes = encoder.encode(trimmed);
  if (bytes.length <= maxBytes) return { text: trimmed, byteLength, truncated: false };
  const note = `\n[Transcript truncated by callsync: the first ${maxBytes} of ${byteLength} bytes are shown.]`;
  // Cutting the bytes may split a character: the decoder turns that tail into U+FFFD, dropped here.
  const kept = new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD+$/, '');
  return { text: kept.trimEnd() + note, byteLength, truncated: true };
}
