// What happens to a voicemail after it is left (api-notes §8): it appears in the store seconds after
// the call — now and then minutes later, after the call's record —, its transcription goes from
// InProgress to a final status, someone listens to it (Unread → Read), some are deleted (Deleted, then
// Purged about five days later) or deleted in the app (Purged at once), and a mailbox keeps at most
// 200 unheard voicemails, replacing the oldest. History messages settle before history.to like calls;
// `late` holds some creations and changes back until release().

import type { BuildCtx } from './call-builder.ts';
import type { Ext } from './company.ts';
import { orphanMessageId } from './ids.ts';
import type { MessageStore, StoredMessage, TranscriptionStatus } from './mailbox.ts';
import { numberDigits } from './phone.ts';
import { Rng } from './prng.ts';
import type { VoicemailDraft } from './scenarios.ts';
import type { LateOptions } from './traffic.ts';
import type { PartyJson } from './types.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** RingCentral keeps at most this many unheard voicemails per mailbox (api-notes §8). */
export const MAILBOX_CAP = 200;

/**
 * The stored message for a voicemail, with its future planned. `stream` seeds the plan (the call key,
 * or a distinct number for orphans); times past `limit` are dropped (history ends there), except that
 * the message itself always appears by `limit`.
 */
export function planMessage(ctx: BuildCtx, vm: VoicemailDraft, callKey: number, stream: number, limit: number, late?: LateOptions): StoredMessage {
  const rng = Rng.of(ctx.seed, stream, 0x7e5);
  const slowStore = rng.chance(0.25);
  const storeDelay = slowStore ? rng.int(40 * SECOND, 6 * MINUTE) : rng.int(100, 900);
  const transcription = rng.weighted<Exclude<TranscriptionStatus, 'InProgress' | 'Unknown'>>({ NotAvailable: 35, Completed: 50, CompletedPartially: 5, Failed: 5, TimedOut: 5 });
  const transcribeDelay = rng.int(20 * SECOND, 3 * MINUTE);
  const read = rng.chance(0.55);
  const readDelay = rng.int(3 * MINUTE, 30 * HOUR);
  const priority = rng.chance(0.03) ? 'High' : 'Normal';
  const deleted = rng.chance(0.12);
  const deleteDelay = rng.int(10 * MINUTE, 36 * HOUR);
  const inApp = rng.chance(0.3);
  const purgeDelay = 5 * DAY + rng.int(-6 * HOUR, 6 * HOUR);
  const readBeforeDelete = rng.chance(0.8);
  const listenMs = rng.int(MINUTE, 10 * MINUTE);
  const held = late ? rng.chance(late.heldFraction) : false;
  const heldChange = late ? rng.chance(late.modifiedFraction) : false;
  const heldDelete = late ? rng.chance(late.deletedFraction) : false;

  const creationMs = Math.min(vm.creationMs, Math.floor(limit / SECOND) * SECOND);
  const m: StoredMessage = {
    id: vm.id,
    callKey,
    mailbox: vm.mailbox,
    from: vm.from,
    to: vm.to,
    creationMs,
    vmDuration: vm.vmDuration,
    callerDigits: vm.callerDigits,
    priority,
    transcription,
    visibleMs: Math.min(creationMs + storeDelay, limit),
    transcribedMs: NaN,
    readMs: NaN,
    deletedMs: NaN,
    purgedMs: NaN,
    origin: [],
  };
  if (transcription !== 'NotAvailable') m.transcribedMs = m.visibleMs + transcribeDelay;
  if (read) m.readMs = m.visibleMs + readDelay;
  if (deleted) {
    const at = m.visibleMs + deleteDelay;
    if (inApp) {
      // Deleting in the app or Admin Portal is immediate and permanent (support KB, api-notes §8).
      m.purgedMs = at;
    } else {
      m.deletedMs = at;
      m.purgedMs = at + purgeDelay;
    }
    // People mostly listen before they delete.
    if (!(m.readMs < at)) m.readMs = readBeforeDelete ? Math.max(m.visibleMs + SECOND, at - listenMs) : NaN;
  }
  dropAfterPurge(m);
  dropPast(m, limit);

  if (held) {
    for (const f of ['visibleMs', 'transcribedMs', 'readMs', 'deletedMs', 'purgedMs'] as const) if (Number.isFinite(m[f])) m[f] = Infinity;
    m.origin.push('held');
  } else {
    if (heldChange && !Number.isFinite(m.purgedMs)) {
      // The read (or the finished transcription) reaches the store only at release().
      if (Number.isFinite(m.readMs) || !Number.isFinite(m.transcribedMs)) m.readMs = Infinity;
      else m.transcribedMs = Infinity;
      m.origin.push('held');
    }
    if (heldDelete && Number.isNaN(m.deletedMs) && Number.isNaN(m.purgedMs)) {
      m.deletedMs = Infinity;
      m.origin.push('held');
    }
    // Drawn last and only when asked for, so the other seeds' plans stay as they were.
    const transcriptionHeld = late?.transcriptionHeldFraction ? rng.chance(late.transcriptionHeldFraction) : false;
    if (transcriptionHeld && Number.isFinite(m.transcribedMs) && !m.origin.includes('held')) {
      m.transcribedMs = Infinity;
      m.origin.push('held');
    }
  }
  return m;
}

/** Nothing changes on a purged message. */
function dropAfterPurge(m: StoredMessage): void {
  for (const f of ['transcribedMs', 'readMs', 'deletedMs'] as const) if (m[f] > m.purgedMs) m[f] = NaN;
}

/** Changes planned after the end of history never happen (the history is settled at its end). */
function dropPast(m: StoredMessage, limit: number): void {
  for (const f of ['transcribedMs', 'readMs', 'deletedMs', 'purgedMs'] as const) if (m[f] > limit) m[f] = NaN;
}

/**
 * Voicemails whose call started before the history (so no synced call-log window holds the call)
 * but which were created just after history.from: a correct linker must leave them unlinked.
 */
export function addOrphans(ctx: BuildCtx, store: MessageStore, opts: { from: number; to: number; calls: number; late?: LateOptions }): void {
  if (opts.calls < 50) return;
  const count = Math.min(25, 2 + Math.ceil(opts.calls / 1000));
  const { company } = ctx;
  for (let n = 0; n < count; n++) {
    const rng = Rng.of(ctx.seed, n, 0x0a2);
    const roll = rng.next();
    // Several queues or shared mailboxes (sized companies) are told apart by a stream of their own.
    const one = (list: Ext[]): Ext => (list.length === 1 ? (list[0] as Ext) : Rng.of(ctx.seed, n, 0x0a3).pick(list));
    const mailbox: Ext = roll < 0.75 ? rng.pick(company.users) : roll < 0.9 ? one(company.queues) : one(company.sharedMailboxes);
    const customer = rng.pick(ctx.customers);
    const vmDuration = rng.int(8, 90);
    // Created within the recording's length of history.from, so the call itself started before it.
    const creationMs = Math.ceil((opts.from + rng.int(1, vmDuration) * SECOND) / SECOND) * SECOND;
    const from: PartyJson = { phoneNumber: customer.number };
    if (rng.chance(0.7)) from.name = customer.name;
    const to: PartyJson = mailbox.did ? { phoneNumber: mailbox.did, name: mailbox.name } : { extensionNumber: mailbox.extensionNumber, name: mailbox.name };
    const vm: VoicemailDraft = {
      id: orphanMessageId(ctx.seed, n),
      mailbox,
      from,
      to,
      creationMs,
      vmDuration,
      callerDigits: numberDigits(customer.number),
    };
    store.add(planMessage(ctx, vm, -1, 0x40000000 + n, opts.to - 1, opts.late));
  }
}

/**
 * A mailbox keeps at most MAILBOX_CAP unheard voicemails; a new one replaces (purges) the oldest
 * unheard one. Applied once to generated history, in creation order per mailbox.
 */
export function applyMailboxCap(store: MessageStore, cap = MAILBOX_CAP): void {
  for (const [, list] of store.mailboxes()) {
    if (list.length <= cap) continue;
    let unheard: StoredMessage[] = [];
    for (const m of list) {
      const t = m.creationMs;
      unheard = unheard.filter((u) => !(u.readMs <= t) && !(u.deletedMs <= t) && !(u.purgedMs <= t));
      if (Number.isFinite(m.visibleMs)) unheard.push(m);
      while (unheard.length > cap) {
        const oldest = unheard.shift() as StoredMessage;
        oldest.purgedMs = Math.max(t, oldest.visibleMs);
        oldest.deletedMs = NaN;
        dropAfterPurge(oldest);
        oldest.origin.push('evicted');
      }
    }
  }
}
