import { sql, type SQL } from 'drizzle-orm';
import { atMicros, keysInScope, keysTable, micros, scopeCondition, type AccountScope, type CallKey } from './read-keys.ts';
import { instantText } from '../core/instant.ts';
import type { Database } from './db.ts';

/** The API's reads of voicemails, each with its linking verdict; many at once, like call-reads.ts. */

export interface VoicemailRow {
  account_id: string;
  id: string;
  mailbox_extension_id: string;
  from_phone_number: string | null;
  from_e164: string | null;
  from_name: string | null;
  from_extension_id: string | null;
  /** The message's `to` array as RingCentral sent it. */
  to_parties: unknown;
  creation_time: Date | string;
  duration_seconds: number | null;
  read_status: string | null;
  transcription_status: string | null;
  audio_uri: string | null;
  availability: string;
  readable: boolean;
  link_call_id: string | null;
  link_method: string | null;
  link_confidence: number | null;
  link_seconds: number | null;
  creation_us: string;
  ext_number: string | null;
  ext_name: string | null;
  ext_type: string | null;
  ext_status: string | null;
}

/**
 * When the message was created. A message purged before callsync saw it is a stub without a creation
 * time: it is placed at the end of the call it is linked to, as linking placed it (store/facts.ts), and
 * failing that when callsync first heard of it. Display, filters, order and cursors all use this.
 */
const CREATED = sql`coalesce(v.creation_time, (select lc.end_time from calls lc where lc.account_id = l.account_id and lc.id = l.call_id), v.first_seen_at)`;

/** A voicemail with its link (alias l) and mailbox extension (alias e), as every voicemail read returns it. */
export const VOICEMAIL_COLUMNS = sql`
  v.account_id, v.id, v.mailbox_extension_id, v.from_phone_number, v.from_e164, v.from_name, v.from_extension_id,
  v.raw -> 'to' as to_parties, ${CREATED} as creation_time, v.duration_seconds,
  v.read_status, v.transcription_status, v.audio_uri, v.availability, v.readable,
  l.call_id as link_call_id, l.method as link_method, l.confidence as link_confidence, l.seconds_after_call_start as link_seconds,
  ${micros(CREATED)} as creation_us,
  e.extension_number as ext_number, e.name as ext_name, e.type as ext_type, e.status as ext_status`;

/** Voicemails by their link (alias l), for reads that start from calls. */
export const VOICEMAIL_BY_LINK = sql`voicemail_links l
  join voicemails v on v.account_id = l.account_id and v.id = l.voicemail_id
  left join extensions e on e.account_id = v.account_id and e.id = v.mailbox_extension_id`;

const FROM_VOICEMAILS = sql`voicemails v
  left join voicemail_links l on l.account_id = v.account_id and l.voicemail_id = v.id
  left join extensions e on e.account_id = v.account_id and e.id = v.mailbox_extension_id`;

export interface VoicemailFilter {
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
  extensionId?: string | undefined;
  linked?: boolean | undefined;
}

/** A position in the (creation_time, id, account_id) order, newest first; a cursor made before accounts were data has no account. */
export interface VoicemailKeyset {
  creationUs: string;
  id: string;
  accountId?: string | undefined;
}

/** The scope's condition on v.account_id, as the first of a read's conditions. */
const scoped = (scope: AccountScope): SQL[] => {
  const condition = scopeCondition(sql`v.account_id`, scope);
  return condition ? [condition] : [];
};

/** One page of the scope's voicemails, newest first, after `after`, plus whether more follow. */
export async function findVoicemails(database: Database, scope: AccountScope, filter: VoicemailFilter, after: VoicemailKeyset | null, limit: number): Promise<{ rows: VoicemailRow[]; hasMore: boolean }> {
  const where = scoped(scope);
  if (filter.createdAfter) where.push(sql`${CREATED} >= ${instantText(filter.createdAfter)}`);
  if (filter.createdBefore) where.push(sql`${CREATED} < ${instantText(filter.createdBefore)}`);
  if (filter.extensionId !== undefined) where.push(sql`v.mailbox_extension_id = ${filter.extensionId}`);
  if (filter.linked !== undefined) where.push(filter.linked ? sql`l.call_id is not null` : sql`l.call_id is null`);
  if (after) {
    where.push(after.accountId === undefined
      ? sql`(${CREATED}, v.id) < (${atMicros(after.creationUs)}, ${after.id}::text)`
      : sql`(${CREATED}, v.id, v.account_id) < (${atMicros(after.creationUs)}, ${after.id}::text, ${after.accountId}::text)`);
  }
  const rows = await database.query<VoicemailRow>(sql`
    select ${VOICEMAIL_COLUMNS} from ${FROM_VOICEMAILS}
    ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
    order by ${CREATED} desc, v.id desc, v.account_id desc
    limit ${limit + 1}`);
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Voicemails with these message ids in the scope's accounts (one id may name a message in several). */
export async function voicemailsById(database: Database, scope: AccountScope, ids: readonly string[]): Promise<VoicemailRow[]> {
  if (ids.length === 0) return [];
  const where = [...scoped(scope), sql`v.id = any(${sql.param([...ids])}::text[])`];
  return database.query<VoicemailRow>(sql`
    select ${VOICEMAIL_COLUMNS} from ${FROM_VOICEMAILS} where ${sql.join(where, sql` and `)} order by v.account_id`);
}

/** The voicemail linked to each of these calls (at most one per call: a unique index says so). */
export async function voicemailsOfCalls(database: Database, scope: AccountScope, asked: readonly CallKey[]): Promise<VoicemailRow[]> {
  const keys = keysInScope(asked, scope);
  if (keys.length === 0) return [];
  return database.query<VoicemailRow>(sql`
    select ${VOICEMAIL_COLUMNS}
    from ${keysTable(keys)} join (${VOICEMAIL_BY_LINK}) on l.account_id = k.account_id and l.call_id = k.id`);
}
