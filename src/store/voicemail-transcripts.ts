import { sql } from 'drizzle-orm';
import { COMPLETE_STATUSES, PENDING_STATUSES, type FittedTranscript } from '../core/transcripts.ts';
import { rowsOf, type Database, type Db } from './db.ts';
import { keysInScope, type AccountScope } from './read-keys.ts';

/** Voicemail transcripts: which to fetch, which to ask about again, storing them, and the API's read. */

const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

export interface TranscriptToFetch {
  voicemailId: string;
  mailboxExtensionId: string;
  uri: string;
}

/**
 * Voicemails whose transcription is complete and whose transcript is not stored yet (or was stored from
 * another attachment URI), newest first: a CRM writes today's notes, and a backlog (a first backfill) must
 * not hold them back. A purged message has lost its attachments; a deleted one still has them.
 */
export async function transcriptsToFetch(db: Db, accountId: string, limit: number): Promise<TranscriptToFetch[]> {
  const rows = rowsOf<{ id: string; mailbox: string; uri: string }>(await db.execute(sql`
    select v.id, v.mailbox_extension_id as mailbox, v.transcript_uri as uri
    from voicemails v
    left join voicemail_transcripts t on t.account_id = v.account_id and t.voicemail_id = v.id
    where v.account_id = ${accountId} and v.readable and v.availability <> 'Purged'
      and v.transcription_status in (${list(COMPLETE_STATUSES)}) and v.transcript_uri is not null
      and (t.voicemail_id is null or t.source_uri is distinct from v.transcript_uri)
    order by v.creation_time desc nulls last, v.id desc
    limit ${limit}`));
  return rows.map((r) => ({ voicemailId: r.id, mailboxExtensionId: r.mailbox, uri: r.uri }));
}

export interface PendingTranscription {
  voicemailId: string;
  mailboxExtensionId: string;
  creationTime: Date;
  /** When the mailbox's last complete read started: its status is known as of then. */
  mailboxReadAt: Date | null;
}

/** Voicemails created after `createdAfter` whose transcription is still pending (InProgress, Unknown). */
export async function pendingTranscriptions(db: Db, accountId: string, createdAfter: Date): Promise<PendingTranscription[]> {
  const rows = rowsOf<{ id: string; mailbox: string; created: string; read_at: string | null }>(await db.execute(sql`
    select v.id, v.mailbox_extension_id as mailbox, v.creation_time::text as created, m.read_started_at::text as read_at
    from voicemails v
    left join mailboxes m on m.account_id = v.account_id and m.extension_id = v.mailbox_extension_id
    where v.account_id = ${accountId} and v.readable and v.availability = 'Alive'
      and v.transcription_status in (${list(PENDING_STATUSES)}) and v.creation_time > ${createdAfter.toISOString()}
    order by v.creation_time desc, v.id desc`));
  return rows.map((r) => ({
    voicemailId: r.id,
    mailboxExtensionId: r.mailbox,
    creationTime: new Date(r.created),
    mailboxReadAt: r.read_at === null ? null : new Date(r.read_at),
  }));
}

/** What a download gave: the text, or why there is none (RingCentral's errorCode or status). */
export type TranscriptOutcome = { fitted: FittedTranscript } | { missingCode: string };

/** Stores a voicemail's transcript (or that it cannot be had), replacing one from an older attachment URI. */
export async function saveTranscript(tx: Db, accountId: string, voicemailId: string, sourceUri: string, outcome: TranscriptOutcome): Promise<void> {
  const fitted = 'fitted' in outcome ? outcome.fitted : null;
  const missingCode = 'missingCode' in outcome ? outcome.missingCode : null;
  await tx.execute(sql`
    insert into voicemail_transcripts (account_id, voicemail_id, source_uri, text, byte_length, truncated, missing_code, fetched_at)
    values (${accountId}, ${voicemailId}, ${sourceUri}, ${fitted?.text ?? null}, ${fitted?.byteLength ?? null}, ${fitted?.truncated ?? false}, ${missingCode}, now())
    on conflict (account_id, voicemail_id) do update set source_uri = excluded.source_uri, text = excluded.text, byte_length = excluded.byte_length,
      truncated = excluded.truncated, missing_code = excluded.missing_code, fetched_at = excluded.fetched_at`);
}

export interface TranscriptKey {
  accountId: string;
  voicemailId: string;
}

/** The stored transcript texts of these voicemails (those that have one), for the API. */
export async function transcriptsOf(database: Database, scope: AccountScope, asked: readonly TranscriptKey[]): Promise<Array<TranscriptKey & { text: string }>> {
  const keys = keysInScope(asked, scope);
  if (keys.length === 0) return [];
  const json = JSON.stringify(keys.map((k) => ({ a: k.accountId, v: k.voicemailId })));
  const rows = await database.query<{ account_id: string; voicemail_id: string; text: string }>(sql`
    select t.account_id, t.voicemail_id, t.text
    from json_to_recordset(${json}::json) as k(a text, v text)
    join voicemail_transcripts t on t.account_id = k.a and t.voicemail_id = k.v
    where t.text is not null`);
  return rows.map((r) => ({ accountId: r.account_id, voicemailId: r.voicemail_id, text: r.text }));
}
