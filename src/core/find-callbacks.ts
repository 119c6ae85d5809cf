/**
 * Missed-call follow-up: for each unanswered inbound call, the first later outbound call to the caller's
 * number (prior-art §3.6: users build this metric by hand). Indexed by number, so 100k calls cost a sort.
 */
import { readDirection } from './outcome.ts';
import { isMasked } from './phone-numbers.ts';
import type { CallFacts, Disposition } from './types.ts';

export interface CallbackOptions {
  /** How long after a missed call an outbound call still counts as its callback. Default 7 days. */
  horizonSeconds: number;
}

export const DEFAULT_CALLBACK_OPTIONS: Readonly<CallbackOptions> = { horizonSeconds: 7 * 24 * 3600 };

export interface CallbackDecision {
  callId: string;
  callbackCallId: string;
  /** Seconds from the end of the unanswered call to the start of the callback, rounded. */
  secondsAfterEnd: number;
}

/** Outcomes where the caller did not reach anyone, so someone should call back. */
const UNANSWERED: ReadonlySet<Disposition> = new Set<Disposition>(['MISSED', 'VOICEMAIL', 'ABANDONED']);

const usable = (e164: string | null): e164 is string => e164 !== null && !isMasked(e164);
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Outgoing {
  startMs: number;
  id: string;
}

/** First index whose start is strictly after `ms` (list sorted by start). */
function firstAfter(list: readonly Outgoing[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Outgoing).startMs <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Callbacks of the unanswered inbound calls (MISSED, VOICEMAIL, ABANDONED) from a real number (not
 * masked, not anonymous): the first outbound call to that number (its toE164) that starts after the
 * unanswered call ended and within the horizon. Deleted calls are ignored on both sides. Several missed
 * calls before one callback all get that callback. Sorted by callId.
 */
export function findCallbacks(
  calls: Array<{ call: CallFacts; disposition: Disposition }>,
  options: Partial<CallbackOptions> = {},
): CallbackDecision[] {
  const horizonMs = { ...DEFAULT_CALLBACK_OPTIONS, ...options }.horizonSeconds * 1000;
  const outgoing = new Map<string, Outgoing[]>();
  for (const { call } of calls) {
    if (call.deleted || readDirection(call.direction) !== 'Outbound' || !usable(call.toE164)) continue;
    const list = outgoing.get(call.toE164);
    const entry = { startMs: call.startTime.getTime(), id: call.id };
    if (list) list.push(entry);
    else outgoing.set(call.toE164, [entry]);
  }
  // Same start: the smaller id first, so input order never matters.
  for (const list of outgoing.values()) list.sort((a, b) => a.startMs - b.startMs || byString(a.id, b.id));

  const found: CallbackDecision[] = [];
  for (const { call, disposition } of calls) {
    if (call.deleted || !UNANSWERED.has(disposition) || readDirection(call.direction) !== 'Inbound') continue;
    if (!usable(call.fromE164)) continue;
    const list = outgoing.get(call.fromE164);
    if (!list) continue;
    const endMs = call.endTime.getTime();
    const next = list[firstAfter(list, endMs)];
    if (!next || next.startMs > endMs + horizonMs) continue;
    found.push({ callId: call.id, callbackCallId: next.id, secondsAfterEnd: Math.round((next.startMs - endMs) / 1000) });
  }
  return found.sort((a, b) => byString(a.callId, b.callId));
}
