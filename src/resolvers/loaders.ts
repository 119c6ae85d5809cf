import DataLoader from 'dataloader';
import { callbacksOfCalls, callsById, callsByKeys, legsOfCalls, recordingsOfCalls, type CallKey } from '../store/call-reads.ts';
import type { Database } from '../store/db.ts';
import { voicemailsById, voicemailsOfCalls } from '../store/voicemail-reads.ts';
import type { ApiContext } from './context.ts';
import { toCall, toVoicemail, type CallNode, type LegNode, type RecordingNode, type VoicemailNode } from './shapes.ts';

/*
 * Per-request batching: every field that needs another table asks a loader, and each loader answers all
 * the calls of a page with one statement. A page of 500 calls costs what a page of 10 does.
 */

/** One string per call, for maps and DataLoader's cache. */
export const keyOf = (k: CallKey) => `${k.accountId}\u0000${k.id}`;

/** Builds a loader whose batch function returns rows that `keyOfRow` assigns back to the asked keys. */
function batched<V, R>(fetch: (keys: readonly CallKey[]) => Promise<R[]>, keyOfRow: (row: R) => CallKey, collect: (rows: R[]) => V) {
  return new DataLoader<CallKey, V, string>(
    async (keys) => {
      const groups = new Map<string, R[]>();
      for (const row of await fetch(keys)) {
        const k = keyOf(keyOfRow(row));
        const group = groups.get(k);
        if (group) group.push(row);
        else groups.set(k, [row]);
      }
      return keys.map((k) => collect(groups.get(keyOf(k)) ?? []));
    },
    { cacheKeyFn: keyOf },
  );
}

/** A loader by record id: of the rows of an id (one per account holding it), the first (they come ordered by account). */
function byId<V, R extends { id: string }>(fetch: (ids: readonly string[]) => Promise<R[]>, shape: (row: R) => V) {
  return new DataLoader<string, V | null>(async (ids) => {
    const first = new Map<string, R>();
    for (const row of await fetch(ids)) if (!first.has(row.id)) first.set(row.id, row);
    return ids.map((id) => {
      const row = first.get(id);
      return row ? shape(row) : null;
    });
  });
}

export interface Loaders {
  /** Query.call and Query.voicemail: many aliased lookups in one query cost one statement. */
  callById: DataLoader<string, CallNode | null>;
  voicemailById: DataLoader<string, VoicemailNode | null>;
  call: DataLoader<CallKey, CallNode | null, string>;
  legs: DataLoader<CallKey, LegNode[], string>;
  recording: DataLoader<CallKey, RecordingNode | null, string>;
  voicemail: DataLoader<CallKey, VoicemailNode | null, string>;
  callback: DataLoader<CallKey, { call: CallNode; secondsAfterEnd: number } | null, string>;
}

function createLoaders(database: Database): Loaders {
  const callKey = (r: { account_id: string; call_id: string }) => ({ accountId: r.account_id, id: r.call_id });
  return {
    callById: byId((ids) => callsById(database, ids), toCall),
    voicemailById: byId((ids) => voicemailsById(database, ids), toVoicemail),
    call: batched((keys) => callsByKeys(database, keys), (r) => ({ accountId: r.account_id, id: r.id }), (rows) => (rows[0] ? toCall(rows[0]) : null)),
    legs: batched((keys) => legsOfCalls(database, keys), callKey, (rows) => rows.map((r) => r.leg as LegNode)),
    recording: batched((keys) => recordingsOfCalls(database, keys), callKey, (rows) => rows[0]?.recording ?? null),
    voicemail: batched((keys) => voicemailsOfCalls(database, keys), (r) => ({ accountId: r.account_id, id: r.link_call_id! }), (rows) => (rows[0] ? toVoicemail(rows[0]) : null)),
    callback: batched(
      (keys) => callbacksOfCalls(database, keys),
      (r) => ({ accountId: r.account_id, id: r.answers_call_id }),
      (rows) => (rows[0] ? { call: toCall(rows[0]), secondsAfterEnd: rows[0].seconds_after_end } : null),
    ),
  };
}

const perRequest = new WeakMap<ApiContext, Loaders>();

/** The loaders of this request (the context object lives exactly as long as the request). */
export function loadersOf(context: ApiContext): Loaders {
  let loaders = perRequest.get(context);
  if (!loaders) perRequest.set(context, (loaders = createLoaders(context.database)));
  return loaders;
}
