import { describe, expect, it } from 'vitest';
import { BackfillProgress, formatEta, limitsFrom, remainingMs, renderBackfillLine, type Sample } from '../../src/cli/progress.ts';
import { DEFAULT_LIMITS } from '../../src/ringcentral/rate-budget.ts';

const heavy = (Heavy: number, Light = 0) => ({ Heavy, Medium: 0, Light, Auth: 0 });
const sample = (fraction: number, requests: number, at: number): Sample => ({ fraction, requests: heavy(requests), at });
const limits = DEFAULT_LIMITS; // Heavy: 10 a minute

describe('the backfill ETA', () => {
  const cases: Array<{ name: string; first: Sample; latest: Sample; now: number; waitUntil?: number; ms: number | undefined }> = [
    { name: 'nothing to go on before a second report', first: sample(0.1, 1, 0), latest: sample(0.1, 1, 0), now: 5_000, ms: undefined },
    { name: 'nothing to go on while only waiting', first: sample(0.1, 1, 0), latest: sample(0.1, 1, 0), now: 5_000, waitUntil: 60_000, ms: undefined },
    { name: 'done is done', first: sample(0.1, 1, 0), latest: sample(1, 10, 9_000), now: 9_000, ms: 0 },
    // 2 requests per 0.4: 2 more to go, all inside the opening burst of 10: the pace decides (1 s).
    { name: 'a short backfill inside the budget goes at its own pace', first: sample(0.2, 1, 0), latest: sample(0.6, 3, 1_000), now: 1_000, ms: 1_000 },
    // 9 requests per 0.09: 90 to go, 100 in all = 10 windows of 10: 9 minutes from the start, not the burst's 20 s.
    { name: 'a long backfill is paced by the budget, not by its opening burst', first: sample(0.01, 1, 0), latest: sample(0.1, 10, 2_000), now: 2_000, ms: 538_000 },
    { name: 'while waiting for the budget it counts down', first: sample(0.01, 1, 0), latest: sample(0.1, 10, 2_000), now: 32_000, waitUntil: 60_000, ms: 508_000 },
    { name: 'never less than the wait under way', first: sample(0.2, 1, 0), latest: sample(0.6, 3, 1_000), now: 2_000, waitUntil: 22_000, ms: 20_000 },
    { name: 'a wait that is over adds nothing', first: sample(0.2, 1, 0), latest: sample(0.6, 3, 1_000), now: 1_000, waitUntil: 500, ms: 1_000 },
    // After the wait, the next report re-estimates from the pace so far and the budget.
    { name: 'after a wait, from the new report', first: sample(0.01, 1, 0), latest: sample(0.2, 20, 62_000), now: 62_000, ms: 478_000 },
    { name: 'a resumed backfill counts from its first report, not from zero', first: sample(0.9, 1, 0), latest: sample(0.95, 2, 1_000), now: 1_000, ms: 1_000 },
  ];
  it.each(cases)('$name', ({ first, latest, now, waitUntil, ms }) => {
    expect(remainingMs(first, latest, now, limits, waitUntil)).toBe(ms);
  });

  it('moves while nothing reports: later is less, until the wait is all that is left', () => {
    const first = sample(0.01, 1, 0);
    const latest = sample(0.1, 10, 2_000);
    const readings = [2_000, 12_000, 22_000, 32_000].map((now) => remainingMs(first, latest, now, limits, 60_000)!);
    expect(readings).toEqual([...readings].sort((a, b) => b - a));
    expect(new Set(readings).size).toBe(readings.length);
  });

  it('uses the limits RingCentral announced, defaults for the rest', () => {
    const learned = limitsFrom({ Heavy: { limit: 2, windowSec: 1, remaining: 0 } });
    expect(learned.Heavy).toEqual({ limit: 2, windowSec: 1 });
    expect(learned.Light).toEqual(DEFAULT_LIMITS.Light);
    // 100 Heavy requests at 2 a second: 49.5 s from the start, not 9 minutes.
    expect(remainingMs(sample(0.01, 1, 0), sample(0.1, 10, 2_000), 2_000, learned)).toBe(47_000);
  });

  it.each([[undefined, 'estimating'], [0, '< 1 s'], [999, '< 1 s'], [1_000, '1.0 s'], [20_001, '21 s'], [538_000, '8 min 58 s']] as const)(
    'formatEta(%s) = %s', (ms, text) => expect(formatEta(ms)).toBe(text),
  );
});

describe('the backfill status line', () => {
  const view = { phase: 'call log', fraction: 0.42, records: 1234, requests: heavy(9), waitingMs: 0, eta: '3 min' };

  it('shows phase, bar, percentage, records, requests and ETA', () => {
    expect(renderBackfillLine(view)).toBe('backfill call log [██████████░░░░░░░░░░░░░░] 42% | 1,234 records | 9 Heavy requests | ETA 3 min');
  });

  it('says when it waits for the rate budget, in whole seconds', () => {
    expect(renderBackfillLine({ ...view, waitingMs: 11_200 })).toContain('| 9 Heavy requests | waiting for the rate budget (12 s) | ETA 3 min');
  });

  it('never wraps: cut to one less than the terminal width', () => {
    const line = renderBackfillLine({ ...view, waitingMs: 5_000 }, 60);
    expect(line).toHaveLength(59);
    expect(renderBackfillLine(view, 500)).toBe(renderBackfillLine(view));
  });

  it('before any report: an empty bar, estimating', () => {
    expect(renderBackfillLine(new BackfillProgress().view(0, limits))).toBe('backfill call log [░░░░░░░░░░░░░░░░░░░░░░░░] 0% | 0 records | 0 requests | ETA estimating');
  });
});

describe('BackfillProgress', () => {
  const report = (fraction: number, requests: number, records = 0, stream = 'call-log-backfill') => ({ stream, records, requests: heavy(requests), fraction });

  it('shows a wait while it lasts, counting down, and drops it when the budget says it is over', () => {
    const p = new BackfillProgress();
    p.report(report(0.01, 1, 100), 0);
    p.report(report(0.1, 10, 1000), 2_000);
    p.rateWait({ group: 'Heavy', ms: 58_000 }, 2_000);
    const early = p.view(12_000, limits);
    const later = p.view(32_000, limits);
    expect(early.waitingMs).toBe(48_000);
    expect(later.waitingMs).toBe(28_000);
    expect(early.eta).toBe('8 min 48 s');
    expect(later.eta).toBe('8 min 28 s');
    p.rateWait({ group: 'Heavy', ms: 0 }, 60_000);
    expect(p.view(60_000, limits).waitingMs).toBe(0);
    expect(renderBackfillLine(p.view(60_000, limits))).not.toContain('waiting');
  });

  it('starts a new bar for the voicemails of the period, keeping the call log records', () => {
    const p = new BackfillProgress();
    p.report(report(1, 3, 250), 0);
    p.report({ stream: 'voicemails-backfill', records: 0, requests: heavy(0, 1), fraction: 0.25 }, 1_000);
    const view = p.view(1_000, limits);
    expect(view).toMatchObject({ phase: 'voicemails', fraction: 0.25, records: 250, eta: 'estimating' });
  });
});
