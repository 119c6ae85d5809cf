import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveDisposition, outcomeAllowsVoicemail } from '../../src/core/derive-disposition.ts';
import { LINK_RULE_VERSION, linkVoicemails, type LinkResult } from '../../src/core/link-voicemails.ts';
import type { CallFacts, LegFacts, VoicemailFacts } from '../../src/core/types.ts';
import { CALLER, USER_DID, USER_EXT, USER_MOBILE, at, makeCallFacts, makeLeg, makeOnwardLeg, makeVoicemailFacts } from './builders.ts';

const OTHER_CALLER = '+16505550123';
const QUEUE = '300001';
const IVR = '300002';
const SHARED = '300003';

/** An unanswered call that reached voicemail: starts at `start` s, lasts 100 s. */
const vmCall = (id: string, overrides: Partial<CallFacts> = {}): CallFacts =>
  makeCallFacts({ id, result: 'Voicemail', ...overrides });
const missedCall = (id: string, overrides: Partial<CallFacts> = {}): CallFacts =>
  makeCallFacts({ id, result: 'Missed', reason: 'No Answer', ...overrides });
const voicemail = (id: string, overrides: Partial<VoicemailFacts> = {}): VoicemailFacts => makeVoicemailFacts({ id, ...overrides });

const linkOf = (result: LinkResult, voicemailId: string) => result.links.find((l) => l.voicemailId === voicemailId);
const unlinkedOf = (result: LinkResult, voicemailId: string) => result.unlinked.find((u) => u.voicemailId === voicemailId);

describe('CALL_LOG_REFERENCE', () => {
  it('links a voicemail named on the record, with confidence 1', () => {
    const result = linkVoicemails([vmCall('C1', { messageId: '900' })], [voicemail('900')]);
    expect(result.links).toEqual([{
      voicemailId: '900', callId: 'C1', method: 'CALL_LOG_REFERENCE', confidence: 1, secondsAfterCallStart: 105,
      evidence: { referencedOn: 'record', legPositions: [], callDeleted: false, competingCallIds: [], chosenBecause: 'only reference', ruleVersion: LINK_RULE_VERSION },
      ruleVersion: LINK_RULE_VERSION,
    }]);
    expect(result.unlinked).toEqual([]);
  });

  it('links a voicemail referenced only on a leg', () => {
    const legs = [makeLeg({ position: 0, master: true, result: 'Voicemail' }), makeLeg({ position: 1, result: 'Voicemail', messageId: '900' })];
    const link = linkOf(linkVoicemails([vmCall('C1', { legs })], [voicemail('900')]), '900');
    expect(link).toMatchObject({ callId: 'C1', method: 'CALL_LOG_REFERENCE', evidence: { referencedOn: 'leg', legPositions: [1] } });
  });

  it('prefers a reference to a better-looking match', () => {
    // C2 matches on every count, but C1 (another caller, an hour earlier, answered) names the message.
    const calls = [makeCallFacts({ id: 'C1', fromE164: OTHER_CALLER, messageId: '900', startTime: at(-3600) }), vmCall('C2')];
    const result = linkVoicemails(calls, [voicemail('900')]);
    expect(result.links).toHaveLength(1);
    expect(linkOf(result, '900')).toMatchObject({ callId: 'C1', method: 'CALL_LOG_REFERENCE' });
  });

  it('prefers the call whose record names the voicemail over one whose leg does', () => {
    const calls = [
      vmCall('C1', { legs: [makeLeg({ messageId: '900', result: 'Voicemail' })] }),
      vmCall('C2', { messageId: '900', startTime: at(-300) }),
    ];
    const link = linkOf(linkVoicemails(calls, [voicemail('900')]), '900');
    expect(link).toMatchObject({ callId: 'C2', evidence: { competingCallIds: ['C1'], chosenBecause: 'named on the record, the other only on a leg' } });
  });

  it('breaks a tie between two record references by time, then by call id', () => {
    const closer = linkVoicemails([vmCall('C1', { messageId: '900', startTime: at(-60) }), vmCall('C2', { messageId: '900' })], [voicemail('900')]);
    expect(linkOf(closer, '900')).toMatchObject({ callId: 'C2', evidence: { chosenBecause: 'ended closest to the voicemail' } });
    const same = linkVoicemails([vmCall('C2', { messageId: '900' }), vmCall('C1', { messageId: '900' })], [voicemail('900')]);
    expect(linkOf(same, '900')).toMatchObject({ callId: 'C1', evidence: { chosenBecause: 'tie broken by call id' } });
  });

  it('prefers a live call to a deleted one, but still links to a deleted call that names the voicemail', () => {
    const both = linkVoicemails([vmCall('C1', { messageId: '900', deleted: true }), vmCall('C2', { messageId: '900' })], [voicemail('900')]);
    expect(linkOf(both, '900')).toMatchObject({ callId: 'C2', evidence: { chosenBecause: 'the other call is deleted' } });
    const onlyDeleted = linkVoicemails([vmCall('C1', { messageId: '900', deleted: true })], [voicemail('900')]);
    expect(linkOf(onlyDeleted, '900')).toMatchObject({ callId: 'C1', evidence: { callDeleted: true } });
  });

  it('gives a call one voicemail: a second one it names only on a leg is a reference conflict', () => {
    const call = vmCall('C1', { messageId: '900', legs: [makeLeg({ result: 'Voicemail', messageId: '901' })] });
    const result = linkVoicemails([call], [voicemail('900'), voicemail('901')]);
    expect(result.links.map((l) => l.voicemailId)).toEqual(['900']);
    expect(unlinkedOf(result, '901')).toMatchObject({ reason: 'REFERENCE_CONFLICT', candidateCallIds: ['C1'] });
  });

  it('never matches a call that names a message not synced yet to another voicemail', () => {
    const result = linkVoicemails([vmCall('C1', { messageId: '777' })], [voicemail('900')]);
    expect(result.links).toEqual([]);
    expect(unlinkedOf(result, '900')?.reason).toBe('NO_CANDIDATE');
  });
});

describe('MATCHED', () => {
  it('matches mailbox, number and time, with evidence', () => {
    const result = linkVoicemails([vmCall('C1')], [voicemail('900')]);
    expect(result.links).toEqual([{
      voicemailId: '900', callId: 'C1', method: 'MATCHED', confidence: 0.95, secondsAfterCallStart: 105,
      evidence: {
        mailboxExtensionId: USER_EXT, mailboxOn: 'record', numberMatch: 'exact', numberOn: 'record', secondsAfterCallEnd: 5,
        gapSeconds: 5, callResult: 'Voicemail', callOutcomeRule: 'voicemail-without-message', reachedVoicemail: true,
        competingCallIds: [], competingCandidates: 0, ruleVersion: LINK_RULE_VERSION,
      },
      ruleVersion: LINK_RULE_VERSION,
    }]);
  });

  it('links the later of two calls from the same caller within ten minutes (the one that ended just before the voicemail)', () => {
    const calls = [missedCall('C1'), vmCall('C2', { startTime: at(300) })]; // C2 ends at 400 s
    const result = linkVoicemails(calls, [voicemail('900', { creationTime: at(406) })]);
    expect(linkOf(result, '900')).toMatchObject({ callId: 'C2', confidence: 0.9, evidence: { competingCallIds: ['C1'], gapSeconds: 6 } });
    expect(result.unlinked).toEqual([]);
  });

  it('links the earlier call when the voicemail came before the caller rang again', () => {
    const calls = [missedCall('C1'), missedCall('C2', { startTime: at(103), durationMs: 30_000 })];
    const result = linkVoicemails(calls, [voicemail('900', { creationTime: at(105) })]);
    expect(linkOf(result, '900')?.callId).toBe('C1');
  });

  it('links two callers who left voicemails in one mailbox a minute apart each to their own call', () => {
    const calls = [vmCall('C1'), vmCall('C2', { fromE164: OTHER_CALLER, startTime: at(60) })];
    const vms = [voicemail('900'), voicemail('901', { fromE164: OTHER_CALLER, creationTime: at(165) })];
    const result = linkVoicemails(calls, vms);
    expect(result.links.map((l) => [l.voicemailId, l.callId, l.method])).toEqual([['900', 'C1', 'MATCHED'], ['901', 'C2', 'MATCHED']]);
  });

  it('compares E.164 numbers from the record or an inbound leg that shows the caller', () => {
    const legs = [makeLeg({ fromE164: CALLER, result: 'Voicemail' })];
    const call = vmCall('C1', { fromE164: '+1415890XXXX', legs });
    const link = linkOf(linkVoicemails([call], [voicemail('900')]), '900');
    expect(link).toMatchObject({ method: 'MATCHED', evidence: { numberMatch: 'exact', numberOn: 'leg' } });
    const other = linkVoicemails([call], [voicemail('901', { fromE164: '+14158905909' })]);
    expect(other.links).toEqual([]);
  });

  it('matches a unique masked number with lower confidence', () => {
    const call = vmCall('C1', { fromE164: '+1650581XXXX' });
    const link = linkOf(linkVoicemails([call], [voicemail('900', { fromE164: '+16505819987' })]), '900');
    expect(link).toMatchObject({ method: 'MATCHED', confidence: 0.8, evidence: { numberMatch: 'masked' } });
    const reverse = linkOf(linkVoicemails([missedCall('C2', { fromE164: '+16505819987' })], [voicemail('901', { fromE164: '+1650581XXXX' })]), '901');
    expect(reverse).toMatchObject({ confidence: 0.75, evidence: { numberMatch: 'masked' } });
  });

  it('does not match a masked number that fits two calls', () => {
    const calls = [vmCall('C1', { fromE164: '+1650581XXXX' }), missedCall('C2', { fromE164: '+1650581XXXX', startTime: at(-200) })];
    const result = linkVoicemails(calls, [voicemail('900', { fromE164: '+16505819987' })]);
    expect(result.links).toEqual([]);
    expect(unlinkedOf(result, '900')).toMatchObject({ reason: 'AMBIGUOUS', candidateCallIds: ['C1', 'C2'] });
  });

  it('does not match a masked number that fits two voicemails', () => {
    const vms = [voicemail('900', { fromE164: '+16505819987' }), voicemail('901', { fromE164: '+16505811234', creationTime: at(400) })];
    const result = linkVoicemails([vmCall('C1', { fromE164: '+1650581XXXX' })], vms);
    expect(result.links).toEqual([]);
    expect(result.unlinked.map((u) => u.reason)).toEqual(['AMBIGUOUS', 'AMBIGUOUS']);
  });

  it('needs enough digits besides the mask', () => {
    const result = linkVoicemails([vmCall('C1', { fromE164: '+1650XXXXXXX' })], [voicemail('900', { fromE164: '+16505819987' })]);
    expect(result.links).toEqual([]);
  });

  it('lets an exact number win over an equally close masked one, and not over a clearly closer one', () => {
    const exact = vmCall('C1'); // ends 100 s
    const maskedClose = missedCall('C2', { fromE164: '+1415890XXXX', startTime: at(0.5) }); // ends 100.5 s
    expect(linkOf(linkVoicemails([exact, maskedClose], [voicemail('900')]), '900')?.callId).toBe('C1');
    const maskedCloser = missedCall('C3', { fromE164: '+1415890XXXX', startTime: at(60) }); // ends 160 s
    const result = linkVoicemails([exact, maskedCloser], [voicemail('900', { creationTime: at(165) })]);
    expect(unlinkedOf(result, '900')?.reason).toBe('AMBIGUOUS');
  });

  it('links an anonymous voicemail only to the one anonymous call that went to voicemail just before it', () => {
    const anonymous = { fromE164: null };
    const link = linkOf(linkVoicemails([vmCall('C1', anonymous)], [voicemail('900', anonymous)]), '900');
    expect(link).toMatchObject({ callId: 'C1', method: 'MATCHED', confidence: 0.6, evidence: { numberMatch: 'anonymous', numberOn: null } });
  });

  it('does not link an anonymous voicemail on mailbox and time alone', () => {
    const anonymous = { fromE164: null };
    // The call log does not say the call reached voicemail.
    const missed = linkVoicemails([missedCall('C1', anonymous)], [voicemail('900', anonymous)]);
    expect(unlinkedOf(missed, '900')).toMatchObject({ reason: 'ANONYMOUS_CALLER', candidateCallIds: ['C1'] });
    // More than a minute after the call.
    const late = linkVoicemails([vmCall('C1', anonymous)], [voicemail('900', { ...anonymous, creationTime: at(161) })]);
    expect(unlinkedOf(late, '900')?.reason).toBe('ANONYMOUS_CALLER');
    // Two anonymous callers reached voicemail within the minute.
    const two = linkVoicemails([vmCall('C1', anonymous), vmCall('C2', { ...anonymous, startTime: at(-30) })], [voicemail('900', anonymous)]);
    expect(unlinkedOf(two, '900')).toMatchObject({ reason: 'AMBIGUOUS', candidateCallIds: ['C1', 'C2'] });
    // Two anonymous voicemails for one call.
    const vms = linkVoicemails([vmCall('C1', anonymous)], [voicemail('900', anonymous), voicemail('901', { ...anonymous, creationTime: at(130) })]);
    expect(vms.unlinked.map((u) => u.reason)).toEqual(['AMBIGUOUS', 'AMBIGUOUS']);
    // A caller with a number did not leave an anonymous voicemail.
    expect(linkVoicemails([vmCall('C1')], [voicemail('900', anonymous)]).links).toEqual([]);
  });

  it('does not match an anonymous call to a voicemail with a number', () => {
    const result = linkVoicemails([vmCall('C1', { fromE164: null })], [voicemail('900')]);
    expect(unlinkedOf(result, '900')?.reason).toBe('NO_CANDIDATE');
  });

  it('links a queue voicemail in the queue\'s mailbox', () => {
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: QUEUE, result: 'Voicemail', reason: null }),
      makeLeg({ position: 1, extensionId: '200001', result: 'Missed', reason: 'No Answer', startTime: at(2), durationMs: 20_000 }),
    ];
    const call = vmCall('C1', { extensionId: QUEUE, legs });
    const link = linkOf(linkVoicemails([call], [voicemail('900', { mailboxExtensionId: QUEUE })]), '900');
    expect(link).toMatchObject({ method: 'MATCHED', evidence: { mailboxExtensionId: QUEUE, mailboxOn: 'record' } });
  });

  it('links a shared-mailbox voicemail reached through an IVR by the mailbox on a leg', () => {
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: SHARED, result: 'Voicemail', reason: null, startTime: at(15), durationMs: 85_000 }),
      makeLeg({ position: 1, extensionId: IVR, durationMs: 15_000 }),
    ];
    const call = vmCall('C1', { extensionId: IVR, legs });
    const link = linkOf(linkVoicemails([call], [voicemail('900', { mailboxExtensionId: SHARED })]), '900');
    expect(link).toMatchObject({ method: 'MATCHED', evidence: { mailboxOn: 'leg' } });
  });

  it('leaves a voicemail whose call is absent unlinked', () => {
    const result = linkVoicemails([], [voicemail('900')]);
    expect(result).toEqual({ links: [], unlinked: [expect.objectContaining({ voicemailId: '900', reason: 'NO_CANDIDATE', candidateCallIds: [] })] });
  });

  it('matches a deleted call: its tombstone is still the call that left the voicemail', () => {
    expect(linkVoicemails([vmCall('C1', { deleted: true })], [voicemail('900')]).links).toEqual([expect.objectContaining({ callId: 'C1', method: 'MATCHED' })]);
  });

  it('never matches answered calls, outbound calls or other mailboxes', () => {
    for (const call of [
      makeCallFacts({ id: 'C2', result: 'Accepted' }),
      makeCallFacts({ id: 'C3', direction: 'Outbound', result: 'No Answer', toE164: CALLER }),
      vmCall('C4', { extensionId: '999' }),
      makeCallFacts({ id: 'C5', result: 'Hang Up' }),
    ]) {
      expect(linkVoicemails([call], [voicemail('900')]).links, call.id).toEqual([]);
    }
  });

  it('keeps to the window: from the call\'s start to windowSeconds after its end', () => {
    const call = vmCall('C1'); // 0..100 s
    expect(linkVoicemails([call], [voicemail('900', { creationTime: at(700) })]).links).toHaveLength(1);
    expect(linkVoicemails([call], [voicemail('900', { creationTime: at(700.001) })]).links).toHaveLength(0);
    expect(linkVoicemails([call], [voicemail('900', { creationTime: at(-1) })]).links).toHaveLength(0);
    expect(linkVoicemails([call], [voicemail('900', { creationTime: at(900) })], { windowSeconds: 900 }).links).toHaveLength(1);
  });

  it('lowers confidence as the gap grows', () => {
    const confidence = (seconds: number) => linkOf(linkVoicemails([missedCall('C1')], [voicemail('900', { creationTime: at(100 + seconds) })]), '900')?.confidence;
    expect([confidence(30), confidence(60), confidence(330), confidence(600)]).toEqual([0.9, 0.9, 0.8, 0.7]);
  });

  it('leaves both voicemails unlinked when two fit one call equally well', () => {
    const vms = [voicemail('900', { creationTime: at(105) }), voicemail('901', { creationTime: at(105.5) })];
    const result = linkVoicemails([vmCall('C1')], vms);
    expect(result.links).toEqual([]);
    expect(result.unlinked.map((u) => [u.voicemailId, u.reason])).toEqual([['900', 'AMBIGUOUS'], ['901', 'AMBIGUOUS']]);
  });

  it('leaves a voicemail unlinked when two calls fit it equally well', () => {
    const calls = [vmCall('C1'), vmCall('C2', { startTime: at(0.4) })];
    const result = linkVoicemails(calls, [voicemail('900')]);
    expect(unlinkedOf(result, '900')).toMatchObject({ reason: 'AMBIGUOUS', candidateCallIds: ['C1', 'C2'] });
  });

  it('reports a voicemail whose only call went to a closer voicemail as CANDIDATE_TAKEN', () => {
    const result = linkVoicemails([vmCall('C1')], [voicemail('900'), voicemail('901', { creationTime: at(400) })]);
    expect(linkOf(result, '900')?.callId).toBe('C1');
    expect(unlinkedOf(result, '901')).toMatchObject({ reason: 'CANDIDATE_TAKEN', candidateCallIds: ['C1'] });
  });
});

describe('the caller number comes from the inbound party, never from FindMe or forwarding legs', () => {
  /** A direct number in the caller's own exchange: a masked caller ("+1415890XXXX") fits it too. */
  const LOCAL_DID = '+14158900100';
  const COLLEAGUE_EXT = '133165010';
  const COLLEAGUE_DID = '+14158900177';

  /** How RingCentral logs the leg that rings the user elsewhere (api-notes §3.4, plus the spellings some logs use). */
  const ONWARD_STYLES: { name: string; leg: Partial<LegFacts> }[] = [
    { name: 'FindMe', leg: { legType: 'FindMe', action: 'FindMe' } },
    { name: 'FollowMe', leg: { legType: 'FollowMe', action: 'FollowMe' } },
    { name: 'Sip Forwarding', leg: { legType: 'SipForwarding', action: 'Sip Forwarding' } },
    { name: 'Call Forwarding', leg: { legType: 'Unknown', action: 'Call Forwarding' } },
    { name: 'Forwarding logged as Inbound', leg: { legType: 'Forwarding', action: 'Forwarding', direction: 'Inbound' } },
  ];

  /** The caller as the record and the master leg show it, and the voicemail the caller left. */
  const CALLERS = [
    { name: 'a plain number', record: CALLER, leg: CALLER, voicemailFrom: CALLER, numberMatch: 'exact', confidence: 0.95 },
    // The log masks the caller; the user's own number shares the caller's exchange, so it "fits" the mask.
    { name: 'a masked number', record: '+1415890XXXX', leg: '+1415890XXXX', voicemailFrom: CALLER, numberMatch: 'masked', confidence: 0.8 },
    { name: 'no number (withheld)', record: null, leg: null, voicemailFrom: null, numberMatch: 'anonymous', confidence: 0.6 },
  ] as const;

  /** An inbound call to USER_EXT's direct number that rang the desk phone and `onward`, then went to voicemail. */
  const ringOutCall = (from: string | null, legFrom: string | null, onward: LegFacts[]): CallFacts => makeCallFacts({
    id: 'C1', result: 'Voicemail', reason: null, fromE164: from, toE164: LOCAL_DID, durationMs: 45_000,
    legs: [
      makeLeg({ position: 0, master: true, fromE164: legFrom, toE164: LOCAL_DID, result: 'Voicemail', reason: null, durationMs: 45_000 }),
      ...onward,
    ],
  });

  const cases = ONWARD_STYLES.flatMap((style) => CALLERS.map((caller) => ({ ...caller, style })));
  it.each(cases)('$style.name leg from the user\'s own number, caller with $name: the voicemail is MATCHED and the call is VOICEMAIL', ({ style, record, leg, voicemailFrom, numberMatch, confidence }) => {
    const onward = makeOnwardLeg({ ...style.leg, fromE164: LOCAL_DID, startTime: at(3), durationMs: 17_000 });
    const call = ringOutCall(record, leg, [onward]);
    const vm = voicemail('900', { fromE164: voicemailFrom, creationTime: at(50) });
    const result = linkVoicemails([call], [vm]);
    expect(result.unlinked).toEqual([]);
    expect(linkOf(result, '900')).toMatchObject({
      callId: 'C1', method: 'MATCHED', confidence, evidence: { numberMatch, numberOn: numberMatch === 'anonymous' ? null : 'record' },
    });
    const linked = { voicemailId: vm.id, creationTime: vm.creationTime, mailboxExtensionId: vm.mailboxExtensionId };
    expect(deriveDisposition(call, linked, at(3600)).disposition).toBe('VOICEMAIL');
  });

  it('never matches a voicemail from the user\'s own number to the call its FindMe leg rang out from', () => {
    const call = ringOutCall(CALLER, CALLER, [makeOnwardLeg()]);
    const result = linkVoicemails([call], [voicemail('900', { fromE164: USER_DID, creationTime: at(50) })]);
    expect(result.links).toEqual([]);
    expect(unlinkedOf(result, '900')?.reason).toBe('NO_CANDIDATE');
  });

  it('links each of two callers\' voicemails to their own call when both calls rang the same mobile by FindMe', () => {
    const calls = [
      ringOutCall(CALLER, CALLER, [makeOnwardLeg({ fromE164: OTHER_CALLER })]),
      makeCallFacts({ id: 'C2', result: 'Voicemail', fromE164: OTHER_CALLER, startTime: at(20), durationMs: 45_000,
        legs: [makeLeg({ master: true, fromE164: OTHER_CALLER, result: 'Voicemail', startTime: at(20) }), makeOnwardLeg({ fromE164: CALLER, startTime: at(23) })] }),
    ];
    // FindMe may show the caller's number on the mobile; each leg here shows the *other* caller, which must not count.
    const vms = [voicemail('900', { creationTime: at(50) }), voicemail('901', { fromE164: OTHER_CALLER, creationTime: at(70) })];
    const result = linkVoicemails(calls, vms);
    expect(result.links.map((l) => [l.voicemailId, l.callId, l.evidence.competingCandidates])).toEqual([['900', 'C1', 0], ['901', 'C2', 0]]);
  });

  it('attempts no match when the mobile answered the FindMe leg', () => {
    const call = makeCallFacts({
      id: 'C1', result: 'Accepted', reason: 'Accepted', durationMs: 200_000,
      legs: [
        makeLeg({ position: 0, master: true, result: 'Accepted', reason: 'Accepted', durationMs: 200_000 }),
        makeOnwardLeg({ result: 'Call connected', reason: 'Accepted', startTime: at(12), durationMs: 188_000 }),
      ],
    });
    expect(outcomeAllowsVoicemail(call)).toBe(false);
    const result = linkVoicemails([call], [voicemail('900', { creationTime: at(205) })]);
    expect(result.links).toEqual([]);
    expect(unlinkedOf(result, '900')?.reason).toBe('NO_CANDIDATE');
  });

  it('links a queue voicemail whose members\' legs show the caller, ignoring a member\'s FindMe leg', () => {
    const member = (position: number, ext: string, startS: number): LegFacts => makeLeg({
      position, extensionId: ext, fromE164: '+1415890XXXX', toE164: null, result: 'Missed', reason: 'No Answer', startTime: at(startS), durationMs: 25_000,
    });
    const legs = [
      makeLeg({ position: 0, master: true, extensionId: QUEUE, fromE164: '+1415890XXXX', toE164: LOCAL_DID, result: 'Voicemail', reason: null, durationMs: 60_000 }),
      member(1, USER_EXT, 1), member(2, COLLEAGUE_EXT, 1.4),
      makeOnwardLeg({ position: 3, extensionId: COLLEAGUE_EXT, fromE164: COLLEAGUE_DID, toE164: USER_MOBILE, startTime: at(4) }),
    ];
    // The record shows the caller in full; the legs mask it, and the colleague's own number shares its exchange.
    const call = makeCallFacts({ id: 'C1', extensionId: QUEUE, result: 'Voicemail', reason: null, toE164: LOCAL_DID, durationMs: 60_000, legs });
    const link = linkOf(linkVoicemails([call], [voicemail('900', { mailboxExtensionId: QUEUE, creationTime: at(65) })]), '900');
    expect(link).toMatchObject({ callId: 'C1', method: 'MATCHED', evidence: { numberMatch: 'exact', numberOn: 'record', mailboxOn: 'record' } });
    // Masked everywhere: the caller's masked number still matches, the colleague's unmasked one does not stand in for it.
    const masked = { ...call, id: 'C2', fromE164: '+1415890XXXX' };
    const maskedLink = linkOf(linkVoicemails([masked], [voicemail('901', { mailboxExtensionId: QUEUE, creationTime: at(65) })]), '901');
    expect(maskedLink).toMatchObject({ callId: 'C2', evidence: { numberMatch: 'masked' } });
    // A voicemail from the colleague's number is not this caller's.
    expect(linkVoicemails([call], [voicemail('902', { mailboxExtensionId: QUEUE, fromE164: COLLEAGUE_DID, creationTime: at(65) })]).links).toEqual([]);
  });

  it('does not read the caller from an inbound leg that comes from another of our extensions or from the dialled number', () => {
    // A withheld caller; a colleague consulted on the call (their leg's `from` is them) and a leg shows our own DID.
    const legs = [
      makeLeg({ position: 0, master: true, fromE164: null, toE164: LOCAL_DID, result: 'Voicemail', reason: null, durationMs: 45_000 }),
      makeLeg({ position: 1, fromE164: COLLEAGUE_DID, fromExtensionId: COLLEAGUE_EXT, result: 'Missed', reason: 'No Answer', durationMs: 10_000 }),
      makeLeg({ position: 2, legType: 'Unknown', action: 'Unknown', fromE164: LOCAL_DID, result: 'Missed', reason: 'No Answer', durationMs: 10_000 }),
    ];
    const call = makeCallFacts({ id: 'C1', result: 'Voicemail', reason: null, fromE164: null, toE164: LOCAL_DID, durationMs: 45_000, legs });
    expect(linkOf(linkVoicemails([call], [voicemail('900', { fromE164: null, creationTime: at(50) })]), '900'))
      .toMatchObject({ callId: 'C1', evidence: { numberMatch: 'anonymous' } });
    for (const from of [COLLEAGUE_DID, LOCAL_DID]) {
      expect(linkVoicemails([call], [voicemail('901', { fromE164: from, creationTime: at(50) })]).links, from).toEqual([]);
    }
  });

  it('still reads the caller from a leg when an internal caller\'s extension is the record\'s own caller', () => {
    const legs = [makeLeg({ master: true, fromE164: COLLEAGUE_DID, fromExtensionId: COLLEAGUE_EXT, result: 'Voicemail', reason: null })];
    const call = vmCall('C1', { fromE164: null, fromExtensionId: COLLEAGUE_EXT, legs });
    expect(linkOf(linkVoicemails([call], [voicemail('900', { fromE164: COLLEAGUE_DID })]), '900'))
      .toMatchObject({ callId: 'C1', evidence: { numberMatch: 'exact', numberOn: 'leg' } });
  });
});

// ---- properties ----

const MAILBOXES = ['100', '200', '300'];
const NUMBERS = ['+14155550001', '+14155550002', '+1415555XXXX', null];

/** null six times in seven: most calls name no message. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const callArb = fc.record({
  mailbox: fc.constantFrom(...MAILBOXES),
  legMailbox: fc.option(fc.constantFrom(...MAILBOXES), { nil: null }),
  from: fc.constantFrom(...NUMBERS),
  start: fc.integer({ min: 0, max: 1800 }),
  duration: fc.integer({ min: 0, max: 300 }),
  result: fc.constantFrom('Missed', 'Voicemail', 'Voicemail', 'Accepted', 'Hang Up', 'Busy'),
  direction: fc.constantFrom('Inbound', 'Inbound', 'Inbound', 'Outbound'),
  deleted: fc.constantFrom(false, false, false, false, false, true),
  recordRef: rarely(fc.integer({ min: 0, max: 30 })),
  legRef: rarely(fc.integer({ min: 0, max: 30 })),
});

/** Most voicemails are left on one of the generated calls (same mailbox and caller, shortly after its end). */
const voicemailArb = fc.record({
  onCall: fc.option(fc.nat(), { nil: null, freq: 4 }),
  sameMailbox: fc.constantFrom(true, true, true, false),
  sameCaller: fc.constantFrom(true, true, true, false),
  mailbox: fc.constantFrom(...MAILBOXES),
  from: fc.constantFrom(...NUMBERS),
  offset: fc.integer({ min: -5, max: 700 }),
});

const worldArb = fc.record({
  calls: fc.array(callArb, { maxLength: 25 }),
  voicemails: fc.array(voicemailArb, { maxLength: 20 }),
}).map(({ calls, voicemails }) => ({
  calls: calls.map((c, i): CallFacts => makeCallFacts({
    id: `C${i}`, direction: c.direction, result: c.result, extensionId: c.mailbox, fromE164: c.from,
    startTime: at(c.start), durationMs: c.duration * 1000, deleted: c.deleted,
    messageId: c.recordRef === null ? null : `V${c.recordRef}`,
    legs: [makeLeg({ position: 0, master: true, extensionId: c.legMailbox, fromE164: c.from, result: c.result, reason: null,
      startTime: at(c.start), durationMs: c.duration * 1000, messageId: c.legRef === null ? null : `V${c.legRef}` })],
  })),
  voicemails: voicemails.map((v, i): VoicemailFacts => {
    const call = v.onCall === null || calls.length === 0 ? undefined : calls[v.onCall % calls.length];
    return makeVoicemailFacts({
      id: `V${i}`,
      mailboxExtensionId: call && v.sameMailbox ? call.mailbox : v.mailbox,
      fromE164: call && v.sameCaller ? call.from : v.from,
      creationTime: call ? at(call.start + call.duration + v.offset) : at(v.offset * 3),
    });
  }),
}));

describe('properties', () => {
  it('never links one voicemail or one call twice, and accounts for every voicemail once', () => {
    fc.assert(fc.property(worldArb, ({ calls, voicemails }) => {
      const { links, unlinked } = linkVoicemails(calls, voicemails);
      expect(new Set(links.map((l) => l.voicemailId)).size).toBe(links.length);
      expect(new Set(links.map((l) => l.callId)).size).toBe(links.length);
      const seen = [...links.map((l) => l.voicemailId), ...unlinked.map((u) => u.voicemailId)].sort();
      expect(seen).toEqual(voicemails.map((v) => v.id).sort());
      for (const link of links.filter((l) => l.method === 'MATCHED')) {
        const call = calls.find((c) => c.id === link.callId) as CallFacts;
        const v = voicemails.find((x) => x.id === link.voicemailId) as VoicemailFacts;
        expect(link.confidence).toBeLessThan(1);
        expect(outcomeAllowsVoicemail(call)).toBe(true);
        expect([call.extensionId, ...call.legs.map((l) => l.extensionId)]).toContain(v.mailboxExtensionId);
        expect(v.creationTime >= call.startTime && v.creationTime.getTime() <= call.endTime.getTime() + 600_000).toBe(true);
        if (v.fromE164 === null) {
          // Anonymous: only an anonymous call that reached voicemail, ended at most a minute before.
          expect([call.fromE164, ...call.legs.map((l) => l.fromE164)].every((n) => n === null)).toBe(true);
          expect(call.result).toBe('Voicemail');
          expect(Math.abs(v.creationTime.getTime() - call.endTime.getTime())).toBeLessThanOrEqual(60_000);
        }
      }
    }), { numRuns: 300 });
  });

  it('never changes a decision when outbound FindMe, forwarding or transfer legs with any `from` are added to a call', () => {
    const onwardArb = fc.record({
      style: fc.constantFrom(
        { legType: 'FindMe', action: 'FindMe' }, { legType: 'FollowMe', action: 'FollowMe' },
        { legType: 'SipForwarding', action: 'Sip Forwarding' }, { legType: 'Unknown', action: 'Call Forwarding' },
        { legType: 'TransferCall', action: 'Transfer' }, { legType: 'Accept', action: 'Phone Call' },
      ),
      // The callers' own numbers (so collisions happen), any other number, masked, or none.
      from: fc.oneof(fc.constantFrom(...NUMBERS), fc.stringMatching(/^\+1[2-9]\d{9}$/), fc.stringMatching(/^\+1415555\d{0,3}X{1,4}$/)),
      outcome: fc.constantFrom(['No Answer', 'Not Answered'], ['Stopped', 'Stopped'], ['Missed', 'No Answer'], ['Busy', 'Line Busy']),
      onOwner: fc.boolean(),
      start: fc.integer({ min: 0, max: 300 }),
    });
    const scenario = worldArb.chain((world) => fc.tuple(fc.constant(world), fc.array(fc.array(onwardArb, { maxLength: 3 }), {
      minLength: world.calls.length, maxLength: world.calls.length,
    })));
    fc.assert(fc.property(scenario, ([{ calls, voicemails }, added]) => {
      const withLegs = calls.map((call, i): CallFacts => ({
        ...call,
        legs: [...call.legs, ...(added[i] ?? []).map((leg, j) => makeOnwardLeg({
          ...leg.style, position: call.legs.length + j, direction: 'Outbound', fromE164: leg.from,
          result: leg.outcome[0], reason: leg.outcome[1], startTime: at(leg.start), durationMs: 15_000,
          // The user (or queue member) the leg rings: an extension the call already has.
          extensionId: leg.onOwner ? call.extensionId : (call.legs[0]?.extensionId ?? null),
        }))],
      }));
      expect(linkVoicemails(withLegs, voicemails)).toEqual(linkVoicemails(calls, voicemails));
    }), { numRuns: 300 });
  });

  it('never changes a decision when inbound legs from another of our extensions are added to a call', () => {
    const scenario = worldArb.chain((world) => fc.tuple(fc.constant(world), fc.array(
      fc.option(fc.record({ from: fc.constantFrom(...NUMBERS), ext: fc.constantFrom('700', '701') }), { nil: null }),
      { minLength: world.calls.length, maxLength: world.calls.length },
    )));
    fc.assert(fc.property(scenario, ([{ calls, voicemails }, added]) => {
      const withLegs = calls.map((call, i): CallFacts => {
        const leg = added[i];
        return leg ? { ...call, legs: [...call.legs, makeLeg({
          position: call.legs.length, fromE164: leg.from, fromExtensionId: leg.ext, extensionId: call.extensionId,
          result: 'Missed', reason: 'No Answer',
        })] } : call;
      });
      expect(linkVoicemails(withLegs, voicemails)).toEqual(linkVoicemails(calls, voicemails));
    }), { numRuns: 300 });
  });

  it('gives the same result whatever the input order', () => {
    fc.assert(fc.property(
      worldArb.chain((w) => fc.tuple(fc.constant(w), fc.shuffledSubarray(w.calls, { minLength: w.calls.length }),
        fc.shuffledSubarray(w.voicemails, { minLength: w.voicemails.length }))),
      ([world, calls, voicemails]) => {
        expect(linkVoicemails(calls, voicemails)).toEqual(linkVoicemails(world.calls, world.voicemails));
      },
    ), { numRuns: 300 });
  });

  it('lets a reference always win: referenced voicemails and referencing calls are never MATCHED', () => {
    fc.assert(fc.property(worldArb, ({ calls, voicemails }) => {
      const { links, unlinked } = linkVoicemails(calls, voicemails);
      const ids = new Set(voicemails.map((v) => v.id));
      const referenced = new Set(calls.flatMap((c) => [c.messageId, ...c.legs.map((l) => l.messageId)]).filter((id) => id !== null && ids.has(id)));
      const referencing = new Set(calls.filter((c) => c.messageId !== null || c.legs.some((l) => l.messageId !== null)).map((c) => c.id));
      for (const id of referenced) {
        const link = links.find((l) => l.voicemailId === id);
        if (link) expect(link.method).toBe('CALL_LOG_REFERENCE');
        else expect(unlinked.find((u) => u.voicemailId === id)?.reason).toBe('REFERENCE_CONFLICT');
      }
      for (const link of links) if (link.method === 'MATCHED') expect(referencing.has(link.callId)).toBe(false);
      // Every reference link is backed by the call naming the voicemail.
      for (const link of links.filter((l) => l.method === 'CALL_LOG_REFERENCE')) {
        const call = calls.find((c) => c.id === link.callId) as CallFacts;
        expect([call.messageId, ...call.legs.map((l) => l.messageId)]).toContain(link.voicemailId);
      }
    }), { numRuns: 300 });
  });
});
