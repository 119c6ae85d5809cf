import { readFileSync } from 'node:fs';
import { embeddedTable, readmeTable } from '../../src/core/readme-table.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DISPOSITION_RULE_VERSION, deriveDisposition, outcomeAllowsVoicemail, type LinkedVoicemail,
} from '../../src/core/derive-disposition.ts';
import { RULES, type DispositionRule } from '../../src/core/disposition-rules.ts';
import { EXTRA_RESULTS, SPEC_REASONS, SPEC_RESULTS } from '../../src/core/outcome.ts';
import type { CallFacts, Disposition } from '../../src/core/types.ts';
import { USER_EXT, at, makeCallFacts, makeLeg } from './builders.ts';

/** Long after every window: decisions are final unless something is really outstanding. */
const LATER = at(100_000);
const MEMBER_A = '200001';
const MEMBER_B = '200002';
const MEMBER_C = '200003';
const QUEUE = '300001';
const IVR = '300002';
const SHARED = '300003';

const vm = (mailboxExtensionId = USER_EXT): LinkedVoicemail => ({ voicemailId: '402406985008', creationTime: at(105), mailboxExtensionId });

/** A record with only this result/reason (no legs): what the value means on its own. */
function bare(direction: 'Inbound' | 'Outbound', result: string | null, reason: string | null = null): CallFacts {
  return makeCallFacts({ direction, result, reason });
}

describe('every row of the rules table', () => {
  const cases: { rule: DispositionRule; direction: 'Inbound' | 'Outbound'; value: string | null }[] = [];
  for (const rule of RULES) {
    const directions = rule.when.direction ? [rule.when.direction] : (['Inbound', 'Outbound'] as const);
    const values = rule.when.result ?? rule.when.reason ?? [null];
    for (const direction of directions) for (const value of values) cases.push({ rule, direction, value });
  }

  /** The smallest call that satisfies the row's conditions. */
  function callFor(rule: DispositionRule, direction: 'Inbound' | 'Outbound', value: string | null): { call: CallFacts; voicemail?: LinkedVoicemail } {
    const { when } = rule;
    let result: string | null = when.result ? value : when.resultUnknown ? 'Teleported' : null;
    const reason = when.reason ? value : null;
    const legs = [];
    if (when.personAnswered) {
      result = 'Missed';
      legs.push(makeLeg({ position: 0, master: true, extensionId: QUEUE, result: 'Missed', reason: 'No Answer' }));
      legs.push(makeLeg({ position: 1, extensionId: MEMBER_A, startTime: at(2), durationMs: 98_000 }));
    }
    if (when.voicemailLinked || when.messageReferenced) result = 'Voicemail';
    const call = makeCallFacts({ direction, result, reason, legs, messageId: when.messageReferenced ? '402406985008' : null });
    return when.voicemailLinked ? { call, voicemail: vm() } : { call };
  }

  it.each(cases)('$rule.id ($direction, $value)', ({ rule, direction, value }) => {
    const { call, voicemail } = callFor(rule, direction, value);
    const decision = deriveDisposition(call, voicemail, LATER);
    expect(decision.ruleId).toBe(rule.id);
    expect(decision.disposition).toBe(rule.disposition);
    expect(decision.ruleVersion).toBe(DISPOSITION_RULE_VERSION);
    expect(decision.reason).not.toMatch(/\{result\}/);
  });

  it('names every spec result and reason in some row (except the ones that say nothing)', () => {
    const named = new Set(RULES.flatMap((r) => [...(r.when.result ?? []), ...(r.when.reason ?? [])]));
    const silent = ['Unknown', 'Account'];
    for (const value of [...SPEC_RESULTS, ...EXTRA_RESULTS, ...SPEC_REASONS]) {
      if (!silent.includes(value)) expect(named, value).toContain(value);
    }
  });

  it('has unique rule ids and ends with a catch-all', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    expect(RULES.at(-1)?.when).toEqual({});
  });
});

// Independent of the rules table: what each raw value should mean (api-notes §3.4), by direction.
const RESULT_EXPECTATIONS: [string, Disposition, Disposition][] = [
  ['911', 'ANSWERED', 'ANSWERED'], ['933', 'ANSWERED', 'ANSWERED'],
  ['Abandoned', 'ABANDONED', 'NO_ANSWER'], ['Accepted', 'ANSWERED', 'ANSWERED'],
  ['Answered Not Accepted', 'MISSED', 'NO_ANSWER'], ['Blocked', 'BLOCKED', 'BLOCKED'], ['Busy', 'MISSED', 'BUSY'],
  ['Call Failed', 'FAILED', 'FAILED'], ['Call Failure', 'FAILED', 'FAILED'], ['Call connected', 'ANSWERED', 'ANSWERED'],
  ['Carrier is not active', 'FAILED', 'FAILED'], ['Declined', 'REJECTED', 'REJECTED'],
  ['EDGE trunk misconfigured', 'FAILED', 'FAILED'], ['Fax Not Sent', 'FAILED', 'FAILED'],
  ['Fax Partially Sent', 'FAILED', 'FAILED'], ['Fax Poor Line', 'FAILED', 'FAILED'], ['Fax Receipt Error', 'FAILED', 'FAILED'],
  ['Fax on Demand', 'ANSWERED', 'ANSWERED'], ['Hang Up', 'ABANDONED', 'NO_ANSWER'], ['IP Phone Offline', 'FAILED', 'FAILED'],
  ['In Progress', 'UNKNOWN', 'UNKNOWN'], ['Internal Error', 'FAILED', 'FAILED'],
  ['International Disabled', 'BLOCKED', 'BLOCKED'], ['International Restricted', 'BLOCKED', 'BLOCKED'],
  ['Missed', 'MISSED', 'NO_ANSWER'], ['No Answer', 'MISSED', 'NO_ANSWER'], ['No Calling Credit', 'BLOCKED', 'BLOCKED'],
  ['Not Allowed', 'BLOCKED', 'BLOCKED'], ['Partial Receive', 'FAILED', 'FAILED'], ['Phone Login', 'ANSWERED', 'ANSWERED'],
  ['Receive Error', 'FAILED', 'FAILED'], ['Received', 'ANSWERED', 'ANSWERED'], ['Rejected', 'REJECTED', 'REJECTED'],
  ['Reply', 'REJECTED', 'REJECTED'], ['Restricted Number', 'BLOCKED', 'BLOCKED'], ['Send Error', 'FAILED', 'FAILED'],
  ['Sent', 'ANSWERED', 'ANSWERED'], ['Sent to Voicemail', 'MISSED', 'NO_ANSWER'], ['Stopped', 'ANSWERED', 'ANSWERED'],
  ['Suspended account', 'BLOCKED', 'BLOCKED'], ['Unknown', 'UNKNOWN', 'UNKNOWN'], ['Voicemail', 'MISSED', 'NO_ANSWER'],
  ['Wrong Number', 'BLOCKED', 'BLOCKED'], ['Answered Elsewhere', 'ANSWERED', 'ANSWERED'],
  ['Callback requested', 'MISSED', 'UNKNOWN'],
  // Widget extras and spelling variants.
  ['Call accepted', 'ANSWERED', 'ANSWERED'], ['IP Phone offline', 'FAILED', 'FAILED'], ['Disconnected', 'FAILED', 'FAILED'],
  ['ResultInProgress', 'UNKNOWN', 'UNKNOWN'], ['Ringing Elsewhere', 'UNKNOWN', 'UNKNOWN'], ['Hang up', 'ABANDONED', 'NO_ANSWER'],
  ['  hang   UP ', 'ABANDONED', 'NO_ANSWER'], ['Fax Send Error', 'FAILED', 'FAILED'], ['Fax Receipt', 'ANSWERED', 'ANSWERED'],
  ['No fax machine', 'FAILED', 'FAILED'], ['Partially Sent', 'FAILED', 'FAILED'], ['Poor Line Quality', 'FAILED', 'FAILED'],
  ['International Restriction', 'BLOCKED', 'BLOCKED'], ['Suspended', 'BLOCKED', 'BLOCKED'],
  ['Suspended Account', 'BLOCKED', 'BLOCKED'], ['Account', 'UNKNOWN', 'UNKNOWN'], ['ResultEmpty', 'UNKNOWN', 'UNKNOWN'],
  ['CALL CONNECTED', 'ANSWERED', 'ANSWERED'], ['sent-to-voicemail', 'MISSED', 'NO_ANSWER'],
];

describe('every result value on its own', () => {
  it('covers every spec value', () => {
    const tested = new Set(RESULT_EXPECTATIONS.map(([value]) => value));
    for (const value of [...SPEC_RESULTS, ...EXTRA_RESULTS]) expect(tested, value).toContain(value);
  });

  it.each(RESULT_EXPECTATIONS)('%s → inbound %s, outbound %s', (result, inbound, outbound) => {
    const i = deriveDisposition(bare('Inbound', result), undefined, LATER);
    const o = deriveDisposition(bare('Outbound', result), undefined, LATER);
    expect([i.disposition, o.disposition]).toEqual([inbound, outbound]);
    expect(i.unknownValues).toEqual([]);
    expect(i.rawResult).toBe(result);
  });
});

const REASON_EXPECTATIONS: [string, Disposition, Disposition][] = [
  ['Accepted', 'ANSWERED', 'ANSWERED'], ['Connected', 'MISSED', 'ANSWERED'], ['Line Busy', 'MISSED', 'BUSY'],
  ['line Busy', 'MISSED', 'BUSY'], ['Not Answered', 'MISSED', 'NO_ANSWER'], ['No Answer', 'MISSED', 'NO_ANSWER'],
  ['Hang Up', 'ABANDONED', 'NO_ANSWER'], ['Stopped', 'ANSWERED', 'ANSWERED'], ['Internal Error', 'FAILED', 'FAILED'],
  ['No Credit', 'BLOCKED', 'BLOCKED'], ['Restricted Number', 'BLOCKED', 'BLOCKED'], ['Wrong Number', 'BLOCKED', 'BLOCKED'],
  ['International Disabled', 'BLOCKED', 'BLOCKED'], ['International Restricted', 'BLOCKED', 'BLOCKED'],
  ['Bad Number', 'BLOCKED', 'BLOCKED'], ['Info 411 Restricted', 'BLOCKED', 'BLOCKED'],
  ['Customer 611 Restricted', 'BLOCKED', 'BLOCKED'], ['No Digital Line', 'FAILED', 'FAILED'],
  ['Failed Try Again', 'FAILED', 'FAILED'], ['Max Call Limit', 'MISSED', 'FAILED'], ['Too Many Calls', 'MISSED', 'FAILED'],
  ['Calls Not Accepted', 'REJECTED', 'REJECTED'], ['Number Not Allowed', 'BLOCKED', 'BLOCKED'],
  ['Number Blocked', 'BLOCKED', 'BLOCKED'], ['Number Disabled', 'BLOCKED', 'BLOCKED'], ['Resource Error', 'FAILED', 'FAILED'],
  ['Call Loop', 'FAILED', 'FAILED'], ['Fax Not Received', 'FAILED', 'FAILED'], ['Fax Partially Sent', 'FAILED', 'FAILED'],
  ['Fax Not Sent', 'FAILED', 'FAILED'], ['Fax Poor Line', 'FAILED', 'FAILED'], ['Fax Prepare Error', 'FAILED', 'FAILED'],
  ['Fax Save Error', 'FAILED', 'FAILED'], ['Fax Send Error', 'FAILED', 'FAILED'],
  ['Emergency Address not defined', 'FAILED', 'FAILED'], ['Carrier is not active', 'FAILED', 'FAILED'],
  ['EDGE trunk misconfigured', 'FAILED', 'FAILED'], ['Internal Call Error', 'FAILED', 'FAILED'],
  ['Receive Error', 'FAILED', 'FAILED'], ['Unknown', 'UNKNOWN', 'UNKNOWN'],
];

describe('every reason value when the result says nothing', () => {
  it('covers every spec value', () => {
    const tested = new Set(REASON_EXPECTATIONS.map(([value]) => value));
    for (const value of SPEC_REASONS) expect(tested, value).toContain(value);
  });

  it.each(REASON_EXPECTATIONS)('%s → inbound %s, outbound %s', (reason, inbound, outbound) => {
    for (const result of [null, 'Unknown']) {
      const i = deriveDisposition(bare('Inbound', result, reason), undefined, LATER);
      const o = deriveDisposition(bare('Outbound', result, reason), undefined, LATER);
      expect([i.disposition, o.disposition]).toEqual([inbound, outbound]);
      expect(i.unknownValues).toEqual([]);
    }
  });
});

describe('result and reason together', () => {
  it.each([
    ['Inbound', 'Missed', 'Hang Up', 'ABANDONED'],
    ['Inbound', 'Missed', 'No Answer', 'MISSED'],
    ['Inbound', 'Missed', 'Accepted', 'MISSED'],
    ['Outbound', 'No Answer', 'Line Busy', 'BUSY'],
    ['Outbound', 'Busy', 'line Busy', 'BUSY'],
    ['Outbound', 'Call Failed', 'Internal Error', 'FAILED'],
    ['Inbound', 'Blocked', 'Number Blocked', 'BLOCKED'],
    ['Inbound', 'Unknown', 'Number Blocked', 'BLOCKED'],
    ['Outbound', 'Call connected', 'Accepted', 'ANSWERED'],
    ['Inbound', 'Rejected', 'Hang Up', 'REJECTED'],
  ] as const)('%s %s + %s → %s', (direction, result, reason, expected) => {
    expect(deriveDisposition(bare(direction, result, reason), undefined, LATER).disposition).toBe(expected);
  });

  it('uses the master leg when the record has no result', () => {
    const call = makeCallFacts({ result: null, legs: [makeLeg({ master: true, result: 'Hang Up', reason: 'Hang Up' })] });
    expect(deriveDisposition(call, undefined, LATER)).toMatchObject({ disposition: 'ABANDONED', rawResult: 'Hang Up' });
  });
});

describe('unknown values', () => {
  it('gives UNKNOWN for an unknown result, keeping the raw text', () => {
    const d = deriveDisposition(bare('Inbound', ' Teleported ', 'Number Blocked'), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'UNKNOWN', ruleId: 'unknown-result', rawResult: ' Teleported ', unknownValues: ['Teleported'] });
    expect(d.reason).toContain('Teleported');
  });

  it('lists unknown reasons and leg values without letting them decide', () => {
    const call = makeCallFacts({ result: 'Missed', reason: 'Solar Flare',
      legs: [makeLeg({ master: true, result: 'Missed', reason: 'No Answer' }), makeLeg({ position: 1, result: 'Beamed', reason: 'Solar Flare' })] });
    const d = deriveDisposition(call, undefined, LATER);
    expect(d.disposition).toBe('MISSED');
    expect(d.unknownValues).toEqual(['Beamed', 'Solar Flare']);
  });

  it('still lets a linked voicemail decide', () => {
    expect(deriveDisposition(bare('Inbound', 'Teleported'), vm(), LATER).disposition).toBe('VOICEMAIL');
  });
});

/** Queue call: master leg of the queue, three members ringing from t=2 s; MEMBER_A answers. */
function queueCall(memberResults: [string, string][], recordResult = 'Accepted', extraLegs = [] as ReturnType<typeof makeLeg>[]): CallFacts {
  const members = [MEMBER_A, MEMBER_B, MEMBER_C];
  const legs = [
    makeLeg({ position: 0, master: true, extensionId: QUEUE, result: recordResult, reason: 'Accepted', durationMs: 100_000 }),
    ...memberResults.map(([result, reason], i) => makeLeg({
      position: i + 1, extensionId: members[i] as string, result, reason, startTime: new Date(at(2).getTime() + i * 300),
      durationMs: result === 'Accepted' ? 98_000 - i * 300 : 15_000,
    })),
    ...extraLegs,
  ];
  return makeCallFacts({ extensionId: QUEUE, result: recordResult, reason: 'Accepted', legs });
}

describe('queues, FindMe and forwarding', () => {
  it('never turns a queue call answered by one member into MISSED', () => {
    const call = queueCall([['Missed', 'No Answer'], ['Accepted', 'Accepted'], ['Stopped', 'Stopped']], 'Missed');
    const d = deriveDisposition(call, undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', ruleId: 'answered-by-person', extensionId: MEMBER_B, final: true });
  });

  it('credits the member who answered, not the queue', () => {
    const call = queueCall([['Accepted', 'Accepted'], ['Stopped', 'Stopped'], ['Answered Elsewhere', 'Stopped']]);
    const d = deriveDisposition(call, undefined, LATER);
    expect(d.extensionId).toBe(MEMBER_A);
    // The Stopped legs end when MEMBER_A answers (2.6 s + 15 s); the call ends at 100 s.
    expect(d.ringSeconds).toBe(18);
    expect(d.talkSeconds).toBe(82);
  });

  it('ignores an IVR that accepted the call and handed it to the queue', () => {
    const ivr = makeLeg({ position: 4, extensionId: IVR, startTime: at(0), durationMs: 1_500, result: 'Accepted' });
    const call = queueCall([['Missed', 'No Answer'], ['Missed', 'No Answer'], ['Accepted', 'Accepted']], 'Accepted', [ivr]);
    expect(deriveDisposition(call, undefined, LATER).extensionId).toBe(MEMBER_C);
  });

  it('counts a queue call whose caller hung up after the IVR as ABANDONED', () => {
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: QUEUE, result: 'Hang up', reason: 'Hang Up', durationMs: 60_000 }),
      makeLeg({ position: 1, extensionId: IVR, result: 'Accepted', durationMs: 10_000 }),
      makeLeg({ position: 2, extensionId: MEMBER_A, result: 'Missed', reason: 'No Answer', startTime: at(10.5), durationMs: 49_000 }),
    ];
    const d = deriveDisposition(makeCallFacts({ extensionId: QUEUE, result: 'Hang up', reason: 'Hang Up', legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ABANDONED', extensionId: QUEUE, final: true, ringSeconds: null });
  });

  it('answers a FindMe call on the forwarded leg', () => {
    const legs = [
      makeLeg({ position: 0, master: true, result: 'Missed', reason: 'No Answer', durationMs: 100_000 }),
      makeLeg({ position: 1, legType: 'FindMe', action: 'FindMe', direction: 'Outbound', result: 'Call connected',
        reason: 'Accepted', startTime: at(12), durationMs: 88_000 }),
    ];
    const d = deriveDisposition(makeCallFacts({ result: 'Missed', legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', extensionId: USER_EXT, ringSeconds: 12, talkSeconds: 88 });
  });

  it('times a direct call from the FindMe leg that stopped when the desk phone answered', () => {
    const legs = [
      makeLeg({ position: 0, master: true, durationMs: 100_000 }),
      makeLeg({ position: 1, legType: 'FindMe', result: 'Stopped', reason: 'Stopped', startTime: at(2), durationMs: 9_000 }),
    ];
    const d = deriveDisposition(makeCallFacts({ legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', ringSeconds: 11, talkSeconds: 89 });
  });

  it('keeps the person who answered and transferred the call', () => {
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: MEMBER_A, durationMs: 30_000 }),
      makeLeg({ position: 1, action: 'Transfer', legType: 'TransferCall', extensionId: MEMBER_B, result: 'Missed', startTime: at(30), durationMs: 20_000 }),
    ];
    const d = deriveDisposition(makeCallFacts({ result: 'Accepted', legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', extensionId: MEMBER_A });
  });

  it('keeps the person who answered and parked the call, even if nobody picked it up', () => {
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: MEMBER_A, durationMs: 30_000 }),
      makeLeg({ position: 1, action: 'Park Location', legType: 'ParkLocation', extensionId: '400001', result: 'Hang Up',
        reason: 'Hang Up', startTime: at(30), durationMs: 70_000 }),
    ];
    const d = deriveDisposition(makeCallFacts({ result: 'Hang Up', legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', extensionId: MEMBER_A });
  });

  it('does not count a monitoring leg as an answer', () => {
    const legs = [
      makeLeg({ position: 0, master: true, result: 'Missed', reason: 'No Answer' }),
      makeLeg({ position: 1, legType: 'SilentMonitoring', action: 'Monitoring', extensionId: MEMBER_A }),
    ];
    expect(deriveDisposition(makeCallFacts({ result: 'Missed', legs }), undefined, LATER).disposition).toBe('MISSED');
  });

  it('needs a person: legs that all stopped or went unanswered leave the record result in charge', () => {
    const call = queueCall([['Missed', 'No Answer'], ['Stopped', 'Stopped'], ['Answered Elsewhere', 'Stopped']], 'Stopped');
    const d = deriveDisposition(call, undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', ruleId: 'answered-elsewhere', extensionId: null });
  });
});

describe('outbound and internal calls', () => {
  it('judges RingOut by the leg to the callee, not the leg to the user\'s own phone', () => {
    const legs = [
      makeLeg({ position: 0, legType: 'RingOutWebToSubscriber', direction: 'Outbound', result: 'Call connected', durationMs: 40_000 }),
      makeLeg({ position: 1, master: true, legType: 'RingOutWebToCaller', direction: 'Outbound', result: 'No Answer',
        reason: 'Not Answered', startTime: at(4), durationMs: 36_000 }),
    ];
    const d = deriveDisposition(makeCallFacts({ direction: 'Outbound', result: 'No Answer', reason: 'Not Answered', legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'NO_ANSWER', extensionId: USER_EXT, final: true, talkSeconds: 0 });
  });

  it('credits the extension that placed an answered call and times it from the connected leg', () => {
    const legs = [makeLeg({ position: 0, master: true, direction: 'Outbound', result: 'Call connected', startTime: at(0), durationMs: 100_000 })];
    const d = deriveDisposition(makeCallFacts({ direction: 'Outbound', result: 'Call connected', legs }), undefined, LATER);
    expect(d).toMatchObject({ disposition: 'ANSWERED', extensionId: USER_EXT, ringSeconds: 0, talkSeconds: 100 });
  });

  it('decides an internal call by its direction', () => {
    const legs = [
      makeLeg({ position: 0, master: true, legType: 'ExtensionToExtension', direction: 'Outbound', result: 'No Answer', reason: 'Not Answered' }),
      makeLeg({ position: 1, legType: 'ExtensionToExtension', extensionId: MEMBER_A, result: 'Missed', reason: 'No Answer' }),
    ];
    const call = makeCallFacts({ direction: 'Outbound', result: 'No Answer', reason: 'Not Answered', fromE164: null, toE164: null, legs });
    expect(deriveDisposition(call, undefined, LATER)).toMatchObject({ disposition: 'NO_ANSWER', extensionId: USER_EXT });
  });

  it('gives UNKNOWN when the direction is missing and the result depends on it', () => {
    expect(deriveDisposition(makeCallFacts({ direction: null, result: 'Missed' }), undefined, LATER).disposition).toBe('UNKNOWN');
    expect(deriveDisposition(makeCallFacts({ direction: 'INBOUND', result: 'Missed' }), undefined, LATER).disposition).toBe('MISSED');
  });
});

describe('voicemail', () => {
  it('is VOICEMAIL with the mailbox extension when a voicemail is linked', () => {
    const d = deriveDisposition(makeCallFacts({ extensionId: QUEUE, result: 'Voicemail' }), vm(SHARED), LATER);
    expect(d).toMatchObject({ disposition: 'VOICEMAIL', extensionId: SHARED, final: true, pendingReason: null, talkSeconds: 0 });
  });

  it('is VOICEMAIL, pending without time limit, when only a leg names the message', () => {
    const legs = [makeLeg({ master: true, extensionId: SHARED, result: 'Voicemail', reason: null, messageId: '402406985008' })];
    const d = deriveDisposition(makeCallFacts({ extensionId: IVR, result: 'Voicemail', legs }), undefined, LATER);
    expect(d).toMatchObject({
      disposition: 'VOICEMAIL', ruleId: 'voicemail-referenced', extensionId: SHARED, final: false,
      pendingReason: 'voicemail referenced but not synced yet',
    });
  });

  it('takes the shared mailbox after an IVR, not the IVR that accepted first', () => {
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: SHARED, result: 'Voicemail', reason: null, startTime: at(15), durationMs: 85_000 }),
      makeLeg({ position: 1, extensionId: IVR, result: 'Accepted', reason: 'Accepted', durationMs: 15_000 }),
    ];
    const call = makeCallFacts({ extensionId: SHARED, result: 'Voicemail', legs });
    expect(deriveDisposition(call, undefined, LATER)).toMatchObject({ disposition: 'MISSED', ruleId: 'voicemail-without-message' });
    expect(deriveDisposition(call, vm(SHARED), LATER)).toMatchObject({ disposition: 'VOICEMAIL', extensionId: SHARED });
  });

  it('treats "Voicemail" without a message as MISSED, pending only inside the window', () => {
    const call = makeCallFacts({ result: 'Voicemail' }); // ends at 100 s
    const inside = deriveDisposition(call, undefined, at(100 + 599));
    expect(inside).toMatchObject({ disposition: 'MISSED', final: false, pendingReason: 'voicemail expected' });
    const after = deriveDisposition(call, undefined, at(100 + 600));
    expect(after).toMatchObject({ disposition: 'MISSED', final: true, pendingReason: null });
    expect(after.reason).toMatch(/left no message/);
  });

  it('honours the voicemail window option', () => {
    const call = makeCallFacts({ result: 'Missed' });
    expect(deriveDisposition(call, undefined, at(150), { voicemailWindowSeconds: 30 }).final).toBe(true);
    expect(deriveDisposition(call, undefined, at(150)).pendingReason).toBe('voicemail expected');
  });

  it('does not wait for a voicemail after outcomes that cannot have one', () => {
    for (const [direction, result] of [['Inbound', 'Hang Up'], ['Inbound', 'Blocked'], ['Outbound', 'No Answer'], ['Inbound', 'Accepted']] as const) {
      expect(deriveDisposition(bare(direction, result), undefined, at(101)).final, result).toBe(true);
    }
  });

  it('reads a fax call\'s message as the fax, not a voicemail', () => {
    const fax = makeCallFacts({ type: 'Fax', result: 'Received', messageId: '55501' });
    expect(deriveDisposition(fax, undefined, at(101))).toMatchObject({ disposition: 'ANSWERED', final: true });
    const failed = makeCallFacts({ type: 'Fax', result: 'Missed', messageId: '55502' });
    expect(deriveDisposition(failed, undefined, at(101))).toMatchObject({ disposition: 'MISSED', final: true });
    expect(outcomeAllowsVoicemail(failed)).toBe(false);
  });
});

describe('final and pending', () => {
  it('keeps a call in progress pending, whatever the clock', () => {
    for (const call of [
      bare('Inbound', 'In Progress'),
      bare('Outbound', 'ResultInProgress'),
      makeCallFacts({ result: 'Accepted', legs: [makeLeg({ master: true, result: 'In Progress' })] }),
    ]) {
      expect(deriveDisposition(call, undefined, LATER)).toMatchObject({ final: false, pendingReason: 'call in progress' });
    }
  });

  it('reports an answered call in progress as ANSWERED, still pending', () => {
    const call = makeCallFacts({ result: 'In Progress', legs: [makeLeg({ master: true, result: 'Accepted' })] });
    expect(deriveDisposition(call, undefined, LATER)).toMatchObject({ disposition: 'ANSWERED', pendingReason: 'call in progress' });
  });

  it('is final right after an answered call, with or without a recording', () => {
    for (const overrides of [{}, { recordingId: 'R1' }, { shortRecording: true }]) {
      expect(deriveDisposition(makeCallFacts(overrides), undefined, at(101)).final).toBe(true);
    }
  });

  it('treats a deleted call as final', () => {
    const d = deriveDisposition(makeCallFacts({ result: 'In Progress', deleted: true }), undefined, at(1));
    expect(d).toMatchObject({ final: true, pendingReason: null });
  });
});

describe('outcomeAllowsVoicemail', () => {
  it.each([
    ['Missed', true], ['Voicemail', true], ['Sent to Voicemail', true], ['Busy', true], ['Rejected', true],
    ['IP Phone Offline', true], ['No Answer', true], ['Hang Up', false], ['Abandoned', false], ['Accepted', false],
    ['Blocked', false], ['In Progress', false], ['Teleported', false], ['Callback requested', false],
  ] as const)('inbound %s → %s', (result, expected) => {
    expect(outcomeAllowsVoicemail(bare('Inbound', result))).toBe(expected);
  });

  it('is false for outbound calls and for inbound calls a person answered', () => {
    expect(outcomeAllowsVoicemail(bare('Outbound', 'Missed'))).toBe(false);
    expect(outcomeAllowsVoicemail(queueCall([['Accepted', 'Accepted']], 'Missed'))).toBe(false);
  });
});

describe('determinism', () => {
  it('gives the same decision whatever the order of the legs', () => {
    const call = queueCall([['Missed', 'No Answer'], ['Accepted', 'Accepted'], ['Stopped', 'Stopped']], 'Missed',
      [makeLeg({ position: 4, extensionId: IVR, durationMs: 1_000 })]);
    const expected = deriveDisposition(call, undefined, LATER);
    fc.assert(fc.property(fc.shuffledSubarray(call.legs, { minLength: call.legs.length }), (legs) => {
      expect(deriveDisposition({ ...call, legs }, undefined, LATER)).toEqual(expected);
    }));
  });
});

describe('the README mapping table', () => {
  it('is exactly what the rules render, so the two cannot drift apart', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // If this fails after changing the rules, run: npm run docs:table
    expect(embeddedTable(readme)).toBe(readmeTable());
  });
});
