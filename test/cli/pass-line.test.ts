import { describe, expect, it } from 'vitest';
import { clockTime, formatDuration, formatPassLine, formatRequests } from '../../src/cli/pass-line.ts';
import type { RunResult } from '../../src/sync/runner.ts';

/** Local time, so the expected HH:MM:SS holds in any time zone. */
const at = (h: number, m: number, s: number, ms = 0) => new Date(2026, 10, 20, h, m, s, ms);

function run(stream: string, over: Partial<RunResult> = {}): RunResult {
  return {
    stream, outcome: 'success', inserted: 0, updated: 0, unchanged: 0, writeMs: 0,
    requests: { Heavy: 0, Medium: 0, Light: 0, Auth: 0 }, rateLimited: 0, ...over,
  };
}

const requests = (Heavy: number, Medium: number, Light: number, Auth = 0) => ({ Heavy, Medium, Light, Auth });

describe('the pass line: one terminal line per sync pass', () => {
  const cases: Array<{ name: string; results: RunResult[]; rateWaitMs?: number; ms: number; line: string }> = [
    {
      name: 'a pass that wrote records: streams with their counts, requests by group, time',
      results: [
        run('extensions', { unchanged: 40, requests: requests(0, 0, 1) }),
        run('call-log', { inserted: 10, updated: 2, unchanged: 5, requests: requests(1, 0, 0) }),
        run('voicemails', { inserted: 3, requests: requests(0, 2, 5) }),
        run('derive', { inserted: 15 }),
      ],
      ms: 2_400,
      line: '12:05:00 pass ok · call-log 12 · voicemails 3 · derive 15 · 9 requests (1 Heavy, 2 Medium, 6 Light) · 2.4 s',
    },
    {
      name: 'a quiet pass says so',
      results: [run('extensions', { unchanged: 4, requests: requests(0, 0, 1) }), run('call-log', { requests: requests(1, 0, 0) })],
      ms: 800,
      line: '12:05:00 pass ok · no changes · 2 requests (1 Heavy, 1 Light) · 0.8 s',
    },
    {
      name: 'a pass with no requests at all',
      results: [run('derive')],
      ms: 50,
      line: '12:05:00 pass ok · no changes · no requests · 0.1 s',
    },
    {
      name: 'a failed stream names itself and fails the pass; logins count as Auth requests',
      results: [run('extensions', { requests: requests(0, 0, 1, 1) }), run('call-log', { outcome: 'error', error: 'boom', requests: requests(1, 0, 0) })],
      ms: 1_000,
      line: '12:05:00 pass failed · call-log failed · 3 requests (1 Heavy, 1 Light, 1 Auth) · 1.0 s',
    },
    {
      name: 'a stopped pass keeps what it wrote',
      results: [run('call-log', { outcome: 'aborted', inserted: 20, requests: requests(1, 0, 0) })],
      ms: 12_300,
      line: '12:05:00 pass stopped · call-log 20 (stopped) · 1 request (1 Heavy) · 12 s',
    },
    {
      name: '429s and rate-budget waits are shown',
      results: [run('call-log', { inserted: 1000, rateLimited: 2, requests: requests(14, 0, 0) })],
      rateWaitMs: 61_000,
      ms: 75_000,
      line: '12:05:00 pass ok · call-log 1000 · 14 requests (14 Heavy) · 2 rate-limited (429) · waited 1 min 1 s for the rate budget · 1 min 15 s',
    },
    {
      name: 'waits under a second are not worth a mention',
      results: [run('call-log', { inserted: 1, requests: requests(1, 0, 0) })],
      rateWaitMs: 300,
      ms: 1_500,
      line: '12:05:00 pass ok · call-log 1 · 1 request (1 Heavy) · 1.5 s',
    },
  ];
  it.each(cases)('$name', ({ results, rateWaitMs, ms, line }) => {
    const finishedAt = at(12, 5, 0);
    expect(formatPassLine(results, { startedAt: new Date(finishedAt.getTime() - ms), finishedAt, rateWaitMs })).toBe(line);
  });

  it('is one line', () => {
    const line = formatPassLine([run('call-log', { outcome: 'error', error: 'line one\nline two' })], { startedAt: at(1, 2, 3), finishedAt: at(1, 2, 4) });
    expect(line).not.toContain('\n');
    expect(line.startsWith('01:02:04 pass failed')).toBe(true);
  });
});

describe('pass line parts', () => {
  it.each([
    [0, '0.0 s'], [49, '0.0 s'], [2_449, '2.4 s'], [9_949, '9.9 s'], [9_950, '10 s'], [59_499, '59 s'], [60_000, '1 min'],
    [61_000, '1 min 1 s'], [3_599_000, '59 min 59 s'], [3_600_000, '1 h'], [3_900_000, '1 h 5 min'], [-5, '0.0 s'],
  ])('formatDuration(%i) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('clockTime pads hours, minutes and seconds', () => expect(clockTime(at(7, 3, 9, 999))).toBe('07:03:09'));

  it('formatRequests leaves out unused groups and agrees in number', () => {
    expect(formatRequests(requests(0, 0, 0))).toBe('no requests');
    expect(formatRequests(requests(0, 1, 0))).toBe('1 request (1 Medium)');
    expect(formatRequests(requests(2, 0, 3, 1))).toBe('6 requests (2 Heavy, 3 Light, 1 Auth)');
  });
});
