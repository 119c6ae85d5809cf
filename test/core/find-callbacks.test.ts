import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCallbacks } from '../../src/core/find-callbacks.ts';
import type { CallFacts, Disposition } from '../../src/core/types.ts';
import { CALLER, at, makeCallFacts } from './builders.ts';

const DAY = 24 * 3600;

/** An unanswered inbound call from CALLER, 0..100 s unless moved. */
const missed = (id: string, disposition: Disposition = 'MISSED', overrides: Partial<CallFacts> = {}) =>
  ({ call: makeCallFacts({ id, result: 'Missed', ...overrides }), disposition });
/** An outbound call to CALLER starting at `start` seconds. */
const dial = (id: string, start: number, overrides: Partial<CallFacts> = {}) => ({
  call: makeCallFacts({ id, direction: 'Outbound', result: 'Call connected', fromE164: '+16505819987', toE164: CALLER, startTime: at(start), ...overrides }),
  disposition: 'ANSWERED' as Disposition,
});

describe('findCallbacks', () => {
  it('finds the first later outbound call to the same number', () => {
    const found = findCallbacks([missed('M1'), dial('D2', 4000), dial('D1', 400)]);
    expect(found).toEqual([{ callId: 'M1', callbackCallId: 'D1', secondsAfterEnd: 300 }]);
  });

  it.each(['MISSED', 'VOICEMAIL', 'ABANDONED'] as const)('tracks %s calls', (disposition) => {
    expect(findCallbacks([missed('M1', disposition), dial('D1', 200)])).toHaveLength(1);
  });

  it.each(['ANSWERED', 'REJECTED', 'BLOCKED', 'UNKNOWN'] as const)('ignores %s calls', (disposition) => {
    expect(findCallbacks([missed('M1', disposition), dial('D1', 200)])).toEqual([]);
  });

  it('counts only calls that start after the missed call ended', () => {
    expect(findCallbacks([missed('M1'), dial('D1', 50), dial('D2', 100)])).toEqual([]);
    expect(findCallbacks([missed('M1'), dial('D1', 100.4)])).toEqual([{ callId: 'M1', callbackCallId: 'D1', secondsAfterEnd: 0 }]);
  });

  it('stops at the horizon', () => {
    expect(findCallbacks([missed('M1'), dial('D1', 100 + 7 * DAY)])).toHaveLength(1);
    expect(findCallbacks([missed('M1'), dial('D1', 100 + 7 * DAY + 1)])).toEqual([]);
    expect(findCallbacks([missed('M1'), dial('D1', 100 + 3600)], { horizonSeconds: 3599 })).toEqual([]);
  });

  it('needs a real caller number', () => {
    for (const fromE164 of [null, '+1415890XXXX']) {
      expect(findCallbacks([missed('M1', 'MISSED', { fromE164 }), dial('D1', 200, { toE164: fromE164 })])).toEqual([]);
    }
  });

  it('matches the outbound call\'s toE164 only, and only outbound calls', () => {
    expect(findCallbacks([missed('M1'), dial('D1', 200, { toE164: '+14155550000' })])).toEqual([]);
    expect(findCallbacks([missed('M1'), missed('M2', 'MISSED', { startTime: at(200) })])).toEqual([]);
  });

  it('ignores deleted calls on both sides', () => {
    expect(findCallbacks([missed('M1', 'MISSED', { deleted: true }), dial('D1', 200)])).toEqual([]);
    expect(findCallbacks([missed('M1'), dial('D1', 200, { deleted: true }), dial('D2', 300)]))
      .toEqual([{ callId: 'M1', callbackCallId: 'D2', secondsAfterEnd: 200 }]);
  });

  it('gives several missed calls before one callback that callback', () => {
    const found = findCallbacks([missed('M1'), missed('M2', 'VOICEMAIL', { startTime: at(500) }), dial('D1', 900)]);
    expect(found.map((f) => [f.callId, f.callbackCallId, f.secondsAfterEnd])).toEqual([['M1', 'D1', 800], ['M2', 'D1', 300]]);
  });

  it('picks the smaller id when two callbacks start at once', () => {
    expect(findCallbacks([dial('D9', 200), missed('M1'), dial('D1', 200)])[0]?.callbackCallId).toBe('D1');
  });

  it('gives the same answer in any input order', () => {
    const calls = [missed('M1'), missed('M2', 'ABANDONED', { startTime: at(300) }), dial('D1', 200), dial('D2', 500),
      dial('D3', 500), missed('M3', 'VOICEMAIL', { fromE164: '+14155550000' }), dial('D4', 700, { toE164: '+14155550000' })];
    const expected = findCallbacks(calls);
    fc.assert(fc.property(fc.shuffledSubarray(calls, { minLength: calls.length }), (shuffled) => {
      expect(findCallbacks(shuffled)).toEqual(expected);
    }));
  });
});
