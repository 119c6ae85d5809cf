import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { toE164 } from '../core/phone-numbers.ts';
import type { MessageEntry, MessageRecord } from '../ringcentral/payloads.ts';
import { stringifyJson } from '../ringcentral/json.ts';
import { voicemails } from '../schema/index.ts';
import { columnList, recordsetColumns, rowsWithRawJson } from './bulk.ts';
import { rowsOf, type Db } from './db.ts';

export interface VoicemailCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

const columns = recordsetColumns(voicemails, ['first_seen_at', 'updated_at']);
const setClause = sql.raw(
  [...columns.names.filter((n) => n !== 'account_id' && n !== 'id').map((n) => `"${n}" = excluded."${n}"`), `"updated_at" = now()`].join(', '),
);

/** Maps one message to a voicemails row; the raw JSON keeps int64 values exact. */
function toRow(accountId: string, mailboxExtensionId: string, m: MessageRecord, raw: unknown): { row: Record<string, unknown>; rawJson: string } {
  const rawJson = stringifyJson(raw);
  const audio = m.attachments?.find((a) => a.type === 'AudioRecording');
  const transcript = m.attachments?.find((a) => a.type === 'AudioTranscription');
  const to = m.to?.[0];
  return {
    rawJson,
    row: {
      account_id: accountId,
      id: m.id,
      mailbox_extension_id: m.extensionId ?? mailboxExtensionId,
      uri: m.uri ?? null,
      direction: m.direction ?? null,
      from_phone_number: m.from?.phoneNumber ?? null,
      from_e164: toE164(m.from?.phoneNumber),
      from_name: m.from?.name ?? null,
      from_extension_id: m.from?.extensionId ?? null,
      to_phone_number: to?.phoneNumber ?? null,
      to_e164: toE164(to?.phoneNumber),
      creation_time: new Date(m.creationTime).toISOString(),
      last_modified_time: m.lastModifiedTime ? new Date(m.lastModifiedTime).toISOString() : null,
      duration_seconds: audio?.vmDuration ?? null,
      read_status: m.readStatus ?? null,
      transcription_status: m.vmTranscriptionStatus ?? null,
      availability: m.availability ?? 'Alive',
      readable: true,
      audio_uri: audio?.uri ?? null,
      audio_content_type: audio?.contentType ?? null,
      transcript_uri: transcript?.uri ?? null,
      content_hash: createHash('sha256').update(rawJson).digest('base64url'),
    },
  };
}

/**
 * Upserts a batch of one mailbox's messages by id, writing only changed rows and never replacing a newer
 * lastModifiedTime with an older one. Bare deletions update availability only: the message stays.
 */
export async function upsertVoicemails(tx: Db, accountId: string, mailboxExtensionId: string, entries: MessageEntry[]): Promise<VoicemailCounts & { changedIds: string[] }> {
  const byId = new Map<string, ReturnType<typeof toRow>>();
  const tombstones = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === 'message') byId.set(e.message.id, toRow(accountId, mailboxExtensionId, e.message, e.raw));
    else tombstones.set(e.id, e.availability);
  }
  const counts = { inserted: 0, updated: 0, unchanged: 0, changedIds: [] as string[] };
  if (byId.size > 0) {
    const json = rowsWithRawJson([...byId.values()]);
    const written = rowsOf<{ id: string; inserted: boolean }>(await tx.execute(sql`
      insert into voicemails (${columnList(columns.names)})
      select ${columnList(columns.names)} from json_to_recordset(${json}::json) as r(${columns.definition})
      on conflict (account_id, id) do update set ${setClause}
      where voicemails.content_hash is distinct from excluded.content_hash
        and (voicemails.last_modified_time is null or excluded.last_modified_time is null
             or excluded.last_modified_time >= voicemails.last_modified_time)
      returning id, (xmax = 0) as inserted`));
    for (const w of written) {
      if (w.inserted) counts.inserted++;
      else counts.updated++;
      counts.changedIds.push(w.id);
    }
    counts.unchanged += byId.size - written.length;
  }
  const bare = [...tombstones].filter(([id]) => !byId.has(id));
  if (bare.length > 0) {
    const marked = rowsOf<{ id: string }>(await tx.execute(sql`
      update voicemails v set availability = t.availability, updated_at = now()
      from json_to_recordset(${JSON.stringify(bare.map(([id, availability]) => ({ id, availability })))}::json) as t(id text, availability text)
      where v.account_id = ${accountId} and v.id = t.id and v.availability is distinct from t.availability
      returning v.id`));
    counts.updated += marked.length;
    counts.unchanged += bare.length - marked.length;
    counts.changedIds.push(...marked.map((m) => m.id));
  }
  return counts;
}

export interface VoicemailReference {
  id: string;
  /** The mailbox the reference's URI points at (…/extension/{id}/message-store/{messageId}). */
  mailboxExtensionId: string;
  /** A stub stands for it: callsync could not read it when it was first named. */
  stub: boolean;
  /** The end of the (latest) call that names it. */
  callEnd: Date;
}

/**
 * Voicemails the call log names (record or leg `message` of type VoiceMail) that are not stored as read
 * yet, newest call first, with the mailbox the reference's URI points at. Stubs of unreadable messages count
 * as missing, so they are fetched once their mailbox can be read.
 */
export async function missingReferencedVoicemails(db: Db, accountId: string, limit: number): Promise<VoicemailReference[]> {
  const rows = rowsOf<{ id: string; uri: string | null; stub: boolean; end_time: string }>(await db.execute(sql`
    select * from (
      select distinct on (ref.message_id) ref.message_id as id, ref.message_uri as uri, (v.id is not null) as stub, ref.end_time::text as end_time
      from (
        select message_id, message_uri, message_type, end_time from calls where account_id = ${accountId} and message_id is not null
        union all
        select l.message_id, l.message_uri, l.message_type, c.end_time from call_legs l join calls c on c.account_id = l.account_id and c.id = l.call_id
        where l.account_id = ${accountId} and l.message_id is not null
      ) ref
      left join voicemails v on v.account_id = ${accountId} and v.id = ref.message_id
      where lower(coalesce(ref.message_type, 'voicemail')) = 'voicemail' and (v.id is null or not v.readable)
      order by ref.message_id, ref.end_time desc
    ) missing
    order by end_time desc, id
    limit ${limit}`));
  return rows.flatMap((r) => {
    const mailbox = /\/extension\/(\d+)\/message-store\//.exec(r.uri ?? '')?.[1];
    return mailbox ? [{ id: r.id, mailboxExtensionId: mailbox, stub: r.stub, callEnd: new Date(r.end_time) }] : [];
  });
}

/**
 * Stubs for referenced messages in mailboxes RingCentral will not let callsync read: the reference proves
 * a message was left, so its call is VOICEMAIL and final, with the voicemail marked not readable. A stub
 * has no creation time: linking places it at its call's end, as for a message purged before it was seen.
 */
export async function writeUnreadableStubs(tx: Db, accountId: string, refs: VoicemailReference[]): Promise<number> {
  const fresh = refs.filter((r) => !r.stub);
  if (fresh.length === 0) return 0;
  const json = JSON.stringify(fresh.map((r) => {
    const raw = JSON.stringify({ id: r.id, extensionId: r.mailboxExtensionId, readable: false });
    return { id: r.id, mailbox: r.mailboxExtensionId, raw, hash: createHash('sha256').update(raw).digest('base64url') };
  }));
  const rows = rowsOf<{ id: string }>(await tx.execute(sql`
    insert into voicemails (account_id, id, mailbox_extension_id, availability, readable, raw, content_hash)
    select ${accountId}, s.id, s.mailbox, 'Alive', false, s.raw::jsonb, s.hash from json_to_recordset(${json}::json) as s(id text, mailbox text, raw text, hash text)
    on conflict (account_id, id) do nothing
    returning id`));
  return rows.length;
}

/**
 * Records that a referenced message is gone from the store (404: purged, or pushed out by the mailbox cap;
 * or reported deleted) as a tombstone, so later passes do not ask again. It replaces a stub.
 */
export async function markVoicemailGone(tx: Db, accountId: string, mailboxExtensionId: string, id: string, availability: string): Promise<void> {
  const raw = { id, availability };
  await tx
    .insert(voicemails)
    .values({ accountId, id, mailboxExtensionId, availability, raw, readable: true, contentHash: createHash('sha256').update(JSON.stringify(raw)).digest('base64url') })
    .onConflictDoUpdate({
      target: [voicemails.accountId, voicemails.id],
      set: { availability, raw, readable: true, contentHash: createHash('sha256').update(JSON.stringify(raw)).digest('base64url'), updatedAt: sql`now()` },
      setWhere: sql`not ${voicemails.readable}`,
    });
}
