import { sql, type SQL } from 'drizzle-orm';
import { instantText } from '../core/instant.ts';
import type { Database } from './db.ts';
import { atMicros, keysTable, micros, keysInScope, scopeCondition, type AccountScope, type CallKey } from './read-keys.ts';
import { FULL_CALL, FULL_LEG, FULL_RECORDING, callJson, legJson, recordingJson, type Selection } from './call-json.ts';
import { VOICEMAIL_BY_LINK, VOICEMAIL_COLUMNS, type VoicemailRow } from './voicemail-reads.ts';

export type { CallKey };

/*
 * The reads behind the GraphQL API: a page of calls by keyset, and the parts of many calls at once (legs,
 * recordings, voicemails, callbacks; extensions are joined in) so a page costs the same few statements at any size.
 * Rows come back as the database has them; src/resolvers shapes them for the contract.
 */

/** A call as the API reads it: its keys and the selected fields in the contract's shape (call-json.ts). */
export interface CallRow {
  account_id: string;
  id: string;
  /** start_time as whole microseconds since the epoch: the keyset cursor, exact where a JS Date is not. */
  start_us: string;
  /** The selected fields of the Call, legs and recording included, as the contract has them. */
  call: Record<string, unknown>;
  /** The linked voicemail's row, when the selection has `voicemail` (the API shapes it). */
  voicemail_json?: VoicemailRow | null;
}

/** A call's columns: keys, cursor, the selected fields as JSON, and the voicemail's row when selected. */
function callColumns(selection: Selection): SQL {
  const voicemail = selection.voicemail
    ? sql`, (select row_to_json(x) from (
      select ${VOICEMAIL_COLUMNS} from ${VOICEMAIL_BY_LINK} where l.account_id = c.account_id and l.call_id = c.id) x) as voicemail_json`
    : sql``;
  return sql`c.account_id, c.id, ${micros(sql`c.start_time`)} as start_us, ${callJson(selection)} as call${voicemail}`;
}

const FROM_CALLS = sql`calls c
  left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
  left join extensions e on e.account_id = d.account_id and e.id = d.extension_id`;

/** Unanswered inbound calls: those a callback answers. A call not derived yet (no d row) is not one yet. */
const UNANSWERED = sql`(c.direction = 'Inbound' and d.disposition in ('MISSED', 'VOICEMAIL', 'ABANDONED'))`;

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

/**
 * A position in the (start_time, id, account_id) order: ids are unique only per account, so the account
 * breaks a tie between two accounts' calls. A cursor made before accounts were data has none: it resumes
 * after (start_time, id) in every account, as it did then.
 */
export interface CallKeyset {
  startUs: string;
  id: string;
  accountId?: string | undefined;
}

function conditions(f: CallFilter): SQL[] {
  const where: SQL[] = [];
  if (!f.includeDeleted) where.push(sql`not c.deleted`);
  if (f.startedAfter) where.push(sql`c.start_time >= ${instantText(f.startedAfter)}`);
  if (f.startedBefore) where.push(sql`c.start_time < ${instantText(f.startedBefore)}`);
  if (f.direction) where.push(sql`c.direction = ${f.direction}`);
  // Both filters are written so the planner can start from their indexes when few calls match (a rare
  // disposition, one agent's calls) instead of walking every call in time order.
  if (f.dispositions) {
    const listed = sql`d.disposition = any(${sql.param(f.dispositions)}::text[])`;
    where.push(f.dispositions.includes('UNKNOWN') ? sql`(d.disposition is null or ${listed})` : listed);
  }
  if (f.extensionId !== undefined) {
    const id = f.extensionId;
    where.push(sql`(c.account_id, c.id) in (
      select account_id, id from calls where extension_id = ${id}
      union select account_id, call_id from call_dispositions where extension_id = ${id}
      union select account_id, call_id from call_legs where extension_id = ${id})`);
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

/** The conditions with the scope's condition on c.account_id first. */
function withScope(parts: SQL[], scope: AccountScope): SQL[] {
  const condition = scopeCondition(sql`c.account_id`, scope);
  return condition ? [condition, ...parts] : parts;
}

const whereClause = (parts: SQL[]) => (parts.length ? sql`where ${sql.join(parts, sql` and `)}` : sql``);

/** One page of the scope's calls in (start_time, id, account_id) order after `after`, plus whether more follow. */
export async function findCalls(
  database: Database,
  scope: AccountScope,
  filter: CallFilter,
  order: 'asc' | 'desc',
  after: CallKeyset | null,
  limit: number,
  selection: Selection = FULL_CALL,
): Promise<{ rows: CallRow[]; hasMore: boolean }> {
  const where = withScope(conditions(filter), scope);
  if (after) {
    const [columns, at] = after.accountId === undefined
      ? [sql`(c.start_time, c.id)`, sql`(${atMicros(after.startUs)}, ${after.id}::text)`]
      : [sql`(c.start_time, c.id, c.account_id)`, sql`(${atMicros(after.startUs)}, ${after.id}::text, ${after.accountId}::text)`];
    where.push(order === 'desc' ? sql`${columns} < ${at}` : sql`${columns} > ${at}`);
  }
  const direction = sql.raw(order);
  // Under a one-account scope account_id is a constant to the planner: the order is the index's (start_time, id).
  const rows = await database.query<CallRow>(sql`
    select ${callColumns(selection)} from ${FROM_CALLS} ${whereClause(where)}
    order by c.start_time ${direction}, c.id ${direction}, c.account_id ${direction}
    limit ${limit + 1}`);
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Calls by key, tombstones included (a feed entry or a callback names a call, whatever its state). */
export async function callsByKeys(database: Database, scope: AccountScope, asked: readonly CallKey[], selection: Selection = FULL_CALL): Promise<CallRow[]> {
  const keys = keysInScope(asked, scope);
  if (keys.length === 0) return [];
  return database.query<CallRow>(sql`
    select ${callColumns(selection)} from ${keysTable(keys)} join ${FROM_CALLS} on c.account_id = k.account_id and c.id = k.id`);
}

/** Calls with these record ids in the scope's accounts (ids are unique per account: one id may name a call in several). */
export async function callsById(database: Database, scope: AccountScope, ids: readonly string[]): Promise<CallRow[]> {
  if (ids.length === 0) return [];
  const where = withScope([sql`c.id = any(${sql.param([...ids])}::text[])`], scope);
  return database.query<CallRow>(sql`
    select ${callColumns(FULL_CALL)} from ${FROM_CALLS} ${whereClause(where)} order by c.account_id`);
}

/** The legs of many calls, in order, each with its recording. */
export async function legsOfCalls(database: Database, scope: AccountScope, asked: readonly CallKey[]): Promise<Array<{ account_id: string; call_id: string; leg: Record<string, unknown> }>> {
  const keys = keysInScope(asked, scope);
  if (keys.length === 0) return [];
  return database.query(sql`
    select l.account_id, l.call_id, ${legJson(FULL_LEG)} as leg
    from ${keysTable(keys)} join call_legs l on l.account_id = k.account_id and l.call_id = k.id
    order by l.account_id, l.call_id, l.position`);
}

/** The recording of each of many calls that has one, as Call.recording has it. */
export async function recordingsOfCalls(database: Database, scope: AccountScope, asked: readonly CallKey[]): Promise<Array<{ account_id: string; call_id: string; recording: Record<string, unknown> }>> {
  const keys = keysInScope(asked, scope);
  if (keys.length === 0) return [];
  return database.query(sql`
    select distinct on (r.account_id, r.call_id) r.account_id, r.call_id, ${recordingJson(FULL_RECORDING)} as recording
    from ${keysTable(keys)} join recordings r on r.account_id = k.account_id and r.call_id = k.id
    order by r.account_id, r.call_id, r.leg_position`);
}

/** The callback call itself, with the call it answers and how long after. */
export type CallbackRow = CallRow & { answers_call_id: string; seconds_after_end: number };

/** The callbacks of these calls, each as the full row of the callback call. */
export async function callbacksOfCalls(database: Database, scope: AccountScope, asked: readonly CallKey[]): Promise<CallbackRow[]> {
  const keys = keysInScope(asked, scope);
  if (keys.length === 0) return [];
  return database.query<CallbackRow>(sql`
    select ${callColumns(FULL_CALL)}, b.call_id as answers_call_id, b.seconds_after_end
    from ${keysTable(keys)}
    join callbacks b on b.account_id = k.account_id and b.call_id = k.id
    join ${FROM_CALLS} on c.account_id = b.account_id and c.id = b.callback_call_id`);
}
