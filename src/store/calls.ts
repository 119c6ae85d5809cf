import { sql } from 'drizzle-orm';
import { callLegs, calls, recordings } from '../schema/index.ts';
import type { CallLogEntry } from '../ringcentral/payloads.ts';
import { toCallRows, type CallRows, type Row } from './call-rows.ts';
import { columnList, recordsetColumns, rowsWithRawJson } from './bulk.ts';
import { rowsOf, type Db } from './db.ts';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Ids whose stored data changed (new, updated or tombstoned). */
  changedIds: string[];
}

const callColumns = recordsetColumns(calls, ['first_seen_at', 'updated_at']);
const legColumns = recordsetColumns(callLegs);
const recordingColumns = recordsetColumns(recordings);
const updatable = callColumns.names.filter((n) => n !== 'account_id' && n !== 'id');
const setClause = sql.raw([...updatable.map((n) => `"${n}" = excluded."${n}"`), `"updated_at" = now()`].join(', '));

/** A page of call-log entries turned into the JSON documents the upsert sends; built outside the transaction. */
export interface PreparedCallPage {
  accountId: string;
  ids: string[];
  callsJson: string;
  legsById: Map<string, CallRows['legs']>;
  recordingsById: Map<string, Row[]>;
  tombstones: string[];
}

/** The recordings a record names, on itself (leg_position -1) and on its legs. */
function recordingRows(rows: CallRows): Row[] {
  const { call } = rows;
  return [{ ...call, position: -1 }, ...rows.legs]
    .filter((r) => r.recording_id !== null)
    .map((r) => ({
      account_id: call.account_id!, call_id: call.id!, leg_position: r.position as number, id: r.recording_id!,
      type: r.recording_type ?? null, uri: r.recording_uri ?? null, content_uri: r.recording_content_uri ?? null,
    }));
}

/** Maps a page to rows (hashes, E.164 numbers, raw JSON). CPU only, so it runs before the transaction opens. */
export function prepareCallPage(accountId: string, entries: CallLogEntry[]): PreparedCallPage {
  // A record can appear twice in one page when RingCentral shifts rows while we page; the last copy wins.
  const byId = new Map<string, CallRows>();
  const tombstones: string[] = [];
  for (const entry of entries) {
    if (entry.kind === 'tombstone') tombstones.push(entry.id);
    else byId.set(entry.record.id, toCallRows(accountId, entry.record, entry.raw));
  }
  const rows = [...byId.values()];
  return {
    accountId,
    ids: [...byId.keys()],
    callsJson: rowsWithRawJson(rows.map((r) => ({ row: r.call, rawJson: r.rawJson }))),
    legsById: new Map(rows.map((r) => [r.call.id as string, r.legs])),
    recordingsById: new Map(rows.map((r) => [r.call.id as string, recordingRows(r)])),
    tombstones: tombstones.filter((id) => !byId.has(id)),
  };
}

/**
 * Upserts one prepared page by record id. A row is written only when its content hash differs
 * (RingCentral re-serves unchanged records on every lookback pass); legs are replaced for changed records
 * only. Run inside the transaction that also moves the checkpoint.
 */
export async function writeCallPage(tx: Db, page: PreparedCallPage): Promise<UpsertCounts> {
  const { accountId } = page;
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, changedIds: [] };

  if (page.ids.length > 0) {
    const written = rowsOf<{ id: string; inserted: boolean }>(await tx.execute(sql`
      insert into calls (${columnList(callColumns.names)})
      select ${columnList(callColumns.names)} from json_to_recordset(${page.callsJson}::json) as r(${callColumns.definition})
      on conflict (account_id, id) do update set ${setClause}
      where calls.content_hash is distinct from excluded.content_hash
        -- never let a page read earlier (a concurrent backfill) overwrite a newer version
        and (calls.last_modified_time is null or excluded.last_modified_time is null
             or excluded.last_modified_time >= calls.last_modified_time)
      returning id, (xmax = 0) as inserted`));
    const updatedIds: string[] = [];
    for (const w of written) {
      if (w.inserted) counts.inserted++;
      else updatedIds.push(w.id);
      counts.changedIds.push(w.id);
    }
    counts.updated = updatedIds.length;
    counts.unchanged = page.ids.length - written.length;

    if (updatedIds.length > 0) {
      await tx.execute(sql`delete from call_legs where account_id = ${accountId} and call_id = any(${sql.param(updatedIds)}::text[])`);
      await tx.execute(sql`delete from recordings where account_id = ${accountId} and call_id = any(${sql.param(updatedIds)}::text[])`);
    }
    const changedLegs = counts.changedIds.flatMap((id) => page.legsById.get(id) ?? []);
    if (changedLegs.length > 0) {
      await tx.execute(sql`
        insert into call_legs (${columnList(legColumns.names)})
        select ${columnList(legColumns.names)} from json_to_recordset(${JSON.stringify(changedLegs)}::json) as r(${legColumns.definition})`);
    }
    const changedRecordings = counts.changedIds.flatMap((id) => page.recordingsById.get(id) ?? []);
    if (changedRecordings.length > 0) {
      await tx.execute(sql`
        insert into recordings (${columnList(recordingColumns.names)})
        select ${columnList(recordingColumns.names)} from json_to_recordset(${JSON.stringify(changedRecordings)}::json) as r(${recordingColumns.definition})`);
    }
  }

  if (page.tombstones.length > 0) {
    const marked = rowsOf<{ id: string }>(await tx.execute(sql`
      update calls set deleted = true, updated_at = now()
      where account_id = ${accountId} and id = any(${sql.param(page.tombstones)}::text[]) and not deleted
      returning id`));
    counts.updated += marked.length;
    counts.unchanged += page.tombstones.length - marked.length;
    counts.changedIds.push(...marked.map((m) => m.id));
  }
  return counts;
}

/** prepareCallPage + writeCallPage, for callers that have no reason to split them. */
export function upsertCallPage(tx: Db, accountId: string, entries: CallLogEntry[]): Promise<UpsertCounts> {
  return writeCallPage(tx, prepareCallPage(accountId, entries));
}
