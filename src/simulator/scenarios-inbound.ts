// Inbound scenarios: a customer calls a user's direct number, the call queue, or the main number
// (IVR). Leg layouts follow the seed thread (Accept leg + FindMe leg) and api-notes §3.

import type { BuildCtx, CallBuilder, LegSpec } from './call-builder.ts';
import type { Ext } from './company.ts';
import { pickNumberStyle, styleNumber, type Customer, type NumberStyle } from './phone.ts';
import type { Outline, ScenarioFn } from './scenarios.ts';
import type { PartyJson } from './types.ts';

interface Caller {
  /** Undefined for an anonymous caller (caller id withheld). */
  customer?: Customer;
  style?: NumberStyle;
  /** The caller as the record shows it. */
  fromRecord: PartyJson;
  /** The caller as legs show it (the seed masks legs even when the record is not masked). */
  fromLeg: PartyJson;
}

/** Share of inbound callers who withhold their number. */
const ANONYMOUS_SHARE = 0.04;

function caller(b: CallBuilder, ctx: BuildCtx): Caller {
  const customer = b.rng.pick(ctx.customers);
  const style = pickNumberStyle(b.rng);
  const withName = b.rng.chance(0.6);
  const anonymous = b.aux.chance(ANONYMOUS_SHARE);
  if (b.force.anonymous ?? anonymous) {
    // RingCentral shows a withheld number as a party without phoneNumber, usually named "Anonymous".
    const party: PartyJson = b.aux.chance(0.75) ? { name: 'Anonymous' } : {};
    return { fromRecord: party, fromLeg: { ...party } };
  }
  const c = b.force.customer ?? customer;
  const s = b.force.style ?? style;
  const fromLeg = b.customerParty(c, s, withName);
  const recordStyle = s === 'masked' && b.rng.chance(0.5) ? 'e164' : s;
  return { customer: c, style: s, fromRecord: b.customerParty(c, recordStyle, withName), fromLeg };
}

/** The called company number; occasionally masked like the seed's "+1650581XXXX". */
function calledNumber(b: CallBuilder, number: string, name: string): PartyJson {
  return { phoneNumber: b.rng.chance(0.05) ? styleNumber(number, 'masked') : number, name };
}

function pickUser(b: CallBuilder, ctx: BuildCtx): Ext {
  const user = b.rng.pick(ctx.company.users);
  return b.force.user ?? user;
}

function talkMs(b: CallBuilder): number {
  // Mostly real conversations; one in ten is short enough that a recording would be discarded.
  return b.rng.chance(0.1) ? b.rng.int(8_000, 29_000) : b.rng.int(30_000, 600_000);
}

/** The Accept leg of the extension that owns the call. */
function masterLeg(c: Caller, to: PartyJson, ext: Ext, durationMs: number, result: string, reason?: string): LegSpec {
  return {
    offsetMs: 0, durationMs, direction: 'Inbound', action: 'Phone Call', result, reason,
    from: c.fromLeg, to, ext, transport: 'PSTN', legType: 'Accept', master: true, internalType: 'Usual',
  };
}

/**
 * A FindMe leg ringing the user's mobile. RingCentral logs it as an outbound call from the user's own
 * number (direct or the company's) to the mobile, the caller's number staying on the inbound party
 * (forwardingFrom 'owner'); the simulator's older shape put the caller's number on it ('caller').
 */
function findMeLeg(b: CallBuilder, c: Caller, user: Ext, offsetMs: number, durationMs: number, result: string, reason: string): LegSpec {
  const leg: LegSpec = {
    offsetMs, durationMs, direction: 'Outbound', action: 'FindMe', result, reason,
    from: { phoneNumber: c.fromLeg.phoneNumber, name: user.name },
    to: { phoneNumber: user.mobile, location: 'Mobile' }, ext: user, transport: 'PSTN', legType: 'FindMe',
  };
  if (b.ctx.forwardingFrom !== 'owner') return leg;
  const viaMain = b.extra.chance(0.2) || !user.did;
  const followMe = b.extra.chance(0.25);
  leg.from = { phoneNumber: viaMain ? b.ctx.company.mainNumber : user.did, name: user.name };
  if (followMe) {
    leg.action = 'FollowMe';
    leg.legType = 'FollowMe';
  }
  return leg;
}

/** One of the company's call queues (the default company has one, drawn without touching a stream). */
function pickQueue(b: CallBuilder, ctx: BuildCtx): Ext {
  const { queues } = ctx.company;
  return queues.length === 1 ? (queues[0] as Ext) : b.extra.pick(queues);
}

/** One of the company's shared-voicemail departments. */
function pickShared(b: CallBuilder, ctx: BuildCtx): Ext {
  const { sharedMailboxes } = ctx.company;
  return sharedMailboxes.length === 1 ? (sharedMailboxes[0] as Ext) : b.extra.pick(sharedMailboxes);
}

/** Legs of the queue members ringing; `answeredBy` (if any) gets Accepted, the others Missed/Stopped. */
function memberLegs(b: CallBuilder, c: Caller, ctx: BuildCtx, queue: Ext, offsetMs: number, ringMs: number, totalMs: number, answeredBy: Ext | null): LegSpec[] {
  const members = (queue.members ?? []).map((i) => ctx.company.extensions[i] as Ext);
  return members.map((m) => {
    const answered = m === answeredBy;
    const stopped = !answered && answeredBy !== null && b.rng.chance(0.5);
    return {
      offsetMs: offsetMs + b.rng.int(0, 800),
      durationMs: answered ? totalMs - offsetMs : ringMs,
      direction: 'Inbound',
      action: 'Phone Call',
      result: answered ? 'Accepted' : stopped ? 'Stopped' : 'Missed',
      reason: answered ? 'Accepted' : stopped ? 'Stopped' : 'No Answer',
      from: c.fromLeg,
      to: { extensionNumber: m.extensionNumber, extensionId: String(m.id), name: m.name },
      ext: m,
      transport: 'PSTN',
      legType: 'Accept',
    } satisfies LegSpec;
  });
}

function base(c: Caller, to: PartyJson, owner: Ext, durationMs: number): Pick<Outline, 'durationMs' | 'direction' | 'action' | 'from' | 'to' | 'owner' | 'transport' | 'internalType' | 'customer' | 'style'> {
  return {
    durationMs, direction: 'Inbound', action: 'Phone Call', from: c.fromRecord, to, owner,
    transport: 'PSTN', internalType: 'Usual', customer: c.customer, style: c.style,
  };
}

const inboundAnswered: ScenarioFn = (b, ctx) => {
  const c = caller(b, ctx);
  const user = pickUser(b, ctx);
  const to = calledNumber(b, user.did as string, user.name);
  const ring = b.rng.int(4_000, 20_000);
  const talk = talkMs(b);
  const result = b.rng.chance(0.7) ? 'Accepted' : 'Call connected';
  const legs = [masterLeg(c, to, user, ring + talk, result, 'Accepted')];
  const lateLegs: number[] = [];
  if (b.rng.chance(0.4)) {
    // The user's mobile rang at the same time and stopped when the desk phone answered.
    const offset = b.rng.int(1_000, 3_000);
    legs.push(findMeLeg(b, c, user, offset, Math.max(1_000, ring - offset), 'Stopped', 'Stopped'));
    lateLegs.push(1);
  }
  return {
    ...base(c, to, user, ring + talk), result, reason: 'Accepted', legs, lateLegs,
    disposition: 'ANSWERED', answeredBy: user, recordable: { leg: 0, talkMs: talk },
  };
};

const inboundFindMeAnswered: ScenarioFn = (b, ctx) => {
  const c = caller(b, ctx);
  const user = pickUser(b, ctx);
  const to = calledNumber(b, user.did as string, user.name);
  const deskRing = b.rng.int(8_000, 15_000);
  const talk = talkMs(b);
  const total = deskRing + 3_000 + talk;
  const legs = [
    masterLeg(c, to, user, total, 'Accepted', 'Accepted'),
    findMeLeg(b, c, user, deskRing, total - deskRing, 'Call connected', 'Accepted'),
  ];
  return {
    ...base(c, to, user, total), result: 'Accepted', reason: 'Accepted', legs, lateLegs: [],
    disposition: 'ANSWERED', answeredBy: user, recordable: { leg: 1, talkMs: talk },
  };
};

function queueCall(b: CallBuilder, ctx: BuildCtx, kind: 'answered' | 'abandoned' | 'voicemail'): Outline {
  const { ivr, mainNumber } = ctx.company;
  const queue = pickQueue(b, ctx);
  const c = caller(b, ctx);
  const viaIvr = b.rng.chance(0.4);
  const to = viaIvr ? calledNumber(b, mainNumber, ivr.name) : calledNumber(b, queue.did as string, queue.name);
  const ivrMs = viaIvr ? b.rng.int(5_000, 20_000) : 0;
  const ring = kind === 'abandoned' ? b.rng.int(10_000, 120_000) : b.rng.int(6_000, 40_000);
  const members = queue.members ?? [];
  const answerer = kind === 'answered' ? (ctx.company.extensions[b.rng.pick(members)] as Ext) : null;
  const talk = kind === 'answered' ? talkMs(b) : kind === 'voicemail' ? b.rng.int(8_000, 90_000) : 0;
  const total = ivrMs + ring + talk;
  const result = kind === 'answered' ? 'Accepted' : kind === 'voicemail' ? 'Voicemail'
    : b.rng.weighted({ 'Hang Up': 50, 'Hang up': 30, Abandoned: 20 });
  const reason = kind === 'answered' ? 'Accepted' : kind === 'abandoned' ? 'Hang Up' : undefined;
  const legs: LegSpec[] = [masterLeg(c, to, queue, total, result, reason)];
  if (viaIvr) {
    legs.push({ ...masterLeg(c, to, ivr, ivrMs, 'Accepted', 'Accepted'), master: false });
  }
  const first = legs.length;
  legs.push(...memberLegs(b, c, ctx, queue, ivrMs + 500, ring, total, answerer));
  const lateLegs = legs.map((l, i) => (i >= first && l.ext !== answerer ? i : -1)).filter((i) => i >= 0);
  const outline: Outline = {
    ...base(c, to, queue, total), result, reason, legs, lateLegs: kind === 'answered' ? lateLegs : [],
    disposition: kind === 'answered' ? 'ANSWERED' : kind === 'voicemail' ? 'VOICEMAIL' : 'ABANDONED',
    answeredBy: answerer,
  };
  if (answerer) outline.recordable = { leg: legs.findIndex((l) => l.ext === answerer && !l.master), talkMs: talk };
  if (kind === 'voicemail') outline.voicemail = { mailbox: queue, leg: 0, recordedMs: talk };
  return outline;
}

const inboundMissed: ScenarioFn = (b, ctx) => {
  const c = caller(b, ctx);
  const user = pickUser(b, ctx);
  const to = calledNumber(b, user.did as string, user.name);
  const ring = b.rng.int(15_000, 40_000);
  const legs = [masterLeg(c, to, user, ring, 'Missed', 'No Answer')];
  const lateLegs: number[] = [];
  if (b.rng.chance(0.5)) {
    legs.push(findMeLeg(b, c, user, b.rng.int(2_000, 6_000), ring - 6_000, 'No Answer', 'Not Answered'));
    lateLegs.push(1);
  }
  return { ...base(c, to, user, ring), result: 'Missed', reason: 'No Answer', legs, lateLegs, disposition: 'MISSED', answeredBy: null };
};

const userVoicemail: ScenarioFn = (b, ctx) => {
  const c = caller(b, ctx);
  const user = pickUser(b, ctx);
  const to = calledNumber(b, user.did as string, user.name);
  const ring = b.rng.int(15_000, 25_000);
  const drawn = b.rng.int(8_000, 120_000);
  const recorded = b.force.recordedMs ?? drawn;
  const legs = [masterLeg(c, to, user, ring + recorded, 'Voicemail')];
  const lateLegs: number[] = [];
  if (b.rng.chance(0.6)) {
    legs.push(findMeLeg(b, c, user, b.rng.int(3_000, 6_000), ring - 6_000, 'No Answer', 'Not Answered'));
    // The FindMe attempt sometimes reaches the log after the voicemail leg (api-notes §8).
    if (b.aux.chance(0.5)) lateLegs.push(1);
  }
  return {
    ...base(c, to, user, ring + recorded), result: 'Voicemail', legs, lateLegs, disposition: 'VOICEMAIL',
    answeredBy: null, voicemail: { mailbox: user, leg: 0, recordedMs: recorded },
  };
};

const sharedVoicemail: ScenarioFn = (b, ctx) => {
  const { ivr, mainNumber } = ctx.company;
  const shared = pickShared(b, ctx);
  const c = caller(b, ctx);
  const to = calledNumber(b, mainNumber, ivr.name);
  const ivrMs = b.rng.int(6_000, 25_000);
  const recorded = b.rng.int(8_000, 90_000);
  const total = ivrMs + recorded;
  const sharedTo = { extensionNumber: shared.extensionNumber, extensionId: String(shared.id), name: shared.name };
  const legs: LegSpec[] = [
    { ...masterLeg(c, sharedTo, shared, recorded, 'Voicemail'), offsetMs: ivrMs },
    { ...masterLeg(c, to, ivr, ivrMs, 'Accepted', 'Accepted'), master: false },
  ];
  return {
    ...base(c, to, shared, total), result: 'Voicemail', legs, lateLegs: [], disposition: 'VOICEMAIL',
    answeredBy: null, voicemail: { mailbox: shared, leg: 0, recordedMs: recorded },
  };
};

const ivrAbandoned: ScenarioFn = (b, ctx) => {
  const { ivr, mainNumber } = ctx.company;
  const c = caller(b, ctx);
  const to = calledNumber(b, mainNumber, ivr.name);
  const total = b.rng.int(5_000, 60_000);
  // RingCentral returns both spellings (widgets enums/callResults.ts).
  const result = b.rng.chance(0.55) ? 'Hang Up' : 'Hang up';
  return {
    ...base(c, to, ivr, total), result, reason: 'Hang Up', legs: [masterLeg(c, to, ivr, total, result, 'Hang Up')],
    lateLegs: [], disposition: 'ABANDONED', answeredBy: null,
  };
};

function shortInbound(result: string, reason: string | undefined, disposition: Outline['disposition'], maxMs: number): ScenarioFn {
  return (b, ctx) => {
    const c = caller(b, ctx);
    const user = pickUser(b, ctx);
    const to = calledNumber(b, user.did as string, user.name);
    const total = b.rng.int(0, maxMs);
    return {
      ...base(c, to, user, total), result, reason, legs: [masterLeg(c, to, user, total, result, reason)],
      lateLegs: [], disposition, answeredBy: null,
    };
  };
}

export const INBOUND_SCENARIOS = {
  'inbound-answered': inboundAnswered,
  'inbound-findme-answered': inboundFindMeAnswered,
  'queue-answered': ((b, ctx) => queueCall(b, ctx, 'answered')) as ScenarioFn,
  'queue-abandoned': ((b, ctx) => queueCall(b, ctx, 'abandoned')) as ScenarioFn,
  'inbound-missed': inboundMissed,
  voicemail: userVoicemail,
  'queue-voicemail': ((b, ctx) => queueCall(b, ctx, 'voicemail')) as ScenarioFn,
  'shared-voicemail': sharedVoicemail,
  'ivr-abandoned': ivrAbandoned,
  'inbound-rejected': shortInbound('Rejected', undefined, 'REJECTED', 15_000),
  'inbound-blocked': shortInbound('Blocked', 'Number Blocked', 'BLOCKED', 1_000),
};
