import { describe, expect, it } from 'vitest';
import { RingCentralApiError, StreamLockedError } from '../../src/errors.ts';
import { DEFAULT_BACKOFF, backoffMs, nextOccurrence, passVerdict, type VerdictInput } from '../../src/workers/schedule.ts';

// Local wall-clock times, as cron reads them: the assertions hold in any time zone.
const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s);

describe('nextOccurrence', () => {
  it('is the first match strictly after the instant', () => {
    expect(nextOccurrence('*/5 * * * *', local(2026, 3, 9, 10, 58, 30))).toEqual(local(2026, 3, 9, 11, 0));
    expect(nextOccurrence('*/5 * * * *', local(2026, 3, 9, 11, 0, 0))).toEqual(local(2026, 3, 9, 11, 5));
    expect(nextOccurrence('0 3 * * *', local(2026, 3, 9, 3, 0, 1))).toEqual(local(2026, 3, 10, 3, 0));
  });

  it('reads a seconds field like node-cron', () => {
    expect(nextOccurrence('*/10 * * * * *', local(2026, 3, 9, 10, 0, 31))).toEqual(local(2026, 3, 9, 10, 0, 40));
  });

  it('wants both day of month and day of week when both are given, as node-cron (and so `start`) does', () => {
    // Standard cron would take Monday 2026-03-02; node-cron waits for a Monday that is the 1st: June 2026.
    expect(nextOccurrence('0 0 1 * mon', local(2026, 3, 1, 12))).toEqual(local(2026, 6, 1));
  });

  it('refuses an expression that is not cron', () => {
    expect(() => nextOccurrence('every five minutes', new Date())).toThrow();
  });
});

describe('backoffMs', () => {
  const middle = () => 0.5;
  it('doubles from the base per failure in a row, up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, middle))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(12, middle)).toBe(DEFAULT_BACKOFF.capMs);
    expect(backoffMs(1_000, middle)).toBe(DEFAULT_BACKOFF.capMs);
  });

  it('spreads each delay by a quarter either way', () => {
    expect(backoffMs(2, () => 0)).toBe(45_000);
    expect(backoffMs(2, () => 1)).toBe(75_000);
  });
});

describe('passVerdict', () => {
  const now = local(2026, 3, 9, 10, 58, 30);
  const base: Omit<VerdictInput, 'end'> = { stopped: undefined, attempts: 2, schedule: '*/5 * * * *', now, random: () => 0.5 };
  const ok = (stream: string) => ({ stream, outcome: 'success' as const });

  it('a whole pass: due at the schedule\'s next occurrence, failures forgotten', () => {
    expect(passVerdict({ ...base, end: { results: [ok('extensions'), ok('call-log'), ok('derive')] } })).toEqual({ outcome: 'success', delayMs: 90_000, attempts: 0 });
  });

  it('a stream that failed: backoff from the failures so far, the error and its RingCentral code kept', () => {
    const end = { results: [ok('extensions'), { stream: 'call-log', outcome: 'error' as const, error: 'HTTP 503 CMN-201: Service unavailable', errorCode: 'CMN-201' }, ok('derive')] };
    expect(passVerdict({ ...base, end })).toEqual({ outcome: 'error', delayMs: 120_000, attempts: 3, error: 'call-log: HTTP 503 CMN-201: Service unavailable', errorCode: 'CMN-201' });
  });

  it('a pass that could not start (credentials refused): backoff, with RingCentral\'s code', () => {
    const thrown = new RingCentralApiError('Invalid assertion signature', { status: 400, errorCode: 'OAU-213', rateGroup: 'Auth', method: 'POST', path: '/restapi/oauth/token' });
    expect(passVerdict({ ...base, attempts: 0, end: { thrown } })).toMatchObject({ outcome: 'error', delayMs: 30_000, attempts: 1, errorCode: 'OAU-213' });
  });

  it('a stream locked by another session: transient, retried within the locked cap', () => {
    const verdict = passVerdict({ ...base, attempts: 6, end: { thrown: new StreamLockedError('callsync:1:call-log is being synced by another process') } });
    expect(verdict).toMatchObject({ outcome: 'locked', delayMs: DEFAULT_BACKOFF.lockedCapMs, attempts: 7, errorCode: 'STREAM_LOCKED' });
  });

  it('stopped for its time slice: due again at once, as progress', () => {
    const end = { results: [ok('extensions'), { stream: 'call-log', outcome: 'aborted' as const }] };
    expect(passVerdict({ ...base, stopped: 'slice', end })).toEqual({ outcome: 'sliced', delayMs: 0, attempts: 0 });
  });

  it('stopped for a shutdown: due again at once, failures kept', () => {
    const end = { results: [{ stream: 'extensions', outcome: 'aborted' as const }] };
    expect(passVerdict({ ...base, stopped: 'shutdown', end })).toEqual({ outcome: 'stopped', delayMs: 0, attempts: 2 });
  });

  it('a lost lease decides nothing, even over a failure', () => {
    const end = { results: [{ stream: 'call-log', outcome: 'error' as const, error: 'x' }] };
    expect(passVerdict({ ...base, stopped: 'lost', end })).toEqual({ outcome: 'lost', delayMs: 0, attempts: 2 });
  });

  it('a failure outweighs the slice that stopped a later stream', () => {
    const end = { results: [{ stream: 'extensions', outcome: 'error' as const, error: 'x' }, { stream: 'call-log', outcome: 'aborted' as const }] };
    expect(passVerdict({ ...base, stopped: 'slice', end }).outcome).toBe('error');
  });
});
