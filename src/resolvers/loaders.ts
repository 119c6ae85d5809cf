import DataLoader from 'dataloader';
import { callbacksOfCalls, callsById, callsByKeys, legsOfCalls, recordingsOfCalls, type CallKey } from '../store/call-reads.ts';
import type { Database } from '../store/db.ts';
import { voicemailsById, voicemailsOfCalls } from '../store/voicemail-reads.ts';
import type { AccountScope } from '../store/read-keys.ts';
import type { ApiContext } from './context.ts';
import { badInput } from './errors.ts';
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

/** A lookup by record id, in one account when the query names it (`accountId`), else in any of the key's. */
export interface IdRef {
  id: string;
  accountId?: string | undefined;
}

/**
 * A loader by record id within the key's scope: the row of the id (in the named account), null when there is
 * none, and an error when the id names rows in two of the key's accounts and the query named no account
 * (ids are unique only per account: picking one could answer with the other account's record).
 */
function byId<V, R extends { id: string; account_id: string }>(noun: string, fetch: (ids: readonly string[]) => Promise<R[]>, shape: (row: R) => V) {
  return new DataLoader<IdRef, V | null | Error, string>(
    async (refs) => {
      const rows = await fetch([...new Set(refs.map((r) => r.id))]);
      return refs.map((ref) => {
        const found = rows.filter((row) => row.id === ref.id && (ref.accountId === undefined || row.account_id === ref.accountId));
        if (found.length > 1) return badInput(`${noun} id "${ref.id}" names a ${noun} in ${found.length} of this key's accounts (${found.map((r) => r.account_id).join(', ')}): pass accountId to say which`, 'id');
        return found[0] ? shape(found[0]) : null;
      });
    },
    { cacheKeyFn: (ref) => `${ref.accountId ?? ''}\u0000${ref.id}` },
  );
}

export interface Loaders {
  /** Query.call and Query.voicemail: many aliased lookups in one query cost one statement. */
  callById: DataLoader<IdRef, CallNode | null | Error, string>;
  voicemailById: DataLoader<IdRef, VoicemailNode | null | Error, string>;
  call: DataLoader<CallKey, CallNode | null, string>;
  legs: DataLoader<CallKey, LegNode[], string>;
  recording: DataLoader<CallKey, RecordingNode | null, string>;
  voicemail: DataLoader<CallKey, VoicemailNode | null, string>;
  callback: DataLoader<CallKey, { call: CallNode; secondsAfterEnd: number } | null, string>;
}

/** Every loader reads within the key's scope: a key read from a row in scope stays in it, and the reads say so again. */
function createLoaders(database: Database, scope: AccountScope): Loaders {
  const callKey = (r: { account_id: string; call_id: string }) => ({ accountId: r.account_id, id: r.call_id });
  return {
    callById: byId('call', (ids) => callsById(database, scope, ids), toCall),
    voicemailById: byId('voicemail', (ids) => voicemailsById(database, scope, ids), toVoicemail),
    call: batched((keys) => callsByKeys(database, scope, keys), (r) => ({ accountId: r.account_id, id: r.id }), (rows) => (rows[0] ? toCall(rows[0]) : null)),
    legs: batched((keys) => legsOfCalls(database, scope, keys), callKey, (rows) => rows.map((r) => r.leg as LegNode)),
    recording: batched((keys) => recordingsOfCalls(database, scope, keys), callKey, (rows) => rows[0]?.recording ?? null),
    voicemail: batched((keys) => voicemailsOfCalls(database, scope, keys), (r) => ({ accountId: r.account_id, id: r.link_call_id! }), (rows) => (rows[0] ? toVoicemail(rows[0]) : null)),
    callback: batched(
      (keys) => callbacksOfCalls(database, scope, keys),
      (r) => ({ accountId: r.account_id, id: r.answers_call_id }),
      (rows) => (rows[0] ? { call: toCall(rows[0]), secondsAfterEnd: rows[0].seconds_after_end } : null),
    ),
  };
}

const perRequest = new WeakMap<ApiContext, Loaders>();

/** The loaders of this request (the context object lives exactly as long as the request). */
export function loadersOf(context: ApiContext): Loaders {
  let loaders = perRequest.get(context);
  if (!loaders) perRequest.set(context, (loaders = createLoaders(context.database, context.scope)));
  return loaders;
}
