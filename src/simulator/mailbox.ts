// The voicemails of the simulated account: one record per message with the instants at which each of
// its changes becomes visible (created, transcribed, read, deleted, purged), indexed per mailbox by
// creationTime for the list and FSync windows. A message's JSON is derived from these times and the
// clock (message-render.ts), so time passing and release() change what is served without rewriting.

import type { Ext } from './company.ts';
import type { PartyJson } from './types.ts';

export type TranscriptionStatus = 'NotAvailable' | 'InProgress' | 'TimedOut' | 'Completed' | 'CompletedPartially' | 'Failed' | 'Unknown';
export type Availability = 'Alive' | 'Deleted' | 'Purged';

/** One voicemail. Event times: NaN = never happens, Infinity = held back until release(). */
export interface StoredMessage {
  /** Exact int64 as a decimal string. */
  id: string;
  /** The call that left it; -1 when that call predates the simulated history (never in the log). */
  callKey: number;
  mailbox: Ext;
  from: PartyJson;
  to: PartyJson;
  creationMs: number;
  vmDuration: number;
  /** Real digits of the caller ('' when withheld). */
  callerDigits: string;
  priority: 'Normal' | 'High';
  /** Final transcription status; the message shows InProgress until transcribedMs when it is not NotAvailable. */
  transcription: TranscriptionStatus;
  visibleMs: number;
  transcribedMs: number;
  readMs: number;
  deletedMs: number;
  purgedMs: number;
  /** How it came about, for the truth's tags: 'held', 'evicted'. */
  origin: string[];
}

export interface MessageState {
  availability: Availability;
  readStatus: 'Read' | 'Unread';
  transcription: TranscriptionStatus;
  lastModifiedMs: number;
}

/** What message `m` looks like at `now`, or undefined while it is not visible. */
export function messageState(m: StoredMessage, now: number): MessageState | undefined {
  if (!(m.visibleMs <= now)) return undefined;
  if (m.purgedMs <= now) return { availability: 'Purged', readStatus: m.readMs <= now ? 'Read' : 'Unread', transcription: m.transcription, lastModifiedMs: m.purgedMs };
  let last = m.visibleMs;
  for (const t of [m.transcribedMs, m.readMs, m.deletedMs]) if (t <= now && t > last) last = t;
  const transcription = m.transcription === 'NotAvailable' || m.transcribedMs <= now ? m.transcription : 'InProgress';
  return {
    availability: m.deletedMs <= now ? 'Deleted' : 'Alive',
    readStatus: m.readMs <= now ? 'Read' : 'Unread',
    transcription,
    lastModifiedMs: last,
  };
}

/** Orders int64 decimal strings numerically. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Oldest first: creationTime ascending, then id ascending. */
export function oldestFirst(a: StoredMessage, b: StoredMessage): number {
  return a.creationMs - b.creationMs || compareIds(a.id, b.id);
}

/** Newest first: creationTime descending, then id descending (stable across requests). */
export function newestFirst(a: StoredMessage, b: StoredMessage): number {
  return oldestFirst(b, a);
}

const EVENT_FIELDS = ['visibleMs', 'transcribedMs', 'readMs', 'deletedMs', 'purgedMs'] as const;

/** Every voicemail, with lookups by id and by mailbox. */
export class MessageStore {
  readonly all: StoredMessage[] = [];
  private readonly byId = new Map<string, StoredMessage>();
  /** Per mailbox extension id: messages sorted by (creationMs, id) ascending. */
  private readonly byMailbox = new Map<number, StoredMessage[]>();

  add(m: StoredMessage): void {
    if (this.byId.has(m.id)) throw new Error(`duplicate message id ${m.id}`);
    this.all.push(m);
    this.byId.set(m.id, m);
    let list = this.byMailbox.get(m.mailbox.id);
    if (!list) {
      list = [];
      this.byMailbox.set(m.mailbox.id, list);
    }
    // Messages arrive almost in creation order, so the insertion point is nearly always the end.
    let at = list.length;
    while (at > 0 && oldestFirst(list[at - 1] as StoredMessage, m) > 0) at--;
    list.splice(at, 0, m);
  }

  get(id: string): StoredMessage | undefined {
    return this.byId.get(id);
  }

  /** The messages of one mailbox, oldest first. */
  mailbox(extensionId: number): readonly StoredMessage[] {
    return this.byMailbox.get(extensionId) ?? [];
  }

  mailboxes(): IterableIterator<[number, StoredMessage[]]> {
    return this.byMailbox.entries();
  }

  heldCount(): number {
    return this.all.filter((m) => EVENT_FIELDS.some((f) => m[f] === Infinity)).length;
  }

  visibleCount(now: number): number {
    return this.all.filter((m) => m.visibleMs <= now).length;
  }

  /** Makes every held change happen at `at` (keeping each message's changes in order); returns messages affected. */
  release(at: number): number {
    let released = 0;
    for (const m of this.all) {
      if (!EVENT_FIELDS.some((f) => m[f] === Infinity)) continue;
      released++;
      // A held change of a message purged meanwhile has nothing left to change.
      const purgedBefore = m.purgedMs < at;
      let floor = at;
      for (const f of EVENT_FIELDS) {
        if (m[f] === Infinity) m[f] = purgedBefore ? NaN : floor;
        else if (Number.isFinite(m[f])) floor = Math.max(floor, m[f]);
      }
    }
    return released;
  }
}
