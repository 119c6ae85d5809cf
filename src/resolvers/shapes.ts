import { toE164 } from '../core/phone-numbers.ts';
import type { CallKey, CallRow, LegRow, RecordingRow } from '../store/call-reads.ts';
import type { VoicemailRow } from '../store/voicemail-reads.ts';

/*
 * Rows shaped as the contract's objects. Plain fields are plain properties (graphql-js's default resolver
 * reads them); fields that need another table are resolved through the request's loaders from `key`.
 */

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const direction = (value: string | null) => (value === 'Outbound' ? 'OUTBOUND' : 'INBOUND');

export interface Party {
  phoneNumber: string | null;
  extensionNumber: string | null;
  extensionId: string | null;
  name: string | null;
  location: string | null;
}

function party(row: object, side: 'from' | 'to'): Party {
  const r = row as Record<string, string | null | undefined>;
  return {
    // E.164 where RingCentral's number is one; otherwise what it sent (a short code, "anonymous").
    phoneNumber: r[`${side}_e164`] ?? r[`${side}_phone_number`] ?? null,
    extensionNumber: r[`${side}_extension_number`] ?? null,
    extensionId: r[`${side}_extension_id`] ?? null,
    name: r[`${side}_name`] ?? null,
    location: r[`${side}_location`] ?? null,
  };
}

export interface CallNode {
  key: CallKey;
  cursorAt: { startUs: string; id: string };
  /** Parts read with the call (CallParts); absent ones are loaded in batches by the loaders. */
  inline: { legs?: LegNode[]; recordings?: RecordingNode[]; voicemail?: VoicemailNode | null };
  [field: string]: unknown;
}

export type RecordingNode = ReturnType<typeof toRecording>;

export function toCall(row: CallRow): CallNode {
  const updatedAt = date(row.updated_at);
  return {
    key: { accountId: row.account_id, id: row.id },
    cursorAt: { startUs: row.start_us, id: row.id },
    inline: inlineParts(row),
    id: row.id,
    accountId: row.account_id,
    sessionId: row.session_id,
    telephonySessionId: row.telephony_session_id,
    direction: direction(row.direction),
    type: row.type ?? 'Voice',
    startTime: date(row.start_time),
    endTime: date(row.end_time),
    durationSeconds: row.duration_seconds ?? 0,
    from: party(row, 'from'),
    to: party(row, 'to'),
    result: row.result ?? 'Unknown',
    // A call stored but not derived yet (the derive pass runs right after each sync) is not settled.
    disposition: row.disposition ?? 'UNKNOWN',
    dispositionReason: row.disposition_reason ?? 'The disposition has not been derived yet.',
    final: row.final ?? false,
    pendingReason: row.final ? null : (row.pending_reason ?? (row.disposition ? null : 'disposition not derived yet')),
    deleted: row.deleted,
    extension: extension(row.disposition_extension_id, row),
    lastModifiedTime: row.last_modified_time ? date(row.last_modified_time) : updatedAt,
    updatedAt,
  };
}

function inlineParts(row: CallRow): CallNode['inline'] {
  const inline: CallNode['inline'] = {};
  if (row.recordings_json !== undefined) inline.recordings = (row.recordings_json ?? []).map(toRecording);
  if (row.legs_json !== undefined) inline.legs = (row.legs_json ?? []).map((leg) => ({ ...toLeg(leg), callRecordings: inline.recordings }));
  if (row.voicemail_json !== undefined) inline.voicemail = row.voicemail_json ? toVoicemail(row.voicemail_json) : null;
  return inline;
}

export interface LegNode {
  key: CallKey;
  position: number;
  /** The call's recordings when they were read with it. */
  callRecordings?: RecordingNode[] | undefined;
  [field: string]: unknown;
}

export function toLeg(row: LegRow): LegNode {
  return {
    key: { accountId: row.account_id, id: row.call_id },
    position: row.position,
    extension: extension(row.extension_id, row),
    legType: row.leg_type ?? 'Unknown',
    direction: direction(row.direction),
    action: row.action ?? 'Unknown',
    result: row.result ?? 'Unknown',
    reason: row.reason,
    startTime: date(row.start_time),
    durationSeconds: row.duration_seconds ?? 0,
    from: party(row, 'from'),
    to: party(row, 'to'),
    master: row.master,
  };
}

export const toRecording = (row: RecordingRow) => ({ id: row.id, type: row.type, contentUri: row.content_uri ?? row.uri ?? '', legPosition: row.leg_position });

interface ExtensionColumns {
  ext_number: string | null;
  ext_name: string | null;
  ext_type: string | null;
  ext_status: string | null;
}

/** The extension joined into a row; an id the extension list does not (yet) hold still answers with its id. */
function extension(id: string | null, row: ExtensionColumns) {
  return id === null ? null : { id, extensionNumber: row.ext_number, name: row.ext_name, type: row.ext_type, status: row.ext_status };
}

export interface VoicemailNode {
  cursorAt: { creationUs: string; id: string };
  callKey: CallKey | null;
  [field: string]: unknown;
}

export function toVoicemail(row: VoicemailRow): VoicemailNode {
  const to = Array.isArray(row.to_parties) ? (row.to_parties as Array<Record<string, unknown>>) : [];
  return {
    cursorAt: { creationUs: row.creation_us, id: row.id },
    callKey: row.link_call_id ? { accountId: row.account_id, id: row.link_call_id } : null,
    id: row.id,
    extension: extension(row.mailbox_extension_id, row),
    from: { ...party(row, 'from'), extensionNumber: null, location: null },
    to: to.map((t) => ({
      phoneNumber: typeof t.phoneNumber === 'string' ? (toE164(t.phoneNumber) ?? t.phoneNumber) : null,
      extensionNumber: typeof t.extensionNumber === 'string' ? t.extensionNumber : null,
      extensionId: t.extensionId == null ? null : String(t.extensionId),
      name: typeof t.name === 'string' ? t.name : null,
      location: typeof t.location === 'string' ? t.location : null,
    })),
    creationTime: date(row.creation_time),
    durationSeconds: row.duration_seconds,
    readStatus: row.read_status,
    transcriptionStatus: row.transcription_status,
    audioContentUri: row.audio_uri,
    availability: row.availability,
    link: row.link_call_id
      ? { method: row.link_method ?? 'MATCHED', confidence: row.link_confidence ?? 0, secondsAfterCallStart: row.link_seconds ?? 0 }
      : null,
  };
}
