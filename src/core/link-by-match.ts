/**
 * MATCHED linking: for voicemails no call names, a match on mailbox, caller number and time, decided
 * over all candidates at once (assign) and only when it is unambiguous — a wrong link is worse than no
 * link. Anonymous voicemails match only under a much tighter rule (ANONYMOUS_WINDOW_MS).
 */
import { voicemailOutcome } from './derive-disposition.ts';
import type { RefOutcome } from './link-by-reference.ts';
import { LINK_RULE_VERSION, byString, seconds } from './link-types.ts';
import type { LinkDecision, LinkResult, Unlinked } from './link-types.ts';
import { VOICEMAIL_RESULTS, enumKey, readDirection, readResult } from './outcome.ts';
import { isMasked } from './phone-numbers.ts';
import type { CallFacts, LegFacts, VoicemailFacts } from './types.ts';

/** Two candidate links whose time gaps differ by no more than this are equally plausible. */
const TIE_MS = 1_000;
/** A masked number must still agree on this many digits (country, area code, exchange). */
const MIN_MASKED_DIGITS = 7;

/** How the caller numbers agree; 'anonymous' when neither side has one. */
type NumberMatch = 'exact' | 'masked' | 'anonymous';
const STRENGTH: Record<NumberMatch, number> = { exact: 2, masked: 1, anonymous: 0 };
const BASE_CONFIDENCE: Record<NumberMatch, number> = { exact: 0.9, masked: 0.75, anonymous: 0.6 };

/**
 * An anonymous voicemail links only to an anonymous call whose log says it went to voicemail and that
 * ended at most this long before the message was created — and only when neither has another such
 * candidate. RingCentral stores a message seconds after the caller hangs up (api-notes §8), so a second
 * candidate inside one minute already makes them impossible to tell apart.
 */
const ANONYMOUS_WINDOW_MS = 60_000;

interface Candidate {
  call: CallFacts;
  startMs: number;
  endMs: number;
  extensionOnRecord: Set<string>;
  numbers: { e164: string; on: 'record' | 'leg' }[];
  outcomeRule: string;
  reachedVoicemail: boolean;
}

interface MatchPair {
  voicemail: VoicemailFacts;
  candidate: Candidate;
  kind: NumberMatch;
  numberOn: 'record' | 'leg' | null;
  gapMs: number;
}

/**
 * Legs that carry the call on from our side — FindMe/FollowMe to the user's mobile, forwarding, transfer,
 * RingMe/RingOut/call-me legs, supervisors listening in (legType and action, api-notes §3.4; "Call
 * Forwarding"/"Forwarding" as some logs spell it). Their `from` is the user's own number or a colleague,
 * whatever their direction says, so it never names the caller.
 */
const ONWARD_LEG_KEYS = new Set(['findme', 'followme', 'transfer', 'transfercall', 'ringme', 'callback', 'callmecallout',
  'calloutcallme', 'monitoring', 'silentmonitoring', 'bargeincall']);
const isOnwardLeg = (leg: LegFacts): boolean => [leg.legType, leg.action].some((raw) => {
  const key = raw ? enumKey(raw) : '';
  return ONWARD_LEG_KEYS.has(key) || key.includes('forward') || key.startsWith('ringout');
});

/**
 * True when the leg's `from` is the caller of inbound `call`: an inbound leg that is not an onward leg, not
 * from another of our extensions (a colleague who transferred or consulted; the caller's own extension
 * when the call is internal is fine), and not from the number the caller dialled (our own DID).
 */
function showsCaller(call: CallFacts, leg: LegFacts): boolean {
  if (readDirection(leg.direction) !== 'Inbound' || isOnwardLeg(leg)) return false;
  if (leg.fromExtensionId !== null && leg.fromExtensionId !== call.fromExtensionId) return false;
  return !(leg.fromE164 !== null && !isMasked(leg.fromE164) && leg.fromE164 === call.toE164);
}

/**
 * The caller's numbers on an inbound call: the record's `from`, and the `from` of the legs that show the
 * caller (showsCaller) — never a FindMe or forwarding leg's, which is the user's own number. A masked
 * number that an unmasked one of the same call fits is dropped: the call log reveals it elsewhere (the seed
 * thread masks legs but not the record).
 */
function callerNumbers(call: CallFacts): Candidate['numbers'] {
  if (readDirection(call.direction) !== 'Inbound') return [];
  const all: Candidate['numbers'] = [];
  if (call.fromE164) all.push({ e164: call.fromE164, on: 'record' });
  for (const leg of call.legs) if (leg.fromE164 && showsCaller(call, leg)) all.push({ e164: leg.fromE164, on: 'leg' });
  const plain = all.filter((n) => !isMasked(n.e164));
  return all.filter((n) => !isMasked(n.e164) || !plain.some((p) => compareNumbers(n.e164, p.e164) === 'masked'));
}

/** Mailbox extension -> the calls that could have gone to it, by start time. */
interface MailboxIndex {
  calls: Candidate[];
  longestMs: number;
}

function indexCandidates(calls: CallFacts[], refs: RefOutcome): Map<string, MailboxIndex> {
  const index = new Map<string, MailboxIndex>();
  for (const call of calls) {
    // A deleted record is a tombstone of the call that really happened, so it may still be matched.
    if (refs.referencingCalls.has(call.id) || readDirection(call.direction) !== 'Inbound') continue;
    const outcome = voicemailOutcome(call);
    if (!outcome.allowsVoicemail) continue;
    const candidate: Candidate = {
      call, startMs: call.startTime.getTime(), endMs: call.endTime.getTime(),
      extensionOnRecord: new Set(call.extensionId ? [call.extensionId] : []), numbers: callerNumbers(call), outcomeRule: outcome.ruleId,
      reachedVoicemail: reachedVoicemail(call),
    };
    const extensions = new Set([call.extensionId, ...call.legs.map((leg) => leg.extensionId)]);
    for (const ext of extensions) {
      if (ext === null) continue;
      const entry = index.get(ext) ?? { calls: [], longestMs: 0 };
      entry.calls.push(candidate);
      entry.longestMs = Math.max(entry.longestMs, candidate.endMs - candidate.startMs);
      index.set(ext, entry);
    }
  }
  for (const entry of index.values()) entry.calls.sort((a, b) => a.startMs - b.startMs || byString(a.call.id, b.call.id));
  return index;
}

/** Calls of the mailbox during which, or up to `windowMs` after which, the voicemail was created. */
function inWindow(entry: MailboxIndex | undefined, createdMs: number, windowMs: number): Candidate[] {
  if (!entry) return [];
  // First call starting after the creation time; scan back while a call could still reach it.
  let lo = 0;
  let hi = entry.calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((entry.calls[mid] as Candidate).startMs <= createdMs) lo = mid + 1;
    else hi = mid;
  }
  const found: Candidate[] = [];
  for (let i = lo - 1; i >= 0; i--) {
    const c = entry.calls[i] as Candidate;
    if (c.startMs < createdMs - windowMs - entry.longestMs) break;
    if (c.endMs + windowMs >= createdMs) found.push(c);
  }
  return found;
}

/** 'exact' when equal; 'masked' when one side is masked and every digit both show agrees. */
function compareNumbers(a: string, b: string): NumberMatch | null {
  if (!isMasked(a) && !isMasked(b)) return a === b ? 'exact' : null;
  if (a.length !== b.length) return null;
  let shared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === 'X' || y === 'X') continue;
    if (x !== y) return null;
    if (x !== '+') shared++;
  }
  return shared >= MIN_MASKED_DIGITS ? 'masked' : null;
}

function numberMatch(voicemailFrom: string, candidate: Candidate): { kind: NumberMatch; on: 'record' | 'leg' } | null {
  let best: { kind: NumberMatch; on: 'record' | 'leg' } | null = null;
  for (const n of candidate.numbers) {
    const kind = compareNumbers(voicemailFrom, n.e164);
    if (kind === 'exact') return { kind, on: n.on };
    if (kind === 'masked' && !best) best = { kind, on: n.on };
  }
  return best;
}

/** Smallest time gap first; at equal gaps the stronger number match; then ids, so input order never matters. */
function comparePairs(a: MatchPair, b: MatchPair): number {
  return a.gapMs - b.gapMs || STRENGTH[b.kind] - STRENGTH[a.kind]
    || byString(a.voicemail.id, b.voicemail.id) || byString(a.candidate.call.id, b.candidate.call.id);
}

function reachedVoicemail(call: CallFacts): boolean {
  const isVm = (raw: string | null): boolean => {
    const r = readResult(raw);
    return r.known && r.value !== null && VOICEMAIL_RESULTS.includes(r.value);
  };
  return isVm(call.result) || call.legs.some((leg) => isVm(leg.result));
}

/**
 * 0.9 for the same number (0.75 masked, 0.6 both anonymous), +0.05 when a numbered call's log says it
 * reached voicemail, up to −0.2 as the gap grows from one minute to the window, −0.05 per competing call
 * (at most two).
 */
function confidenceOf(pair: MatchPair, competitors: number, windowMs: number): number {
  let value = BASE_CONFIDENCE[pair.kind];
  if (pair.kind !== 'anonymous' && pair.candidate.reachedVoicemail) value += 0.05;
  const slack = Math.max(1, windowMs - 60_000);
  value -= 0.2 * Math.min(1, Math.max(0, pair.gapMs - 60_000) / slack);
  value -= 0.05 * Math.min(2, competitors);
  return Math.round(Math.min(0.99, Math.max(0.05, value)) * 100) / 100;
}

function matchedLink(pair: MatchPair, rivals: MatchPair[], windowMs: number): LinkDecision {
  const { voicemail, candidate } = pair;
  const created = voicemail.creationTime.getTime();
  const competingCallIds = rivals.filter((p) => p.voicemail === voicemail).map((p) => p.candidate.call.id).sort(byString);
  return {
    voicemailId: voicemail.id,
    callId: candidate.call.id,
    method: 'MATCHED',
    confidence: confidenceOf(pair, competingCallIds.length, windowMs),
    secondsAfterCallStart: seconds(created - candidate.startMs),
    evidence: {
      mailboxExtensionId: voicemail.mailboxExtensionId,
      mailboxOn: candidate.extensionOnRecord.has(voicemail.mailboxExtensionId) ? 'record' : 'leg',
      numberMatch: pair.kind,
      numberOn: pair.numberOn,
      secondsAfterCallEnd: seconds(created - candidate.endMs),
      gapSeconds: seconds(pair.gapMs),
      callResult: candidate.call.result,
      callOutcomeRule: candidate.outcomeRule,
      reachedVoicemail: candidate.reachedVoicemail,
      competingCallIds,
      competingCandidates: competingCallIds.length,
      ruleVersion: LINK_RULE_VERSION,
    },
    ruleVersion: LINK_RULE_VERSION,
  };
}

function numberedPairs(voicemail: VoicemailFacts, from: string, nearby: Candidate[]): MatchPair[] {
  const pairs: MatchPair[] = [];
  for (const candidate of nearby) {
    const match = numberMatch(from, candidate);
    if (!match) continue;
    const gapMs = Math.abs(voicemail.creationTime.getTime() - candidate.endMs);
    pairs.push({ voicemail, candidate, kind: match.kind, numberOn: match.on, gapMs });
  }
  return pairs;
}

function anonymousPairs(voicemail: VoicemailFacts, nearby: Candidate[], windowMs: number): MatchPair[] {
  const created = voicemail.creationTime.getTime();
  return nearby
    .filter((c) => c.numbers.length === 0 && c.reachedVoicemail && Math.abs(created - c.endMs) <= windowMs)
    .map((candidate) => ({ voicemail, candidate, kind: 'anonymous' as const, numberOn: null, gapMs: Math.abs(created - candidate.endMs) }));
}

export function linkByMatch(calls: CallFacts[], voicemails: VoicemailFacts[], refs: RefOutcome, windowMs: number): LinkResult {
  const index = indexCandidates(calls, refs);
  const unlinked: Unlinked[] = [];
  const pairs: MatchPair[] = [];
  for (const voicemail of voicemails) {
    if (refs.referencedVoicemails.has(voicemail.id)) continue;
    const created = voicemail.creationTime.getTime();
    const nearby = inWindow(index.get(voicemail.mailboxExtensionId), created, windowMs);
    const found = voicemail.fromE164 ? numberedPairs(voicemail, voicemail.fromE164, nearby)
      : anonymousPairs(voicemail, nearby, Math.min(windowMs, ANONYMOUS_WINDOW_MS));
    pairs.push(...found);
    if (found.length > 0) continue;
    unlinked.push(voicemail.fromE164
      ? { voicemailId: voicemail.id, reason: 'NO_CANDIDATE', candidateCallIds: [],
        detail: `No unanswered inbound call from ${voicemail.fromE164} to mailbox ${voicemail.mailboxExtensionId} `
          + `during or up to ${seconds(windowMs)} s before the voicemail.` }
      : { voicemailId: voicemail.id, reason: 'ANONYMOUS_CALLER', candidateCallIds: nearby.map((c) => c.call.id).sort(byString),
        detail: 'The voicemail has no caller number and no anonymous call that went to voicemail ended within '
          + `${seconds(ANONYMOUS_WINDOW_MS)} s before it; mailbox and time alone are too weak to link it.` });
  }
  const assigned = assign(pairs);
  const links = assigned.links.map(({ pair, rivals }) => matchedLink(pair, rivals, windowMs));
  return { links, unlinked: [...unlinked, ...assigned.unlinked] };
}

// ---- one-to-one assignment ----

interface Assignment {
  links: { pair: MatchPair; rivals: MatchPair[] }[];
  unlinked: Unlinked[];
}

function group(pairs: MatchPair[], keyOf: (p: MatchPair) => string): Map<string, MatchPair[]> {
  const map = new Map<string, MatchPair[]>();
  for (const p of pairs) {
    const list = map.get(keyOf(p));
    if (list) list.push(p);
    else map.set(keyOf(p), [p]);
  }
  return map;
}

/** `q` is at least as plausible as `p`: clearly closer in time, or as close and as strong a number match. */
function beatsOrTies(q: MatchPair, p: MatchPair): boolean {
  if (q.gapMs < p.gapMs - TIE_MS) return true;
  return Math.abs(q.gapMs - p.gapMs) <= TIE_MS && STRENGTH[q.kind] >= STRENGTH[p.kind];
}

/**
 * Decides all pairs together, smallest gap first. A pair is linked only when no other pair sharing its
 * voicemail or its call — and not already settled by a link — is at least as plausible; a masked or
 * anonymous pair only when it shares its voicemail and its call with no other pair at all. Everything else stays
 * unlinked: AMBIGUOUS when a rival was as plausible, CANDIDATE_TAKEN when its calls went to better fits.
 */
function assign(input: MatchPair[]): Assignment {
  const pairs = [...input].sort(comparePairs);
  const byVoicemail = group(pairs, (p) => p.voicemail.id);
  const byCall = group(pairs, (p) => p.candidate.call.id);
  const linkedVoicemails = new Set<string>();
  const linkedCalls = new Set<string>();
  const unsettled = (p: MatchPair): boolean => !linkedVoicemails.has(p.voicemail.id) && !linkedCalls.has(p.candidate.call.id);
  const links: Assignment['links'] = [];
  const ambiguous = new Set<string>();

  for (const pair of pairs) {
    if (!unsettled(pair)) continue;
    const touching = [...(byVoicemail.get(pair.voicemail.id) ?? []), ...(byCall.get(pair.candidate.call.id) ?? [])]
      .filter((p) => p !== pair);
    const blocked = pair.kind !== 'exact'
      ? touching.length > 0
      : touching.some((q) => unsettled(q) && beatsOrTies(q, pair));
    if (blocked) {
      ambiguous.add(pair.voicemail.id);
      continue;
    }
    links.push({ pair, rivals: touching });
    linkedVoicemails.add(pair.voicemail.id);
    linkedCalls.add(pair.candidate.call.id);
  }

  const unlinked: Unlinked[] = [];
  for (const [voicemailId, own] of byVoicemail) {
    if (linkedVoicemails.has(voicemailId)) continue;
    const callIds = own.map((p) => p.candidate.call.id).sort(byString);
    const kind = own.some((p) => p.kind === 'anonymous') ? 'anonymous' : own.some((p) => p.kind === 'masked') ? 'masked' : 'exact';
    unlinked.push(ambiguous.has(voicemailId)
      ? { voicemailId, reason: 'AMBIGUOUS', candidateCallIds: callIds,
        detail: kind === 'anonymous'
          ? `Anonymous call(s) ${callIds.join(', ')} went to voicemail, but not just one call fits just this voicemail; not guessing.`
          : kind === 'masked'
            ? `A masked caller number fits call(s) ${callIds.join(', ')} but not uniquely; not guessing.`
            : `Call(s) ${callIds.join(', ')} fit as well as another pairing; not guessing.` }
      : { voicemailId, reason: 'CANDIDATE_TAKEN', candidateCallIds: callIds,
        detail: `Call(s) ${callIds.join(', ')} were linked to voicemails that fit them better.` });
  }
  return { links, unlinked };
}
