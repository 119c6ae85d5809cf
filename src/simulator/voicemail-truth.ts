// Ground truth about voicemails: for every visible message, the call a correct linker links it to
// right now and how it can know (see TruthMessage), plus tags naming the awkward cases it exercises.
//
// The matching rule the truth assumes (a message is MATCHED only when this rule finds exactly its own
// call; a linker with a wider time window must prefer the call that ended nearest before the voicemail,
// or the repeat-caller case looks ambiguous to it):
//   candidates = visible inbound call records (deleted ones too) that are not "In Progress", that involve
//   the voicemail's mailbox (record or leg `extension.id`), whose caller number (record or any inbound
//   leg's `from.phoneNumber`: a FindMe leg is outbound and shows the user's own number) is compatible with the voicemail's `from.phoneNumber` (same digits once
//   normalised to 11-digit NANP; an X matches any digit), that started at or before its creationTime
//   and ended at most MATCH_SLACK_MS before it, and that do not name a different message.
// Linking by reference always wins; a withheld number, or a purged message (only {id, availability}
// left), never matches. Deleted and purged voicemails keep their reference links, and a deleted call
// record (a tombstone with deleted: true) still is the call that left its voicemail.

import type { Company } from './company.ts';
import { ROLE } from './companions.ts';
import { callIds } from './ids.ts';
import { messageState, newestFirst, type StoredMessage } from './mailbox.ts';
import { messageJson, transcriptText } from './message-render.ts';
import type { CallLogRecord } from './types.ts';
import type { LinkMethod, TruthMessage, UnlinkableReason, VoicemailTag } from './types-messages.ts';
import { MOD_CODES } from './versions.ts';
import type { World } from './world.ts';

/** A voicemail is created seconds after its call ends; two minutes is a generous allowance. */
export const MATCH_SLACK_MS = 2 * 60_000;
/**
 * A masked number may match only when no other call in the whole link window could be the caller
 * (callsync's LINK_WINDOW_MINUTES default), so masked candidates are counted over that window.
 */
export const MASKED_MATCH_WINDOW_MS = 10 * 60_000;
/** Longest call the candidate scan looks back for. */
const LOOKBACK_MS = 30 * 60_000;

export interface VoicemailTruth {
  messages: TruthMessage[];
  /** Call key → id of the voicemail a correct linker links to it now. */
  voicemailByCall: Map<number, string>;
}

/** Truth about every visible voicemail at `now`. */
export function voicemailTruth(world: World, company: Company, now: number): VoicemailTruth {
  const voicemailByCall = new Map<number, string>();
  const visible = world.mail.all.filter((m) => m.visibleMs <= now).sort(newestFirst);
  const messages = visible.map((m) => {
    const t = truthOf(world, company, m, now);
    if (t.expected.callId !== null) voicemailByCall.set(m.callKey, m.id);
    return t;
  });
  return { messages, voicemailByCall };
}

function truthOf(world: World, company: Company, m: StoredMessage, now: number): TruthMessage {
  const s = messageState(m, now);
  if (!s) throw new Error(`message ${m.id} is not visible`);
  const { seed } = world.ctx;
  const tags = new Set<VoicemailTag>();
  let method: LinkMethod | null = null;
  let reason: UnlinkableReason | null = null;
  let record: CallLogRecord | undefined;
  const key = m.callKey;
  const callState = key >= 0 ? world.state(key, now) : undefined;
  if (key < 0) reason = 'call-outside-history';
  else if (!callState) reason = 'call-not-visible';
  if (callState) record = world.version(key, callState.stage).record;
  const onRecord = record?.message?.id === m.id;
  const onLeg = record?.legs?.some((l) => l.message?.id === m.id) ?? false;
  tags.add(onRecord ? 'referenced-on-record' : onLeg ? 'referenced-on-leg-only' : 'unreferenced');
  const anonymous = !/\d/.test(m.from.phoneNumber ?? '');
  if (reason === null) {
    if (onRecord || onLeg) method = 'CALL_LOG_REFERENCE';
    else if (anonymous) reason = 'anonymous';
    // A sync that first meets it purged has nothing to match on, so heuristic links end at the purge.
    else if (s.availability === 'Purged') reason = 'purged';
    else {
      const found = candidates(world, m, now);
      if (found.length === 1 && found[0] === key) method = 'MATCHED';
      else reason = found.length > 1 ? 'ambiguous' : 'no-match';
    }
  }

  const final = key >= 0 ? (record ?? world.draft(key).record) : undefined;
  const callNumbers = final ? callerNumbers(final) : [];
  if (callNumbers.some((n) => n.includes('X'))) tags.add('masked-call-number');
  const vmNumber = m.from.phoneNumber ?? '';
  if (vmNumber.includes('X')) tags.add('masked-voicemail-number');
  const recordNumber = final?.from.phoneNumber ?? '';
  if (vmNumber && recordNumber && !vmNumber.includes('X') && !recordNumber.includes('X') && vmNumber !== recordNumber) tags.add('number-format-differs');
  if (anonymous) tags.add('anonymous');
  if (company.queues.includes(m.mailbox)) tags.add('queue-mailbox');
  if (company.sharedMailboxes.includes(m.mailbox)) tags.add('shared-mailbox');
  if (final && forwardedFromOwner(final, company)) tags.add('forwarding-leg-from-owner');
  if (key < 0) tags.add('call-outside-history');
  const role = key >= 0 ? (world.role[key] as number) : ROLE.none;
  if (role === ROLE.repeatSecond) tags.add('repeat-caller');
  if (role >= ROLE.burstFirst) tags.add('burst');
  if (role >= ROLE.lookalikeFirst) tags.add('lookalike-masked');
  const t0 = key >= 0 ? (world.t0[key] as number) : NaN;
  if (key >= 0) tags.add(m.visibleMs < t0 ? 'visible-before-call' : 'visible-after-call');
  const mod = key >= 0 ? MOD_CODES[world.mod[key] as number] : null;
  if (mod === 'voicemailLinked' || mod === 'legsAdded' || mod === 'resultFinalised') tags.add('call-record-changed');
  if (mod === 'resultFinalised') tags.add('call-result-changed');
  if (s.availability !== 'Alive') tags.add('deleted');
  if (s.availability === 'Purged') tags.add('purged');
  if (s.availability === 'Purged' && Number.isNaN(m.deletedMs) && !m.origin.includes('evicted')) tags.add('deleted-in-app');
  for (const o of m.origin) tags.add(o as VoicemailTag);
  if (m.transcribedMs <= now) tags.add('transcription-changed');
  if (m.readMs <= now) tags.add('read-later');

  const iso = (t: number): string | null => (t <= now ? new Date(t).toISOString() : null);
  const callId = method ? callIds(seed, key).id : null;
  const partner = key >= 0 ? (world.partner[key] as number) : -1;
  return {
    id: m.id,
    mailboxExtensionId: String(m.mailbox.id),
    availability: s.availability,
    message: messageJson(world.ctx.origin, company, m, s),
    transcript: transcriptText(m, s),
    expected: { callId, method },
    linkable: method === 'CALL_LOG_REFERENCE' ? 'reference' : method === 'MATCHED' ? 'match' : 'none',
    unlinkableReason: reason,
    leftByCallId: key >= 0 ? callIds(seed, key).id : null,
    relatedCallIds: partner >= 0 ? [callIds(seed, partner).id] : [],
    tags: [...tags],
    timeline: {
      created: new Date(m.creationMs).toISOString(),
      visible: new Date(m.visibleMs).toISOString(),
      transcribed: iso(m.transcribedMs),
      read: iso(m.readMs),
      deleted: iso(m.deletedMs),
      purged: iso(m.purgedMs),
      callVisible: iso(t0),
    },
  };
}

/** Keys of the calls the matching rule accepts for message `m` (see the header). */
function candidates(world: World, m: StoredMessage, now: number): number[] {
  // Same country code, area code and exchange: the part of a number a mask leaves visible.
  const prefix = m.callerDigits.slice(0, 7);
  const vmNumber = m.from.phoneNumber;
  if (prefix.length < 7 || !vmNumber) return [];
  // A prefilter only (bit idx % 32 in big companies): the record check below decides.
  const bit = (1 << m.mailbox.idx) >>> 0;
  const [lo, hi] = world.window(m.creationMs - LOOKBACK_MS, m.creationMs + 1);
  const found: number[] = [];
  for (let i = lo; i < hi; i++) {
    const key = world.order[i] as number;
    // Cheap column checks first: only a handful of calls need their record rebuilt.
    if (world.outbound[key] === 1 || ((world.extMask[key] as number) & bit) === 0) continue;
    if ((world.externalDigits[key] as string).slice(0, 7) !== prefix) continue;
    const flags = world.flags(key, now);
    if (flags < 0) continue;
    const { record } = world.version(key, (flags & 1) as 0 | 1);
    if (record.direction !== 'Inbound' || record.result === 'In Progress') continue;
    const start = world.start[key] as number;
    const masked = /x/i.test(vmNumber) || callerNumbers(record).some((n) => /x/i.test(n));
    if (!(start <= m.creationMs && m.creationMs <= start + record.durationMs + (masked ? MASKED_MATCH_WINDOW_MS : MATCH_SLACK_MS))) continue;
    const involved = record.extension?.id === m.mailbox.id || (record.legs ?? []).some((l) => l.extension?.id === m.mailbox.id);
    if (!involved) continue;
    if (!callerNumbers(record).some((n) => compatibleNumbers(vmNumber, n))) continue;
    const names = [record.message?.id, ...(record.legs ?? []).map((l) => l.message?.id)].filter((id) => id !== undefined);
    if (names.some((id) => id !== m.id)) continue;
    found.push(key);
  }
  return found;
}

/** The caller's number as the record and its inbound legs show it. */
function callerNumbers(record: CallLogRecord): string[] {
  const numbers = [record.from.phoneNumber, ...(record.legs ?? []).filter((l) => l.direction === 'Inbound').map((l) => l.from.phoneNumber)];
  return numbers.filter((n): n is string => typeof n === 'string' && /\d/.test(n));
}

/** Whether a FindMe/FollowMe leg of the record shows one of the company's own numbers as `from`. */
function forwardedFromOwner(record: CallLogRecord, company: Company): boolean {
  return (record.legs ?? []).some((l) => {
    if (l.action !== 'FindMe' && l.action !== 'FollowMe') return false;
    const from = l.from.phoneNumber;
    return from !== undefined && (from === company.mainNumber || from === company.byId.get(l.extension?.id ?? -1)?.did);
  });
}

/** 11-digit NANP form with X for masked digits; null without digits. */
function canonical(n: string): string | null {
  const t = n.toUpperCase().replace(/[^\dX]/g, '');
  if (!/\d/.test(t)) return null;
  return t.length === 10 ? `1${t}` : t;
}

/** Whether two written numbers can be the same number (an X matches any digit). */
export function compatibleNumbers(a: string, b: string): boolean {
  const x = canonical(a);
  const y = canonical(b);
  if (!x || !y || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && x[i] !== 'X' && y[i] !== 'X') return false;
  return true;
}
