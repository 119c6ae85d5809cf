import { describe, expect, it } from 'vitest';
import { boundedPercentile, callLatencies, doubleClaims, passTimes, scheduleKept, percentile, perAccount, throughput, type Claim } from '../../bench/accounts-figures.ts';

const claim = (account: string, worker: string, claimedAt: number, endedAt: number | null, outcome: string | null = 'success'): Claim => ({ account, worker, claimedAt, endedAt, outcome });

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('marks a figure a lower bound when a censored value lies at or below it, not when all lie above', () => {
    const exact = [1, 2, 3, 4].map((ms) => ({ ms, censored: false }));
    expect(boundedPercentile([...exact, { ms: 10, censored: true }], 50)).toEqual({ ms: 3, censored: false });
    expect(boundedPercentile([...exact, { ms: 2, censored: true }], 50)).toEqual({ ms: 2, censored: true });
    expect(boundedPercentile([...exact, { ms: 10, censored: true }], 99)).toEqual({ ms: 10, censored: true });
  });
});

describe('doubleClaims', () => {
  it('finds claims of one account that overlap, whichever workers held them', () => {
    const a1 = claim('a', 'w1', 0, 100);
    const a2 = claim('a', 'w2', 50, 150);
    const a3 = claim('a', 'w1', 150, 200); // starts where a2 ends: not an overlap
    const b1 = claim('b', 'w2', 60, 90); // another account at the same time: fine
    expect(doubleClaims([a3, b1, a2, a1], 1000)).toEqual([[a1, a2]]);
  });

  it('counts a claim still open as held until the time the log was read', () => {
    const open = claim('a', 'w1', 0, null, null);
    const later = claim('a', 'w2', 500, 600);
    expect(doubleClaims([open, later], 1000)).toEqual([[open, later]]);
    expect(doubleClaims([open, later], 400)).toEqual([]);
  });

  it('finds an overlap with a long claim that a shorter one in between does not reach', () => {
    const long = claim('a', 'w1', 0, 1000);
    const short = claim('a', 'w2', 10, 20);
    const third = claim('a', 'w3', 500, 600);
    expect(doubleClaims([long, short, third], 2000)).toEqual([[long, short], [long, third]]);
  });
});

describe('visibility to final', () => {
  it('measures final calls exactly and the others up to the stop, as lower bounds', () => {
    const calls = [
      { account: 'a', callId: '1', visibleAt: 1000 },
      { account: 'a', callId: '2', visibleAt: 2000 },
      { account: 'b', callId: '1', visibleAt: 1000 },
    ];
    const latencies = callLatencies(calls, new Map([['a/1', 4000], ['b/1', 31_000]]), 10_000);
    expect(latencies.map((l) => [l.account, l.ms, l.censored])).toEqual([['a', 3000, false], ['a', 8000, true], ['b', 30_000, false]]);
    const accounts = perAccount(latencies);
    // a: p50 3 s (exact: its censored 8 s lies above), p99 ≥ 8 s; b: 30 s.
    expect(accounts.p50.p50).toEqual({ ms: 3000, censored: false });
    expect(accounts.p50.p99).toEqual({ ms: 30_000, censored: false });
    expect(accounts.p99.p50).toEqual({ ms: 8000, censored: true });
  });
});

describe('throughput', () => {
  it('counts passes ended in the window, each account\'s first success, and the gaps between claims after', () => {
    const min = 60_000;
    const claims = [
      claim('a', 'w1', 0, 10_000),
      claim('b', 'w1', 0, 20_000, 'error'),
      claim('b', 'w1', 20_000, 30_000),
      claim('a', 'w1', 60_000, 70_000),
      claim('b', 'w1', 60_000, 90_000),
      claim('a', 'w1', 120_000, 125_000),
      claim('b', 'w1', 130_000, 140_000), // after the window
    ];
    const t = throughput(claims, 0, 2 * min, 2);
    expect(t.passesPerMinute).toBe(2.5);
    expect(t.failedPasses).toBe(1);
    expect(t.firstSyncs).toBe(2);
    expect(t.firstSyncP50).toBe(10_000);
    expect(t.allSyncedAt).toBe(30_000);
    expect(t.firstSweepPerMinute).toBe(4);
    expect(t.firstPassP50).toBe(10_000); // a's first took 10 s, b's first success 10 s (its failed claim before is not one)
    const partial = throughput(claims.slice(0, 2), 0, 2 * min, 2);
    expect(partial.allSyncedAt).toBeUndefined();
    expect(partial.firstSweepPerMinute).toBe(0.5);
  });
});

describe('passTimes', () => {
  it('takes durations of passes ended in the window and the mean number under way in it', () => {
    const claims = [
      claim('a', 'w1', -50, 50), // half inside the window
      claim('b', 'w1', 0, 100),
      claim('c', 'w2', 50, 100),
      claim('d', 'w2', 80, null, null), // still open at 120: 20 inside the window
      claim('e', 'w2', 90, 150), // ends after the window: 10 inside, not a duration
    ];
    const t = passTimes(claims, 0, 100, 120);
    expect([t.p50, t.p99]).toEqual([100, 100]);
    expect(t.inFlight).toBeCloseTo((50 + 100 + 50 + 20 + 10) / 100);
  });
});

describe('scheduleKept', () => {
  it('is the share of whole clock minutes in which each account was claimed', () => {
    const m = 60_000;
    const from = 10 * m + 30_000; // whole minutes from 11 m on
    const claims = [
      claim('a', 'w1', 11 * m + 1_000, null), claim('a', 'w1', 12 * m + 59_000, null), // a: both minutes
      claim('b', 'w1', 11 * m + 5_000, null), claim('b', 'w2', 11 * m + 50_000, null), // b: twice in the first, none in the second
      claim('a', 'w1', 10 * m + 40_000, null), claim('b', 'w1', 13 * m, null), // outside the whole minutes
    ];
    expect(scheduleKept(claims, ['a', 'b'], from, 13 * m + 20_000)).toEqual({ minutes: 2, kept: 3 / 4 });
    expect(scheduleKept(claims, ['a', 'b'], from, 11 * m + 59_000)).toEqual({ minutes: 0, kept: undefined });
  });
});
