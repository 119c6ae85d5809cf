/**
 * Which mailboxes a voicemail pass reads. RingCentral's message store is per mailbox and Light-limited (50
 * requests a minute), so reading every mailbox every pass breaks near 250 mailboxes. A pass reads a mailbox
 * when the call log gives a reason, and sweeps the rest on a rotation so each is still read at least once
 * per sweep period. Pure: the clock and every state come in as arguments.
 */
import { outcomeAllowsVoicemail } from './derive-disposition.ts';
import type { CallFacts } from './types.ts';

export interface MailboxState {
  id: string;
  /** End of the latest inbound call routed to the mailbox after which a voicemail may have been left. */
  evidenceAt: Date | null;
  /**
   * When the latest such call record was written (database clock). A record that shows up or changes late
   * may come with a voicemail that shows up late, so a read must follow it, however old the call.
   */
  noticedAt: Date | null;
  /** When the last complete read started, on the same clock as noticedAt. */
  readStartedDbAt: Date | null;
  /** When the last complete read started; null when never read. */
  readStartedAt: Date | null;
  /** The newest call whose log names a voicemail of this mailbox that is not stored yet; null when none. */
  namedAt: Date | null;
  /** RingCentral refuses us this mailbox: not read until access changes. */
  forbidden: boolean;
}

export interface MailboxPlanOptions {
  now: Date;
  /** Every readable mailbox is read at least this often. */
  sweepMs: number;
  /** A voicemail may be created up to this long after its call ended (LINK_WINDOW_MINUTES). */
  voicemailWindowMs: number;
  /** Time since the previous pass started; undefined on the first pass. */
  sincePreviousPassMs: number | undefined;
  /** Most mailbox reads one pass makes (the rest wait for the next pass, in the same order). */
  maxReads: number;
}

export type ReadReason =
  /** The call log names a voicemail in it that is not stored yet (a read brings it, and whatever else is new). */
  | 'named'
  /** The call log showed an unanswered call routed to it since its last read. */
  | 'new-evidence'
  /** Such a call ended recently: its voicemail may still be created. */
  | 'voicemail-window'
  /** Never read. */
  | 'first-read'
  /** Not read for a whole sweep period. */
  | 'overdue'
  /** Its turn in the rotation. */
  | 'sweep';

export interface PlannedRead {
  id: string;
  reason: ReadReason;
}

const time = (d: Date | null): number => (d ? d.getTime() : Number.NEGATIVE_INFINITY);
const byId = (a: MailboxState, b: MailboxState): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The mailboxes to read this pass, most urgent first: those with a voicemail the call log names, fresh
 * evidence or an open voicemail window — newest call first, so a backlog never delays today's calls — then
 * never-read mailboxes, then overdue ones, then this pass's share of the rotation (enough that all of them
 * come round within the sweep period: N × elapsed / sweep), least recently read first.
 */
export function planMailboxReads(mailboxes: readonly MailboxState[], opts: MailboxPlanOptions): PlannedRead[] {
  const now = opts.now.getTime();
  const readable = mailboxes.filter((m) => !m.forbidden).sort(byId);
  const chosen = new Map<string, ReadReason>();
  const take = (list: MailboxState[], reason: ReadReason) => {
    for (const m of list) if (!chosen.has(m.id)) chosen.set(m.id, reason);
  };
  const isNew = (m: MailboxState) =>
    (m.noticedAt !== null && time(m.readStartedDbAt) < m.noticedAt.getTime()) || (m.evidenceAt !== null && time(m.readStartedAt) < m.evidenceAt.getTime());
  const byLastRead = (a: MailboxState, b: MailboxState) => time(a.readStartedAt) - time(b.readStartedAt) || byId(a, b);

  const inWindow = (m: MailboxState) => m.evidenceAt !== null && time(m.readStartedAt) < m.evidenceAt.getTime() + opts.voicemailWindowMs;
  // Named voicemails, fresh evidence and open voicemail windows are one queue, newest call first: a backlog
  // of old references (a first backfill) must not hold back a call that ended a minute ago.
  const urgency = (m: MailboxState) => Math.max(time(m.namedAt), isNew(m) || inWindow(m) ? time(m.evidenceAt) : Number.NEGATIVE_INFINITY);
  const urgent = readable.filter((m) => m.namedAt !== null || isNew(m) || inWindow(m)).sort((a, b) => urgency(b) - urgency(a) || byId(a, b));
  for (const m of urgent) {
    const reason = m.namedAt !== null && time(m.namedAt) >= urgency(m) ? 'named' : isNew(m) ? 'new-evidence' : 'voicemail-window';
    chosen.set(m.id, reason);
  }
  take(readable.filter((m) => m.readStartedAt === null), 'first-read');
  take(readable.filter((m) => time(m.readStartedAt) <= now - opts.sweepMs).sort(byLastRead), 'overdue');
  if (opts.sincePreviousPassMs !== undefined && opts.sweepMs > 0) {
    const share = Math.ceil((readable.length * Math.min(Math.max(opts.sincePreviousPassMs, 0), opts.sweepMs)) / opts.sweepMs);
    const rest = readable.filter((m) => !chosen.has(m.id)).sort(byLastRead);
    const alreadySwept = [...chosen.values()].filter((r) => r === 'overdue').length;
    take(rest.slice(0, Math.max(0, share - alreadySwept)), 'sweep');
  }
  return [...chosen].slice(0, Math.max(0, opts.maxReads)).map(([id, reason]) => ({ id, reason }));
}

/**
 * The mailboxes a call may have left a voicemail in: an inbound voice call that ended without anyone
 * answering (the disposition rules' "voicemail may follow") and whose log names no message (a named message
 * is fetched by id, no mailbox read needed). The call's own extension and every extension it rang — a
 * queue, its members, a forwarding target — may hold the message; `hasMailbox` keeps those that have a store.
 */
export function mailboxesToCheck(call: CallFacts, hasMailbox: (extensionId: string) => boolean): string[] {
  if (call.deleted || call.messageId !== null || call.legs.some((leg) => leg.messageId !== null)) return [];
  if (!outcomeAllowsVoicemail(call)) return [];
  const ids = new Set<string>();
  for (const id of [call.extensionId, call.toExtensionId]) if (id) ids.add(id);
  for (const leg of call.legs) {
    if (leg.extensionId) ids.add(leg.extensionId);
    if (leg.toExtensionId) ids.add(leg.toExtensionId);
  }
  return [...ids].filter(hasMailbox).sort();
}
