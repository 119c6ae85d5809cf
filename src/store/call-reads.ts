import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './db.ts';
import { atMicros, keysTable, micros, type CallKey } from './read-keys.ts';
import { VOICEMAIL_BY_LINK, VOICEMAIL_COLUMNS, type VoicemailRow } from './voicemail-reads.ts';

export type { CallKey };

/*
 * The reads behind the GraphQL API: a page of calls by keyset, and the parts of many calls at once (legs,
 * recordings, voicemails, callbacks; extensions are joined in) so a page costs the same few statements at any size.
 * Rows come back as the database has them; src/resolvers shapes them for the contract.
 */

export interface CallRow {
  account_id: string;
  id: string;
  session_id: string | null;
  telephony_session_id: string | null;
  direction: string | null;
  type: string | null;
  start_time: Date | string;
  end_time: Date | string;
  duration_seconds: number | null;
  result: string | null;
  deleted: boolean;
  last_modified_time: Date | string | null;
  updated_at: Date | string;
  disposition: string | null;
  disposition_reason: string | null;
  final: boolean | null;
  pending_reason: string | null;
  disposition_extension_id: string | null;
  ext_number: string | null;
  ext_name: string | null;
  ext_type: string | null;
  ext_status: string | null;
  /** start_time as whole microseconds since the epoch: the keyset cursor, exact where a JS Date is not. */
  start_us: string;
  /** Parts read with the page when asked for (see CallParts): JSON, one value per call. */
  legs_json?: LegRow[] | null;
  recordings_json?: RecordingRow[] | null;
  voicemail_json?: VoicemailRow | null;
  [party: `${'from' | 'to'}_${string}`]: string | null;
}

const CALL_COLUMNS = sql`
  c.account_id, c.id, c.session_id, c.telephony_session_id, c.direction, c.type, c.start_time, c.end_time, c.duration_seconds,
  c.from_phone_number, c.from_e164, c.from_extension_number, c.from_extension_id, c.from_name, c.from_location,
  c.to_phone_number, c.to_e164, c.to_extension_number, c.to_extension_id, c.to_name, c.to_location,
  c.result, c.deleted, c.last_modified_time,
  greatest(c.updated_at, (select max(f.changed_at) from call_changes f where f.account_id = c.account_id and f.call_id = c.id)) as updated_at,
  d.disposition, d.reason as disposition_reason, d.final, d.pending_reason, d.extension_id as disposition_extension_id,
  e.extension_number as ext_number, e.name as ext_name, e.type as ext_type, e.status as ext_status,
  ${micros(sql`c.start_time`)} as start_us`;

const FROM_CALLS = sql`calls c
  left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
  left join extensions e on e.account_id = d.account_id and e.id = d.extension_id`;

/** Dispositions of calls not derived yet: they count as UNKNOWN, as the API shows them. */
const DISPOSITION = sql`coalesce(d.disposition, 'UNKNOWN')`;
const UNANSWERED = sql`(c.direction = 'Inbound' and ${DISPOSITION} in ('MISSED', 'VOICEMAIL', 'ABANDONED'))`;

/** Which parts of each call to read in the same statement as the calls (one JSON value per call). */
export interface CallParts {
  legs?: boolean;
  recordings?: boolean;
  voicemail?: boolean;
}

function partColumns(parts: CallParts): SQL {
  const columns: SQL[] = [];
  if (parts.legs) {
    columns.push(sql`(select json_agg(row_to_json(x) order by x.position) from (
      select ${LEG_COLUMNS} from call_legs l ${LEG_EXTENSION} where l.account_id = c.account_id and l.call_id = c.id) x) as legs_json`);
  }
  if (parts.recordings) {
    columns.push(sql`(select json_agg(row_to_json(x) order by x.leg_position) from (
      select ${RECORDING_COLUMNS} from recordings r where r.account_id = c.account_id and r.call_id = c.id) x) as recordings_json`);
  }
  if (parts.voicemail) {
    columns.push(sql`(select row_to_json(x) from (
      select ${VOICEMAIL_COLUMNS} from ${VOICEMAIL_BY_LINK} where l.account_id = c.account_id and l.call_id = c.id) x) as voicemail_json`);
  }
  return columns.length ? sql`, ${sql.join(columns, sql`, `)}` : sql``;
}

export interface CallFilter {
  startedAfter?: Date | undefined;
  startedBefore?: Date | undefined;
  direction?: 'Inbound' | 'Outbound' | undefined;
  dispositions?: string[] | undefined;
  extensionId?: string | undefined;
  /** E.164 (possibly masked), already normalised. */
  phoneNumber?: string | undefined;
  sessionId?: string | undefined;
  telephonySessionId?: string | undefined;
  hasVoicemail?: boolean | undefined;
  hasRecording?: boolean | undefined;
  final?: boolean | undefined;
  calledBack?: boolean | undefined;
  includeDeleted?: boolean | undefined;
}

/** A position in the (start_time, id) order. */
export interface CallKeyset {
  startUs: string;
  id: string;
}

function conditions(f: CallFilter): SQL[] {
  const where: SQL[] = [];
  if (!f.includeDeleted) where.push(sql`not c.deleted`);
  if (f.startedAfter) where.push(sql`c.start_time >= ${f.startedAfter.toISOString()}`);
  if (f.startedBefore) where.push(sql`c.start_time < ${f.startedBefore.toISOString()}`);
  if (f.direction) where.push(sql`c.direction = ${f.direction}`);
  if (f.dispositions) where.push(sql`${DISPOSITION} = any(${sql.param(f.dispositions)}::text[])`);
  if (f.extensionId !== undefined) {
    where.push(sql`(c.extension_id = ${f.extensionId} or d.extension_id = ${f.extensionId} or exists (
      select 1 from call_legs l where l.extension_id = ${f.extensionId} and l.account_id = c.account_id and l.call_id = c.id))`);
  }
  if (f.phoneNumber) where.push(sql`(c.from_e164 = ${f.phoneNumber} or c.to_e164 = ${f.phoneNumber})`);
  if (f.sessionId !== undefined) where.push(sql`c.session_id = ${f.sessionId}`);
  if (f.telephonySessionId !== undefined) where.push(sql`c.telephony_session_id = ${f.telephonySessionId}`);
  if (f.hasVoicemail !== undefined) {
    const linked = sql`exists (select 1 from voicemail_links v where v.account_id = c.account_id and v.call_id = c.id)`;
    where.push(f.hasVoicemail ? linked : sql`not ${linked}`);
  }
  if (f.hasRecording !== undefined) {
    const recorded = sql`exists (select 1 from recordings r where r.account_id = c.account_id and r.call_id = c.id)`;
    where.push(f.hasRecording ? recorded : sql`not ${recorded}`);
  }
  if (f.final !== undefined) where.push(f.final ? sql`coalesce(d.final, false)` : sql`not coalesce(d.final, false)`);
  if (f.calledBack !== undefined) {
    const called = sql`exists (select 1 from callbacks b where b.account_id = c.account_id and b.call_id = c.id)`;
    where.push(sql`${UNANSWERED} and ${f.calledBack ? called : sql`not ${called}`}`);
  }
  return where;
}

const whereClause = (parts: SQL[]) => (parts.length ? sql`where ${sql.join(parts, sql` and `)}` : sql``);

/** One page of calls in (start_time, id) order after `after`, plus whether more follow. */
export async function findCalls(
  database: Database,
  filter: CallFilter,
  order: 'asc' | 'desc',
  after: CallKeyset | null,
  limit: number,
  parts: CallParts = {},
): Promise<{ rows: CallRow[]; hasMore: boolean }> {
  const where = conditions(filter);
  if (after) {
    const at = sql`(${atMicros(after.startUs)}, ${after.id}::text)`;
    where.push(order === 'desc' ? sql`(c.start_time, c.id) < ${at}` : sql`(c.start_time, c.id) > ${at}`);
  }
  const direction = sql.raw(order);
  const rows = await database.query<CallRow>(sql`
    select ${CALL_COLUMNS}${partColumns(parts)} from ${FROM_CALLS} ${whereClause(where)}
    order by c.start_time ${direction}, c.id ${direction}
    limit ${limit + 1}`);
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Calls by key, tombstones included (a feed entry or a callback names a call, whatever its state). */
export async function callsByKeys(database: Database, keys: readonly CallKey[], parts: CallParts = {}): Promise<CallRow[]> {
  if (keys.length === 0) return [];
  return database.query<CallRow>(sql`
    select ${CALL_COLUMNS}${partColumns(parts)} from ${keysTable(keys)} join ${FROM_CALLS} on c.account_id = k.account_id and c.id = k.id`);
}

/** Calls with this record id in any account (ids are unique per account, and in practice across them). */
export async function callsById(database: Database, ids: readonly string[]): Promise<CallRow[]> {
  if (ids.length === 0) return [];
  return database.query<CallRow>(sql`
    select ${CALL_COLUMNS} from ${FROM_CALLS} where c.id = any(${sql.param([...ids])}::text[]) order by c.account_id`);
}

export interface LegRow {
  account_id: string;
  call_id: string;
  position: number;
  leg_type: string | null;
  direction: string | null;
  action: string | null;
  result: string | null;
  reason: string | null;
  start_time: Date | string;
  duration_seconds: number | null;
  extension_id: string | null;
  ext_number: string | null;
  ext_name: string | null;
  ext_type: string | null;
  ext_status: string | null;
  master: boolean;
  [party: `${'from' | 'to'}_${string}`]: string | null;
}

const LEG_COLUMNS = sql`
  l.account_id, l.call_id, l.position, l.leg_type, l.direction, l.action, l.result, l.reason, l.start_time,
  l.duration_seconds, l.extension_id, l.master,
  l.from_phone_number, l.from_e164, l.from_extension_number, l.from_extension_id, l.from_name, l.from_location,
  l.to_phone_number, l.to_e164, l.to_extension_number, l.to_extension_id, l.to_name, l.to_location,
  e.extension_number as ext_number, e.name as ext_name, e.type as ext_type, e.status as ext_status`;

const LEG_EXTENSION = sql`left join extensions e on e.account_id = l.account_id and e.id = l.extension_id`;

export async function legsOfCalls(database: Database, keys: readonly CallKey[]): Promise<LegRow[]> {
  if (keys.length === 0) return [];
  return database.query<LegRow>(sql`
    select ${LEG_COLUMNS}
    from ${keysTable(keys)} join call_legs l on l.account_id = k.account_id and l.call_id = k.id ${LEG_EXTENSION}
    order by l.account_id, l.call_id, l.position`);
}

export interface RecordingRow {
  account_id: string;
  call_id: string;
  leg_position: number;
  id: string;
  type: string | null;
  content_uri: string | null;
  uri: string | null;
}

const RECORDING_COLUMNS = sql`r.account_id, r.call_id, r.leg_position, r.id, r.type, r.content_uri, r.uri`;

export async function recordingsOfCalls(database: Database, keys: readonly CallKey[]): Promise<RecordingRow[]> {
  if (keys.length === 0) return [];
  return database.query<RecordingRow>(sql`
    select ${RECORDING_COLUMNS}
    from ${keysTable(keys)} join recordings r on r.account_id = k.account_id and r.call_id = k.id
    order by r.account_id, r.call_id, r.leg_position`);
}

/** The callback call itself, with the call it answers and how long after. */
export type CallbackRow = CallRow & { answers_call_id: string; seconds_after_end: number };

/** The callbacks of these calls, each as the full row of the callback call. */
export async function callbacksOfCalls(database: Database, keys: readonly CallKey[]): Promise<CallbackRow[]> {
  if (keys.length === 0) return [];
  return database.query<CallbackRow>(sql`
    select ${CALL_COLUMNS}, b.call_id as answers_call_id, b.seconds_after_end
    from ${keysTable(keys)}
    join callbacks b on b.account_id = k.account_id and b.call_id = k.id
    join ${FROM_CALLS} on c.account_id = b.account_id and c.id = b.callback_call_id`);
}
