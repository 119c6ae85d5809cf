import { sql } from 'drizzle-orm';
import { LINK_RULE_VERSION } from '../core/link-types.ts';
import type { CallFacts, LegFacts, VoicemailFacts } from '../core/types.ts';
import { rowsOf, type Db } from './db.ts';

/** Row -> core facts. The core never sees a database row. */

interface CallRow {
  id: string; direction: string | null; type: string | null; action: string | null; result: string | null; reason: string | null;
  start_time: string; end_time: string; duration_ms: number | null; duration_seconds: number | null; extension_id: string | null;
  from_e164: string | null; to_e164: string | null; from_extension_id: string | null; to_extension_id: string | null;
  message_id: string | null; recording_id: string | null; short_recording: boolean; deleted: boolean;
}

interface LegRow {
  call_id: string; position: number; leg_type: string | null; direction: string | null; action: string | null; result: string | null;
  reason: string | null; start_time: string; duration_ms: number | null; duration_seconds: number | null; master: boolean;
  extension_id: string | null; from_e164: string | null; to_e164: string | null; from_extension_id: string | null;
  to_extension_id: string | null; message_id: string | null; recording_id: string | null; short_recording: boolean;
}

const durationMs = (r: { duration_ms: number | null; duration_seconds: number | null }) => Number(r.duration_ms ?? (r.duration_seconds ?? 0) * 1000);

function toLeg(r: LegRow): LegFacts {
  return {
    position: r.position, legType: r.leg_type, direction: r.direction, action: r.action, result: r.result, reason: r.reason,
    startTime: new Date(r.start_time), durationMs: durationMs(r), master: r.master, extensionId: r.extension_id,
    fromE164: r.from_e164, toE164: r.to_e164, fromExtensionId: r.from_extension_id, toExtensionId: r.to_extension_id,
    messageId: r.message_id, recordingId: r.recording_id, shortRecording: r.short_recording,
  };
}

function toCall(r: CallRow, legs: LegFacts[]): CallFacts {
  return {
    id: r.id, direction: r.direction, type: r.type, action: r.action, result: r.result, reason: r.reason,
    startTime: new Date(r.start_time), endTime: new Date(r.end_time), durationMs: durationMs(r), extensionId: r.extension_id,
    fromE164: r.from_e164, toE164: r.to_e164, fromExtensionId: r.from_extension_id, toExtensionId: r.to_extension_id,
    messageId: r.message_id, recordingId: r.recording_id, shortRecording: r.short_recording, deleted: r.deleted, legs,
  };
}

const CALL_COLUMNS = sql.raw(`c.id, c.direction, c.type, c.action, c.result, c.reason, c.start_time, c.end_time, c.duration_ms,
  c.duration_seconds, c.extension_id, c.from_e164, c.to_e164, c.from_extension_id, c.to_extension_id, c.message_id,
  c.recording_id, c.short_recording, c.deleted`);
const LEG_COLUMNS = sql.raw(`l.call_id, l.position, l.leg_type, l.direction, l.action, l.result, l.reason, l.start_time,
  l.duration_ms, l.duration_seconds, l.master, l.extension_id, l.from_e164, l.to_e164, l.from_extension_id,
  l.to_extension_id, l.message_id, l.recording_id, l.short_recording`);

/** Calls (with legs) that started in [from, to). */
export async function loadCallFacts(db: Db, accountId: string, from: Date, to: Date): Promise<CallFacts[]> {
  const range = sql`c.account_id = ${accountId} and c.start_time >= ${from.toISOString()} and c.start_time < ${to.toISOString()}`;
  const calls = rowsOf<CallRow>(await db.execute(sql`select ${CALL_COLUMNS} from calls c where ${range}`));
  const legs = rowsOf<LegRow>(await db.execute(sql`
    select ${LEG_COLUMNS} from call_legs l join calls c on c.account_id = l.account_id and c.id = l.call_id
    where ${range} order by l.call_id, l.position`));
  const byCall = new Map<string, LegFacts[]>();
  for (const leg of legs) {
    const list = byCall.get(leg.call_id);
    if (list) list.push(toLeg(leg));
    else byCall.set(leg.call_id, [toLeg(leg)]);
  }
  return calls.map((c) => toCall(c, byCall.get(c.id) ?? []));
}

/**
 * Voicemails created in [from, to). A message purged before callsync ever saw it is only a stub (id and
 * availability); when the call log names it, it is placed at its referencing call's end, so the reference
 * still links it — a reference always wins, whatever became of the message.
 */
export async function loadVoicemailFacts(db: Db, accountId: string, from: Date, to: Date): Promise<VoicemailFacts[]> {
  const lo = from.toISOString();
  const hi = to.toISOString();
  const rows = rowsOf<{ id: string; mailbox_extension_id: string; from_e164: string | null; creation_time: string; duration_seconds: number | null; availability: string }>(
    await db.execute(sql`
      select id, mailbox_extension_id, from_e164, creation_time, duration_seconds, availability from voicemails
      where account_id = ${accountId} and creation_time >= ${lo} and creation_time < ${hi}
      union all
      select v.id, v.mailbox_extension_id, v.from_e164, ref.end_time, v.duration_seconds, v.availability
      from voicemails v
      join lateral (
        select c.end_time from calls c where c.account_id = v.account_id and c.message_id = v.id
        union all
        select c.end_time from call_legs l join calls c on c.account_id = l.account_id and c.id = l.call_id
        where l.account_id = v.account_id and l.message_id = v.id
        limit 1
      ) ref on true
      where v.account_id = ${accountId} and v.creation_time is null and ref.end_time >= ${lo} and ref.end_time < ${hi}`),
  );
  return rows.map((r) => ({
    id: r.id, mailboxExtensionId: r.mailbox_extension_id, fromE164: r.from_e164, creationTime: new Date(r.creation_time),
    durationSeconds: r.duration_seconds, availability: r.availability,
  }));
}

/**
 * Start times of calls, and creation times of voicemails, written since `since`; calls not final yet; and
 * voicemails linked under an older rule version (after an upgrade the next pass relinks them).
 */
export async function timesToRederive(db: Db, accountId: string, since: Date): Promise<Date[]> {
  const rows = rowsOf<{ t: string }>(await db.execute(sql`
    select start_time as t from calls where account_id = ${accountId} and updated_at >= ${since.toISOString()}
    union select creation_time from voicemails where account_id = ${accountId} and updated_at >= ${since.toISOString()} and creation_time is not null
    union select c.start_time from call_dispositions d join calls c on c.account_id = d.account_id and c.id = d.call_id
      where d.account_id = ${accountId} and not d.final
    union select c.start_time from calls c where c.account_id = ${accountId}
      and not exists (select 1 from call_dispositions d where d.account_id = c.account_id and d.call_id = c.id)
    union select coalesce(v.creation_time, v.first_seen_at) from voicemail_links l join voicemails v on v.account_id = l.account_id and v.id = l.voicemail_id
      where l.account_id = ${accountId} and l.rule_version <> ${LINK_RULE_VERSION}`));
  return rows.map((r) => new Date(r.t));
}

/**
 * Calls written since `since`, a chunk at a time in (updated_at, id) order (the voicemail sync reads them
 * for evidence of a message); `after` is the last key of the previous chunk.
 */
export async function loadCallFactsUpdatedSince(
  db: Db, accountId: string, since: Date, after: { updatedAt: string; id: string } | undefined, limit: number,
): Promise<{ calls: Array<CallFacts & { updatedAt: string }>; last: { updatedAt: string; id: string } | undefined }> {
  const key = after ? sql` and (c.updated_at, c.id) > (${after.updatedAt}::timestamptz, ${after.id})` : sql``;
  const page = rowsOf<CallRow & { updated_at: string }>(await db.execute(sql`
    select ${CALL_COLUMNS}, c.updated_at::text as updated_at from calls c
    where c.account_id = ${accountId} and c.updated_at >= ${since.toISOString()}${key}
    order by c.updated_at, c.id limit ${limit}`));
  if (page.length === 0) return { calls: [], last: undefined };
  const legs = rowsOf<LegRow>(await db.execute(sql`
    select ${LEG_COLUMNS} from call_legs l
    where l.account_id = ${accountId} and l.call_id in (${sql.join(page.map((c) => sql`${c.id}`), sql`, `)})
    order by l.call_id, l.position`));
  const byCall = new Map<string, LegFacts[]>();
  for (const leg of legs) {
    const list = byCall.get(leg.call_id);
    if (list) list.push(toLeg(leg));
    else byCall.set(leg.call_id, [toLeg(leg)]);
  }
  const lastRow = page.at(-1)!;
  return { calls: page.map((c) => ({ ...toCall(c, byCall.get(c.id) ?? []), updatedAt: c.updated_at })), last: { updatedAt: lastRow.updated_at, id: lastRow.id } };
}
