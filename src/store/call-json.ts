import { sql, type SQL } from 'drizzle-orm';

/*
 * Calls, legs and recordings as the API contract's objects, built by PostgreSQL as JSON with just the
 * fields a query selects. A page of 100 calls with their legs is ~10,000 field values: built here, the API
 * process parses one JSON value per call and serialises what it was asked for, instead of converting every
 * column into a Date or a string and copying it into an object of the contract's shape (that work, and the
 * garbage it left, was most of the API's CPU). Aliases: c calls, d call_dispositions, e extensions (of the
 * disposition, or of the leg), l call_legs, r recordings.
 */

/** The fields a query selects, by field name (not alias): `true` for a scalar, the sub-selection for an object. */
export interface Selection {
  readonly [field: string]: Selection | true;
}

/** A field's value: an SQL expression, or for an object field a builder of its sub-selection. */
type Field = string | ((selection: Selection) => string);
type Fields = Readonly<Record<string, Field>>;

/** ISO-8601 in UTC with milliseconds: exactly Date.prototype.toISOString, which the DateTime scalar emits. */
const isoUtc = (instant: string) => `to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const direction = (column: string) => `case when ${column} = 'Outbound' then 'OUTBOUND' else 'INBOUND' end`;

/**
 * json_build_object of the selected fields, in `fields`' order (equal selections give equal statements,
 * which postgres.js prepares once). `always` fields are there whatever the selection: resolvers need them.
 */
function object(fields: Fields, selection: Selection, always: readonly string[] = []): string {
  const pairs: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const selected = selection[name];
    if (selected === undefined && !always.includes(name)) continue;
    const value = typeof field === 'function' ? field(selected === true || selected === undefined ? {} : selected) : field;
    pairs.push(`'${name}', ${value}`);
  }
  return `json_build_object(${pairs.join(', ')})`;
}

/** Every field of `fields`, nested: what reads not shaped by a query (loaders, Query.call) build. */
function everything(fields: Fields, nested: Readonly<Record<string, Fields>>): Selection {
  return Object.fromEntries(Object.keys(fields).map((name) => [name, nested[name] ? everything(nested[name], {}) : true]));
}

/** A Party: E.164 where RingCentral's number is one, otherwise what it sent (a short code, "anonymous"). */
const partyFields = (alias: 'c' | 'l', side: 'from' | 'to'): Fields => ({
  phoneNumber: (`coalesce(${alias}.${side}_e164, ${alias}.${side}_phone_number)`),
  extensionNumber: (`${alias}.${side}_extension_number`),
  extensionId: (`${alias}.${side}_extension_id`),
  name: (`${alias}.${side}_name`),
  location: (`${alias}.${side}_location`),
});

/** The extension joined as `e`; an id the extension list does not (yet) hold still answers with its id. */
const extensionFields = (account: string, id: string): Fields => ({
  accountId: account,
  id,
  extensionNumber: `e.extension_number`,
  name: `e.name`,
  type: `e.type`,
  status: `e.status`,
});
const extension = (account: string, id: string) => (s: Selection) => `case when ${id} is null then null else ${object(extensionFields(account, id), s)} end`;

const RECORDING_FIELDS: Fields = { accountId: `r.account_id`, id: `r.id`, type: `r.type`, contentUri: `coalesce(r.content_uri, r.uri, '')` };
/** A recording's selected fields, and always its account and id: Recording.audioUrl is signed for them. */
const recordingObject = (selection: Selection) => object(RECORDING_FIELDS, selection, ['accountId', 'id']);

const LEG_FIELDS: Fields = {
  position: `l.position`,
  legType: `coalesce(l.leg_type, 'Unknown')`,
  direction: direction(`l.direction`),
  action: `coalesce(l.action, 'Unknown')`,
  result: `coalesce(l.result, 'Unknown')`,
  reason: `l.reason`,
  startTime: isoUtc(`l.start_time`),
  durationSeconds: `coalesce(l.duration_seconds, 0)`,
  from: (s) => object(partyFields('l', 'from'), s),
  to: (s) => object(partyFields('l', 'to'), s),
  // The leg's extension by index lookup (a join in `legs` would rebuild a hash of the extensions for every
  // call), left-joined to one row so that an extension not in the list still answers with its id.
  extension: (s) => `(select ${extension(`l.account_id`, `l.extension_id`)(s)} from (values (1)) one
    left join extensions e on e.account_id = l.account_id and e.id = l.extension_id)`,
  master: `l.master`,
  recording: (s) => `(select ${recordingObject(s)} from recordings r
    where r.account_id = l.account_id and r.call_id = l.call_id and r.leg_position = l.position)`,
};

/** A call's legs in order ([] when it has none). */
const legs = (s: Selection) => `coalesce((select json_agg(${object(LEG_FIELDS, s)} order by l.position) from call_legs l
  where l.account_id = c.account_id and l.call_id = c.id), '[]')`;

/** Call.recording: the record's own (leg position -1, sorting first), failing that the first leg's. */
const callRecording = (s: Selection) => `(select ${recordingObject(s)} from recordings r
  where r.account_id = c.account_id and r.call_id = c.id order by r.leg_position limit 1)`;

/** When callsync last changed anything stored for the call: its row or any part (the change feed knows). */
const UPDATED_AT = `greatest(c.updated_at, (select max(f.changed_at) from call_changes f where f.account_id = c.account_id and f.call_id = c.id))`;

const CALL_FIELDS: Fields = {
  id: `c.id`,
  accountId: `c.account_id`,
  sessionId: `c.session_id`,
  telephonySessionId: `c.telephony_session_id`,
  direction: direction(`c.direction`),
  type: `coalesce(c.type, 'Voice')`,
  startTime: isoUtc(`c.start_time`),
  endTime: isoUtc(`c.end_time`),
  durationSeconds: `coalesce(c.duration_seconds, 0)`,
  from: (s) => object(partyFields('c', 'from'), s),
  to: (s) => object(partyFields('c', 'to'), s),
  result: `coalesce(c.result, 'Unknown')`,
  // A call stored but not derived yet (the derive pass runs right after each sync) is not settled.
  disposition: `coalesce(d.disposition, 'UNKNOWN')`,
  dispositionReason: `coalesce(d.reason, 'The disposition has not been derived yet.')`,
  final: `coalesce(d.final, false)`,
  pendingReason: `case when d.final then null else coalesce(d.pending_reason, case when d.disposition is null then 'disposition not derived yet' end) end`,
  deleted: `c.deleted`,
  extension: extension(`c.account_id`, `d.extension_id`),
  legs,
  recording: callRecording,
  lastModifiedTime: isoUtc(`coalesce(c.last_modified_time, ${UPDATED_AT})`),
  updatedAt: isoUtc(UPDATED_AT),
};

const PARTY = partyFields('c', 'from');
const EXTENSION = extensionFields('e.account_id', 'e.id');

/** Every field of a recording. */
export const FULL_RECORDING = everything(RECORDING_FIELDS, {});

/** Every field of a leg, its recording included. */
export const FULL_LEG = everything(LEG_FIELDS, { from: PARTY, to: PARTY, extension: EXTENSION, recording: RECORDING_FIELDS });

/** Every field of a call that lives in `calls`, `call_dispositions` and `extensions` (legs and recording not). */
export const FULL_CALL = everything(
  Object.fromEntries(Object.entries(CALL_FIELDS).filter(([name]) => name !== 'legs' && name !== 'recording')),
  { from: PARTY, to: PARTY, extension: EXTENSION },
);

// The builders hold no parameters, only our own field names and expressions: plain text, built in microseconds.

/** The selected fields of a call (c, with d and its extension e joined); accountId and id always: they are its key. */
export const callJson = (selection: Selection): SQL => sql.raw(object(CALL_FIELDS, selection, ['accountId', 'id']));

/** The selected fields of a leg (l). */
export const legJson = (selection: Selection): SQL => sql.raw(object(LEG_FIELDS, selection));

/** The selected fields of a recording (r). */
export const recordingJson = (selection: Selection): SQL => sql.raw(recordingObject(selection));
