// Outbound and internal scenarios: a user calls a customer (from the RingCentral app or via RingOut),
// or calls a colleague's extension.

import type { BuildCtx, CallBuilder, LegSpec } from './call-builder.ts';
import type { Ext } from './company.ts';
import { pickNumberStyle } from './phone.ts';
import type { Outline, ScenarioFn } from './scenarios.ts';

type OutboundKind = 'answered' | 'no-answer' | 'busy' | 'failed';

const OUTCOME: Record<OutboundKind, { result: () => string; reason: (b: CallBuilder) => string; disposition: Outline['disposition'] }> = {
  answered: { result: () => 'Call connected', reason: () => 'Accepted', disposition: 'ANSWERED' },
  'no-answer': { result: () => 'No Answer', reason: () => 'Not Answered', disposition: 'NO_ANSWER' },
  // The 2021 spec spells it "line Busy", the 2026 spec "Line Busy": emit both (api-notes §3.4 drift).
  busy: { result: () => 'Busy', reason: (b) => (b.rng.chance(0.5) ? 'line Busy' : 'Line Busy'), disposition: 'BUSY' },
  failed: { result: () => 'Call Failed', reason: () => 'Internal Error', disposition: 'FAILED' },
};

function outbound(kind: OutboundKind): ScenarioFn {
  return (b: CallBuilder, ctx: BuildCtx): Outline => {
    const user = b.rng.pick(ctx.company.users);
    const customer = b.rng.pick(ctx.customers);
    const style = pickNumberStyle(b.rng);
    const talk = kind === 'answered' ? (b.rng.chance(0.1) ? b.rng.int(8_000, 29_000) : b.rng.int(30_000, 900_000)) : 0;
    const ring = kind === 'answered' || kind === 'no-answer' ? b.rng.int(kind === 'answered' ? 3_000 : 25_000, 45_000)
      : b.rng.int(0, 5_000);
    const total = ring + talk;
    const outcome = OUTCOME[kind];
    const result = outcome.result();
    const reason = outcome.reason(b);
    const to = b.customerParty(customer, style, false);
    const from = b.extParty(user, user.did);
    const internalType = b.rng.chance(0.6) ? 'LongDistance' : 'Local';
    const ringOut = b.rng.chance(0.25);
    const legs: LegSpec[] = [];
    if (ringOut) {
      // RingOut: RingCentral first calls the user's own phone, then the customer.
      const first = b.rng.int(2_000, 6_000);
      legs.push({
        offsetMs: 0, durationMs: total, direction: 'Outbound', action: 'RingOut Web', result: 'Call connected',
        reason: 'Accepted', from: { phoneNumber: ctx.company.mainNumber }, to: { phoneNumber: user.did, name: user.name },
        ext: user, transport: 'PSTN', legType: 'RingOutWebToSubscriber', internalType: 'Local',
      });
      legs.push({
        offsetMs: first, durationMs: Math.max(0, total - first), direction: 'Outbound', action: 'RingOut Web', result, reason,
        from, to, ext: user, transport: 'PSTN', legType: 'RingOutWebToCaller', master: true, internalType,
      });
    } else {
      legs.push({
        offsetMs: 0, durationMs: total, direction: 'Outbound', action: 'VoIP Call', result, reason,
        from, to, ext: user, transport: 'VoIP', legType: 'SipToPstnMetered', master: true, internalType,
      });
    }
    const outline: Outline = {
      durationMs: total, direction: 'Outbound', action: ringOut ? 'RingOut Web' : 'VoIP Call', result, reason,
      from, to, owner: user, transport: ringOut ? 'PSTN' : 'VoIP', internalType, legs, lateLegs: [],
      disposition: outcome.disposition, answeredBy: null, customer, style, billable: kind === 'answered',
    };
    if (kind === 'answered') outline.recordable = { leg: legs.length - 1, talkMs: talk };
    return outline;
  };
}

function internal(answered: boolean): ScenarioFn {
  return (b: CallBuilder, ctx: BuildCtx): Outline => {
    const users = ctx.company.users;
    const caller = b.rng.pick(users);
    let callee = b.rng.pick(users);
    while (callee === caller) callee = b.rng.pick(users);
    const ring = answered ? b.rng.int(2_000, 15_000) : b.rng.int(15_000, 30_000);
    const talk = answered ? (b.rng.chance(0.1) ? b.rng.int(5_000, 29_000) : b.rng.int(30_000, 600_000)) : 0;
    const total = ring + talk;
    const from = b.extParty(caller);
    const to = b.extParty(callee);
    const result = answered ? 'Call connected' : 'No Answer';
    const reason = answered ? 'Accepted' : 'Not Answered';
    const legs: LegSpec[] = [
      {
        offsetMs: 0, durationMs: total, direction: 'Outbound', action: 'VoIP Call', result, reason, from, to,
        ext: caller, transport: 'VoIP', legType: 'ExtensionToExtension', master: true, internalType: 'Usual',
      },
      {
        offsetMs: 300, durationMs: total - 300, direction: 'Inbound', action: 'Phone Call',
        result: answered ? 'Accepted' : 'Missed', reason: answered ? 'Accepted' : 'No Answer', from, to,
        ext: callee, transport: 'VoIP', legType: 'ExtensionToExtension', internalType: 'Usual',
      },
    ];
    const outline: Outline = {
      durationMs: total, direction: 'Outbound', action: 'VoIP Call', result, reason, from, to, owner: caller,
      transport: 'VoIP', internalType: 'Usual', legs, lateLegs: [],
      disposition: answered ? 'ANSWERED' : 'NO_ANSWER', answeredBy: answered ? (callee as Ext) : null,
    };
    if (answered) outline.recordable = { leg: 1, talkMs: talk };
    return outline;
  };
}

export const OUTBOUND_SCENARIOS = {
  'outbound-answered': outbound('answered'),
  'outbound-no-answer': outbound('no-answer'),
  'outbound-busy': outbound('busy'),
  'outbound-failed': outbound('failed'),
  'internal-answered': internal(true),
  'internal-missed': internal(false),
};
