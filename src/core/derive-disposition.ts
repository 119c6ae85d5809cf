/**
 * One final disposition per call, derived from the record, its legs and the linked voicemail (if any).
 * Pure: time comes in as `now`, and anything worth logging comes back as data (unknownValues).
 * The mapping itself is the RULES table in disposition-rules.ts; this file reads a call into the
 * Situation those rows look at, and adds who answered, ring/talk time and whether the call may change.
 */
import { DISPOSITION_RULE_VERSION, matchRule, type DispositionRule, type Situation } from './disposition-rules.ts';
import {
  CONNECTED_RESULTS, IN_PROGRESS_RESULTS, SILENT_RESULTS, VOICEMAIL_RESULTS, enumKey, readDirection, readReason,
  readResult,
} from './outcome.ts';
import type { CallFacts, Disposition, LegFacts } from './types.ts';

export { DISPOSITION_RULE_VERSION, renderDispositionTable } from './disposition-rules.ts';

export interface DispositionOptions {
  /**
   * How long after a call's end its voicemail may still show up. RingCentral creates the message a few
   * seconds after hang-up, but the message store is synced per mailbox on its own schedule (api-notes
   * §8), so the call stays 'voicemail expected' this long. Default 600.
   */
  voicemailWindowSeconds: number;
  /**
   * Accepted for the caller's convenience but not used: the call log has no signal that a recording is
   * still to come (a recorded call already names `recording.id`; `shortRecording` means none will come),
   * so recordings never keep a call pending. Default 600.
   */
  recordingGraceSeconds: number;
}

export const DEFAULT_DISPOSITION_OPTIONS: Readonly<DispositionOptions> = {
  voicemailWindowSeconds: 600,
  recordingGraceSeconds: 600,
};

export interface LinkedVoicemail {
  voicemailId: string;
  creationTime: Date;
  mailboxExtensionId: string;
}

export interface DispositionDecision {
  disposition: Disposition;
  /** One plain sentence saying why (shown to CRM users). */
  reason: string;
  /** The RULES row that decided. */
  ruleId: string;
  /** Who answered (inbound), whose mailbox took the voicemail, who placed the call (outbound); for other
   * inbound outcomes the extension that was called. */
  extensionId: string | null;
  /** Seconds from the call's start until it was answered, as far as the legs tell (see answerTiming). */
  ringSeconds: number | null;
  talkSeconds: number | null;
  final: boolean;
  /** 'call in progress' | 'voicemail expected' | 'voicemail referenced but not synced yet'; null when final. */
  pendingReason: string | null;
  /** RingCentral's result text unchanged (the record's, else its master leg's). */
  rawResult: string | null;
  /** result/reason texts of the record and its legs that are not in the known lists, sorted. */
  unknownValues: string[];
  ruleVersion: string;
}

/** A leg that started this close to (or after) another leg's end took the call over from it. */
const HANDOFF_TOLERANCE_MS = 1_000;

/** Legs of machines or bystanders: their "Accepted" does not mean a person answered the call. */
const NON_PERSON_LEGS = new Set(['ivacall', 'parklocation', 'pagingserver', 'paging', 'silentmonitoring',
  'monitoring', 'bargeincall', 'testcall', 'faxsent']);

const key = (raw: string | null): string => (raw ? enumKey(raw) : '');
const endMs = (leg: LegFacts): number => leg.startTime.getTime() + leg.durationMs;
const resultIn = (raw: string | null, values: readonly string[]): boolean => {
  const read = readResult(raw);
  return read.known && read.value !== null && values.includes(read.value);
};
/** Legs that follow something a person did to an answered call (transfer, park, pickup, move). */
const PERSON_HANDOFF_LEGS = new Set(['transfer', 'transfercall', 'callpark', 'parklocation', 'pickup', 'move',
  'movetoconference']);
const isPersonHandoff = (leg: LegFacts): boolean =>
  PERSON_HANDOFF_LEGS.has(key(leg.action)) || PERSON_HANDOFF_LEGS.has(key(leg.legType));

/** The record's own leg: the master leg, else the first one. */
function mainLeg(call: CallFacts): LegFacts | undefined {
  const byPosition = [...call.legs].sort((a, b) => a.position - b.position);
  return byPosition.find((leg) => leg.master) ?? byPosition[0];
}

function isAccepted(leg: LegFacts): boolean {
  if (resultIn(leg.result, CONNECTED_RESULTS)) return true;
  const result = readResult(leg.result);
  const silent = result.value === null || (result.known && SILENT_RESULTS.includes(result.value));
  return silent && readReason(leg.reason).value === 'Accepted';
}

const isVoicemailLeg = (leg: LegFacts): boolean => leg.messageId !== null || resultIn(leg.result, VOICEMAIL_RESULTS);

/**
 * An IVR or auto-receptionist "accepts" the call and then hands it on to a queue, a mailbox or a user:
 * the call continues on a leg that starts when this one ends. A person who transfers or parks the call
 * does the same, so legs that follow such an action do not make it a hand-off.
 */
function handedOn(leg: LegFacts, legs: readonly LegFacts[]): boolean {
  const end = endMs(leg);
  return legs.some((other) => other !== leg && !isPersonHandoff(other) && other.startTime.getTime() >= end - HANDOFF_TOLERANCE_MS);
}

/**
 * The leg on which a person accepted an inbound call. Queue members and FindMe/forwarding targets are
 * non-master legs, preferred over the master leg (which belongs to the queue or the dialled user); the
 * earliest such leg answered first.
 */
function personLeg(call: CallFacts): LegFacts | undefined {
  const candidates = call.legs.filter((leg) => isAccepted(leg) && !isVoicemailLeg(leg)
    && !NON_PERSON_LEGS.has(key(leg.legType)) && !NON_PERSON_LEGS.has(key(leg.action)) && !handedOn(leg, call.legs));
  candidates.sort((a, b) => Number(a.master) - Number(b.master)
    || a.startTime.getTime() - b.startTime.getTime() || a.position - b.position);
  return candidates[0];
}

/** The leg that connected an outbound call: the master leg (RingOut's leg to the callee), else the last connected leg. */
function outboundLeg(call: CallFacts): LegFacts | undefined {
  const main = mainLeg(call);
  if (main && isAccepted(main)) return main;
  const connected = call.legs.filter(isAccepted);
  connected.sort((a, b) => b.startTime.getTime() - a.startTime.getTime() || b.position - a.position);
  return connected[0];
}

/**
 * RingCentral logs no answer instant. A leg that was `Stopped` because another phone answered ends at the
 * answer, so the latest such end inside the answering leg marks it; without one, the answering leg's start
 * is used (time spent in IVR/queue/forwarding before that phone rang, its own ringing counted as talk).
 */
function answerTiming(call: CallFacts, leg: LegFacts): { ringSeconds: number; talkSeconds: number } {
  const start = leg.startTime.getTime();
  const end = endMs(leg);
  let answer = start;
  for (const other of call.legs) {
    const stopped = resultIn(other.result, ['Stopped', 'Answered Elsewhere']) || readReason(other.reason).value === 'Stopped';
    if (other !== leg && stopped && endMs(other) > answer && endMs(other) <= end) answer = endMs(other);
  }
  return {
    ringSeconds: Math.max(0, Math.round((answer - call.startTime.getTime()) / 1000)),
    talkSeconds: Math.max(0, Math.round((end - answer) / 1000)),
  };
}

function unknownValues(call: CallFacts): string[] {
  const found = new Set<string>();
  for (const part of [call, ...call.legs]) {
    const result = readResult(part.result);
    const reason = readReason(part.reason);
    if (!result.known && result.value) found.add(result.value);
    if (!reason.known && reason.value) found.add(reason.value);
  }
  return [...found].sort();
}

interface Reading {
  situation: Situation;
  rule: DispositionRule;
  fax: boolean;
  main: LegFacts | undefined;
  answeredOn: LegFacts | undefined;
}

function read(call: CallFacts, voicemailLinked: boolean): Reading {
  const main = mainLeg(call);
  const fax = key(call.type) === 'fax';
  const direction = readDirection(call.direction);
  let result = readResult(call.result);
  if (result.value === null && main) result = readResult(main.result);
  let reason = readReason(call.reason);
  if (reason.value === null && main) reason = readReason(main.reason);
  const answeredOn = direction === 'Inbound' ? personLeg(call) : undefined;
  const situation: Situation = {
    direction,
    result: result.value,
    resultKnown: result.known,
    reason: reason.known ? reason.value : null,
    personAnswered: answeredOn !== undefined,
    voicemailLinked,
    messageReferenced: !fax && (call.messageId !== null || call.legs.some((leg) => leg.messageId !== null)),
  };
  return { situation, rule: matchRule(situation), fax, main, answeredOn };
}

/**
 * True when an inbound voice call ended in a way after which the caller may have left a voicemail
 * (nobody answered; missed, busy, declined, reached voicemail...). Voicemail linking uses it.
 */
export function outcomeAllowsVoicemail(call: CallFacts): boolean {
  return voicemailOutcome(call).allowsVoicemail;
}

/** outcomeAllowsVoicemail plus the row that decided it, for linking evidence. */
export function voicemailOutcome(call: CallFacts): { allowsVoicemail: boolean; ruleId: string } {
  const { situation, rule, fax } = read(call, false);
  return { allowsVoicemail: situation.direction === 'Inbound' && !fax && rule.voicemailPossible === true, ruleId: rule.id };
}

function extensionOf(call: CallFacts, r: Reading, voicemail: LinkedVoicemail | undefined): string | null {
  const owner = call.extensionId ?? r.main?.extensionId ?? null;
  const { disposition } = r.rule;
  if (r.situation.direction !== 'Inbound') return owner;
  if (disposition === 'ANSWERED') return r.answeredOn?.extensionId ?? (r.rule.answererUnknown ? null : owner);
  if (disposition === 'VOICEMAIL') {
    const legs = [...call.legs].sort((a, b) => a.position - b.position);
    const mailboxLeg = legs.find((leg) => leg.messageId !== null) ?? legs.find(isVoicemailLeg);
    return voicemail?.mailboxExtensionId ?? mailboxLeg?.extensionId ?? owner;
  }
  return owner;
}

function pendingReason(call: CallFacts, r: Reading, voicemail: LinkedVoicemail | undefined, now: Date, windowSeconds: number): string | null {
  // RingCentral sends no further updates for a deleted record.
  if (call.deleted) return null;
  const live = r.situation.resultKnown && r.situation.result !== null && IN_PROGRESS_RESULTS.includes(r.situation.result);
  if (live || call.legs.some((leg) => resultIn(leg.result, IN_PROGRESS_RESULTS))) return 'call in progress';
  if (voicemail) return null;
  // The log names the message, so it will come: wait for it however long the message store takes.
  if (r.rule.disposition === 'VOICEMAIL') return 'voicemail referenced but not synced yet';
  const mayGetVoicemail = r.situation.direction === 'Inbound' && !r.fax && r.rule.voicemailPossible === true;
  if (mayGetVoicemail && now.getTime() < call.endTime.getTime() + windowSeconds * 1000) return 'voicemail expected';
  return null;
}

/** The disposition of `call` as of `now`, given the voicemail linked to it (if any). */
export function deriveDisposition(
  call: CallFacts,
  voicemail: LinkedVoicemail | undefined,
  now: Date,
  options: Partial<DispositionOptions> = {},
): DispositionDecision {
  const opts = { ...DEFAULT_DISPOSITION_OPTIONS, ...options };
  const r = read(call, voicemail !== undefined);
  const { disposition } = r.rule;
  const rawResult = call.result ?? r.main?.result ?? null;
  const answeredLeg = disposition !== 'ANSWERED' ? undefined
    : r.situation.direction === 'Inbound' ? r.answeredOn : r.situation.direction === 'Outbound' ? outboundLeg(call) : undefined;
  const timing = answeredLeg ? answerTiming(call, answeredLeg) : null;
  const pending = pendingReason(call, r, voicemail, now, opts.voicemailWindowSeconds);
  return {
    disposition,
    reason: r.rule.why.replace('{result}', rawResult?.trim() ?? ''),
    ruleId: r.rule.id,
    extensionId: extensionOf(call, r, voicemail),
    ringSeconds: timing?.ringSeconds ?? null,
    // Nobody talked on a call that was not answered; UNKNOWN calls may yet turn out answered.
    talkSeconds: timing?.talkSeconds ?? (disposition === 'ANSWERED' || disposition === 'UNKNOWN' ? null : 0),
    final: pending === null,
    pendingReason: pending,
    rawResult,
    unknownValues: unknownValues(call),
    ruleVersion: DISPOSITION_RULE_VERSION,
  };
}
