// What kind of call each generated call is, with roughly realistic weights, and how a scenario's
// outline becomes a full Detailed call-log record (recording, voicemail link, ground truth).
// A call is a pure function of (seed, key, startMs) — plus, for the calls generated in pairs, its role
// (companions.ts): the world stores only a few columns per call and rebuilds the record when it is
// served, which keeps 100k calls cheap in memory.

import { CallBuilder, type BuildCtx, type Force, type LegSpec, type VoicemailNumberStyle } from './call-builder.ts';
import type { Ext } from './company.ts';
import { callIds } from './ids.ts';
import { numberDigits, styleNumber, type Customer, type NumberStyle } from './phone.ts';
import { Rng } from './prng.ts';
import { INBOUND_SCENARIOS } from './scenarios-inbound.ts';
import { OUTBOUND_SCENARIOS } from './scenarios-outbound.ts';
import type { CallLogRecord, Disposition, ExpectedOutcome, PartyJson } from './types.ts';

export type ScenarioName = keyof typeof WEIGHTS;

/** Relative frequency of each scenario; inbound ≈ 2/3 of traffic like a typical sales/support line. */
export const WEIGHTS = {
  'inbound-answered': 22,
  'inbound-findme-answered': 5,
  'queue-answered': 12,
  'queue-abandoned': 3,
  'inbound-missed': 8,
  voicemail: 10,
  'queue-voicemail': 3,
  'shared-voicemail': 2,
  'ivr-abandoned': 5,
  'inbound-rejected': 1,
  'inbound-blocked': 1,
  'outbound-answered': 14,
  'outbound-no-answer': 5,
  'outbound-busy': 3,
  'outbound-failed': 1,
  'internal-answered': 5,
  'internal-missed': 2,
} as const;

/**
 * A support line whose calls mostly go through the queue (and ring several members) has more legs per
 * call: about 3, against about 2 for the office mix. The benchmark uses it.
 */
const CONTACT_CENTER_WEIGHTS: Record<ScenarioName, number> = {
  ...WEIGHTS,
  'inbound-answered': 6,
  'inbound-findme-answered': 8,
  'queue-answered': 40,
  'queue-abandoned': 6,
  'queue-voicemail': 6,
  'outbound-answered': 8,
};

/** What a scenario decides; finishCall turns it into a record. */
export interface Outline {
  durationMs: number;
  direction: 'Inbound' | 'Outbound';
  action: string;
  result: string;
  reason?: string;
  from: PartyJson;
  to: PartyJson;
  owner: Ext;
  transport: 'PSTN' | 'VoIP';
  internalType: string;
  legs: LegSpec[];
  /** Legs that may appear only in a later version of the record. */
  lateLegs: number[];
  disposition: Disposition;
  answeredBy: Ext | null;
  /** Answered calls: the leg that carries a recording if the call is recorded, and the talk time. */
  recordable?: { leg: number; talkMs: number };
  /** Calls that reach a mailbox: which one, the leg that reached it, how long the caller spoke. */
  voicemail?: { mailbox: Ext; leg: number; recordedMs: number };
  customer?: Customer;
  style?: NumberStyle;
  billable?: boolean;
}

export type ScenarioFn = (b: CallBuilder, ctx: BuildCtx) => Outline;

export type ModKind = 'recordingAdded' | 'voicemailLinked' | 'legsAdded' | 'resultFinalised';

/** The voicemail a call leaves, as created; what happens to it later is planned in voicemail-plan.ts. */
export interface VoicemailDraft {
  /** Exact int64 as a decimal string. */
  id: string;
  mailbox: Ext;
  from: PartyJson;
  to: PartyJson;
  creationMs: number;
  vmDuration: number;
  /** The caller's real number as digits ('' when withheld); the truth's matcher prefilters on it. */
  callerDigits: string;
}

export interface CallDraft {
  key: number;
  scenario: ScenarioName;
  /** Final version; `uri`, `lastModifiedTime` and `deleted` are added when served. */
  record: CallLogRecord;
  endMs: number;
  expected: ExpectedOutcome;
  voicemail: VoicemailDraft | null;
  /** Modifications that make sense for this call (the timing pass picks at most one). */
  mods: ModKind[];
  lateLegs: number[];
  /** Bit (idx % 32) set = extension idx takes part (extensionNumber filter; exact up to 32 extensions). */
  extMask: number;
  /** Idx of every extension taking part, each once (the exact list behind extMask). */
  exts: number[];
  /** Digits of the external party's real number ('' if none) (phoneNumber filter). */
  externalDigits: string;
  /** 0 none, 1 Automatic, 2 OnDemand (recordingType filter). */
  recordingType: 0 | 1 | 2;
  /** The external party (undefined for internal and anonymous calls). */
  customer?: Customer;
}

const SCENARIOS: Record<ScenarioName, ScenarioFn> = { ...INBOUND_SCENARIOS, ...OUTBOUND_SCENARIOS };

/**
 * Builds call `key` (the same input always yields the same call). `force` and `scenario` are given
 * only for calls of a pair (companions.ts); otherwise every choice is drawn.
 */
export function buildCall(ctx: BuildCtx, key: number, startMs: number, force: Force = {}, scenario?: ScenarioName): CallDraft {
  const rng = Rng.of(ctx.seed, key, 0xca11);
  const ids = callIds(ctx.seed, key);
  const b = new CallBuilder(ctx, ids, startMs, rng, key, force);
  const drawn = rng.weighted(ctx.profile === 'contact-center' ? CONTACT_CENTER_WEIGHTS : WEIGHTS);
  const chosen = scenario ?? drawn;
  const outline = SCENARIOS[chosen](b, ctx);
  return finishCall(b, key, chosen, outline);
}

function finishCall(b: CallBuilder, key: number, scenario: ScenarioName, o: Outline): CallDraft {
  const { rng, ids } = b;
  const legs = o.legs.map((spec) => b.leg(spec));
  const record: CallLogRecord = {
    id: ids.id,
    sessionId: ids.sessionId,
    telephonySessionId: ids.telephonySessionId,
    startTime: b.iso(b.startMs),
    duration: Math.round(o.durationMs / 1000),
    durationMs: o.durationMs,
    type: 'Voice',
    internalType: o.internalType,
    direction: o.direction,
    action: o.action,
    result: o.result,
  } as CallLogRecord;
  if (o.reason) {
    record.reason = o.reason;
    const leg = legs.find((l) => l.master);
    if (leg?.reasonDescription) record.reasonDescription = leg.reasonDescription;
  }
  record.to = o.to;
  record.from = o.from;
  record.extension = b.extRef(o.owner);
  record.transport = o.transport;

  let recordingType: 0 | 1 | 2 = 0;
  let recordingId: string | null = null;
  if (o.recordable && rng.chance(0.25)) {
    const leg = legs[o.recordable.leg];
    if (o.recordable.talkMs < 30_000) {
      // RingCentral keeps no recording under 30 s and flags it instead (api-notes §5).
      record.shortRecording = true;
      if (leg) leg.shortRecording = true;
    } else {
      const type = rng.chance(0.7) ? 'Automatic' : 'OnDemand';
      const recording = b.recording(type);
      if (rng.chance(0.65)) record.recording = recording;
      if (leg) leg.recording = { ...recording };
      recordingType = type === 'Automatic' ? 1 : 2;
      recordingId = recording.id;
    }
  }

  let voicemail: VoicemailDraft | null = null;
  let linked = false;
  if (o.voicemail) {
    const vm = o.voicemail;
    const ref = b.messageRef(vm.mailbox);
    // Where the call log names the voicemail is undocumented (api-notes §4.5): vary it.
    const drawnPlacement = rng.weighted({ both: 50, leg: 25, none: 25 });
    const placement = b.force.placement ?? drawnPlacement;
    if (placement === 'both') record.message = ref;
    const leg = legs[vm.leg];
    if (placement !== 'none' && leg) leg.message = { ...ref };
    linked = placement !== 'none';
    voicemail = {
      id: ids.messageId,
      mailbox: vm.mailbox,
      from: voicemailParty(b, o),
      to: mailboxParty(b, vm.mailbox),
      // Message-store times have whole seconds (api-notes §4.4) and come a few seconds after hang-up.
      creationMs: Math.ceil((b.startMs + o.durationMs + rng.int(1000, 15_000)) / 1000) * 1000,
      vmDuration: Math.max(1, Math.round(vm.recordedMs / 1000)),
      callerDigits: o.customer ? numberDigits(o.customer.number) : '',
    };
  }

  if (o.billable || o.transport === 'PSTN') {
    const minutes = Math.ceil(o.durationMs / 60_000);
    record.billing = { costIncluded: 0, costPurchased: o.billable ? Math.round(minutes * 19) / 1000 : 0 };
  } else {
    record.billing = { costIncluded: 0, costPurchased: 0 };
  }
  record.legs = legs;

  // `1 << idx` shifts by idx % 32, which is what makes the mask a prefilter for bigger companies.
  let extMask = 1 << o.owner.idx;
  const exts = [o.owner.idx];
  for (const spec of o.legs) {
    if (!spec.ext) continue;
    extMask |= 1 << spec.ext.idx;
    if (!exts.includes(spec.ext.idx)) exts.push(spec.ext.idx);
  }

  const mods: ModKind[] = [];
  if (recordingId) mods.push('recordingAdded');
  if (linked) mods.push('voicemailLinked');
  if (o.lateLegs.length > 0) mods.push('legsAdded');
  // Voicemail calls too: the record may first show "In Progress" while the caller is still recording.
  mods.push('resultFinalised');

  return {
    key,
    scenario,
    record,
    endMs: b.startMs + o.durationMs,
    expected: {
      disposition: o.disposition,
      voicemailMessageId: voicemail ? voicemail.id : null,
      recordingId,
      answeredByExtensionId: o.answeredBy ? String(o.answeredBy.id) : null,
    },
    voicemail,
    mods,
    lateLegs: o.lateLegs,
    extMask: extMask >>> 0,
    exts,
    externalDigits: o.customer ? numberDigits(o.customer.number) : '',
    recordingType,
    customer: o.customer,
  };
}

/**
 * The voicemail's `from`. The message store writes the caller independently of the call log: masked
 * where the call was masked (mostly), sometimes masked where it was not, and now and then in another
 * format — "(650) 581-9987", "16505819987" — for the same number (api-notes §3.3, seed thread).
 */
function voicemailParty(b: CallBuilder, o: Outline): PartyJson {
  const drawn = b.aux.weighted<VoicemailNumberStyle>({ e164: 72, formatted: 8, digits: 8, national: 4, masked: 8 });
  const keepMask = b.aux.chance(0.75);
  const withName = b.aux.chance(0.7);
  const anonymousName = b.aux.chance(0.6);
  if (!o.customer) return anonymousName ? { name: 'Anonymous' } : {};
  const style = b.force.voicemailStyle ?? (o.style === 'masked' && keepMask ? 'masked' : drawn);
  const number = style === 'national' ? o.customer.number.slice(2) : styleNumber(o.customer.number, style);
  const party: PartyJson = { phoneNumber: number };
  if (withName) party.name = o.customer.name;
  return party;
}

/** The mailbox as the voicemail's recipient; the seed names it "(650) 581-9987 (Benno Dean)". */
function mailboxParty(b: CallBuilder, mailbox: Ext): PartyJson {
  const masked = b.aux.chance(0.05);
  if (!mailbox.did) return { extensionNumber: mailbox.extensionNumber, name: mailbox.name };
  const number = masked ? styleNumber(mailbox.did, 'masked') : mailbox.did;
  return { phoneNumber: number, name: `${styleNumber(mailbox.did, 'formatted')} (${mailbox.name})` };
}
