import { createHash } from 'node:crypto';
import { toE164 } from '../core/phone-numbers.ts';
import type { CallLogLeg, CallLogRecord } from '../ringcentral/payloads.ts';
import { stringifyJson } from '../ringcentral/json.ts';

/**
 * RingCentral call-log record -> database rows. Keys are column names, so a page of rows can be sent to
 * Postgres as one JSON document (see calls.ts).
 */
export type Row = Record<string, string | number | boolean | null>;

type Party = CallLogRecord['from'];

function partyColumns(prefix: 'from' | 'to', party: Party): Row {
  return {
    [`${prefix}_phone_number`]: party?.phoneNumber ?? null,
    [`${prefix}_e164`]: toE164(party?.phoneNumber),
    [`${prefix}_extension_number`]: party?.extensionNumber ?? null,
    [`${prefix}_extension_id`]: party?.extensionId ?? null,
    [`${prefix}_name`]: party?.name ?? null,
    [`${prefix}_location`]: party?.location ?? null,
  };
}

function commonColumns(r: CallLogRecord | CallLogLeg): Row {
  return {
    type: r.type ?? null,
    direction: r.direction ?? null,
    action: r.action ?? null,
    result: r.result ?? null,
    reason: r.reason ?? null,
    reason_description: r.reasonDescription ?? null,
    start_time: new Date(r.startTime).toISOString(),
    duration_seconds: r.duration ?? null,
    duration_ms: r.durationMs ?? null,
    transport: r.transport ?? null,
    internal_type: r.internalType ?? null,
    telephony_session_id: r.telephonySessionId ?? null,
    extension_id: r.extension?.id ?? null,
    ...partyColumns('from', r.from),
    ...partyColumns('to', r.to),
    message_id: r.message?.id ?? null,
    message_type: r.message?.type ?? null,
    message_uri: r.message?.uri ?? null,
    recording_id: r.recording?.id ?? null,
    recording_type: r.recording?.type ?? null,
    recording_uri: r.recording?.uri ?? null,
    recording_content_uri: r.recording?.contentUri ?? null,
    short_recording: r.shortRecording === true,
  };
}

/** End of the call: start + duration (ms precision when RingCentral gives durationMs). */
export function endTimeOf(r: CallLogRecord): string {
  const ms = r.durationMs ?? (r.duration ?? 0) * 1000;
  return new Date(Date.parse(r.startTime) + ms).toISOString();
}

export interface CallRows {
  call: Row;
  legs: Row[];
  /** The raw record as JSON text, int64s intact. */
  rawJson: string;
}

/** Maps one validated record (and its raw JSON) to a calls row and its call_legs rows. */
export function toCallRows(accountId: string, record: CallLogRecord, raw: unknown): CallRows {
  const rawJson = stringifyJson(raw);
  const legs = record.legs ?? [];
  return {
    rawJson,
    call: {
      account_id: accountId,
      id: record.id,
      session_id: record.sessionId ?? null,
      uri: record.uri ?? null,
      ...commonColumns(record),
      end_time: endTimeOf(record),
      last_modified_time: record.lastModifiedTime ? new Date(record.lastModifiedTime).toISOString() : null,
      deleted: record.deleted === true,
      leg_count: legs.length,
      content_hash: createHash('sha256').update(rawJson).digest('base64url'),
    },
    legs: legs.map((leg, position) => ({
      account_id: accountId,
      call_id: record.id,
      position,
      leg_type: leg.legType ?? null,
      master: leg.master === true,
      party_id: leg.partyId ?? null,
      ...commonColumns(leg),
    })),
  };
}
