import { toE164 } from '../core/phone-numbers.ts';
import type { CallKey, CallRow } from '../store/call-reads.ts';
import type { VoicemailRow } from '../store/voicemail-reads.ts';

/*
 * Rows shaped as the contract's objects. Plain fields are plain properties (graphql-js's default resolver
 * reads them); fields that need another table are resolved through the request's loaders. Calls, legs and
 * recordings arrive shaped from SQL; voicemails are shaped here (their `to` numbers need toE164).
 */

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));

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

/** A Call: the contract's fields as PostgreSQL built them (store/call-json.ts), plus what resolvers need. */
export interface CallNode {
  /** The node is its own key: it has the call's accountId and id. */
  accountId: string;
  id: string;
  cursorAt: { startUs: string; id: string; accountId: string };
  /** Parts read with the call when the query selected them; absent ones are loaded in batches by the loaders. */
  legs?: LegNode[] | null;
  recording?: RecordingNode | null;
  voicemail?: VoicemailNode | null;
  [field: string]: unknown;
}

/** A CallLeg as PostgreSQL built it; `recording` is there whenever a query asks for it. */
export type LegNode = Record<string, unknown> & { recording?: RecordingNode | null };

export type RecordingNode = Record<string, unknown>;

export function toCall(row: CallRow): CallNode {
  const node = row.call as CallNode;
  node.cursorAt = { startUs: row.start_us, id: row.id, accountId: row.account_id };
  if (row.voicemail_json !== undefined) node.voicemail = row.voicemail_json ? toVoicemail(row.voicemail_json) : null;
  return node;
}

interface ExtensionColumns {
  ext_number: string | null;
  ext_name: string | null;
  ext_type: string | null;
  ext_status: string | null;
}

/** The extension joined into a row; an id the extension list does not (yet) hold still answers with its id. */
function extension(accountId: string, id: string | null, row: ExtensionColumns) {
  return id === null ? null : { accountId, id, extensionNumber: row.ext_number, name: row.ext_name, type: row.ext_type, status: row.ext_status };
}

export interface VoicemailNode {
  cursorAt: { creationUs: string; id: string; accountId: string };
  /** The account whose mailbox holds it: with id, the key of what other tables keep about it. */
  accountId: string;
  callKey: CallKey | null;
  [field: string]: unknown;
}

export function toVoicemail(row: VoicemailRow): VoicemailNode {
  const to = Array.isArray(row.to_parties) ? (row.to_parties as Array<Record<string, unknown>>) : [];
  return {
    cursorAt: { creationUs: row.creation_us, id: row.id, accountId: row.account_id },
    accountId: row.account_id,
    callKey: row.link_call_id ? { accountId: row.account_id, id: row.link_call_id } : null,
    id: row.id,
    extension: extension(row.account_id, row.mailbox_extension_id, row),
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
    readable: row.readable,
    link: row.link_call_id
      ? { method: row.link_method ?? 'MATCHED', confidence: row.link_confidence ?? 0, secondsAfterCallStart: row.link_seconds ?? 0 }
      : null,
  };
}
