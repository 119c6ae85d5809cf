import { describe, expect, it } from 'vitest';
import { RingCentralApiError } from '../../src/errors.ts';
import { mergeCoverage, parseCallLogCursor, passCoverage, scanInProgress, storedCursor } from '../../src/sync/call-log-cursor.ts';
import { narrowWindow } from '../../src/sync/call-log-scan.ts';
import { fastPathDue } from '../../src/sync/call-log-fast-path.ts';
import type { ScanCursor } from '../../src/sync/windows.ts';

const pass: ScanCursor = { mode: 'scan', reason: 'backfill', passFrom: '2026-11-01T00:00:00.000Z', passTo: '2026-11-08T00:00:00.000Z', windowFrom: '2026-11-01T00:00:00.000Z', windowTo: '2026-11-08T00:00:00.000Z', page: 3 };
const refusal = { since: '2026-11-08T00:00:00.000Z', at: '2026-11-08T00:00:00.000Z', status: 403, errorCode: 'CMN-202', retryAt: '2026-11-09T00:00:00.000Z' };

describe('the call-log cursor', () => {
  it('reads a bare scan cursor (as stored before it had parts) as a scan in progress', () => {
    expect(parseCallLogCursor(pass)).toEqual({ scan: pass });
    expect(parseCallLogCursor(null)).toEqual({});
    expect(scanInProgress(pass)).toBe(true);
    expect(scanInProgress({ extractSync: refusal })).toBe(false);
  });

  it('stores null when nothing is in it, so a finished pass still reads as no pass in progress', () => {
    expect(storedCursor({ scan: undefined, covered: undefined })).toBeNull();
    expect(storedCursor({ scan: undefined, extractSync: refusal })).toEqual({ extractSync: refusal });
  });

  it('a backfill covers up to its dateTo, or up to when it was planned if that came first', () => {
    expect(passCoverage(pass)).toEqual({ from: pass.passFrom, to: pass.passTo });
    expect(passCoverage({ ...pass, plannedAt: '2026-11-05T00:00:00.000Z' }).to).toBe('2026-11-05T00:00:00.000Z');
  });

  it('joins coverages that touch, and otherwise keeps the one that reaches later', () => {
    const a = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-05T00:00:00.000Z' };
    const b = { from: '2026-11-05T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' };
    const old = { from: '2026-10-01T00:00:00.000Z', to: '2026-10-05T00:00:00.000Z' };
    expect(mergeCoverage(a, b)).toEqual({ from: a.from, to: b.to });
    expect(mergeCoverage(b, a)).toEqual({ from: a.from, to: b.to });
    expect(mergeCoverage(b, old)).toEqual(b);
    expect(mergeCoverage(old, b)).toEqual(b);
    expect(mergeCoverage(undefined, old)).toEqual(old);
  });

  it('asks extract-sync again only once the refusal is due', () => {
    expect(fastPathDue(undefined, new Date('2026-11-08T01:00:00Z'))).toBe(true);
    expect(fastPathDue(refusal, new Date('2026-11-08T23:59:59Z'))).toBe(false);
    expect(fastPathDue(refusal, new Date('2026-11-09T00:00:00Z'))).toBe(true);
  });
});

describe('narrowWindow', () => {
  const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-08T00:00:00Z') };
  const refused = (status: number) => new RingCentralApiError('refused', { status, errorCode: 'CMN-101', rateGroup: 'Heavy', method: 'GET', path: '/call-log', parameterName: 'page' });

  it('ends the window just after the oldest call read, when RingCentral refuses a page with 400', () => {
    expect(narrowWindow(window, '2026-11-04T10:00:00.000Z', refused(400))).toEqual({ from: window.from, to: new Date('2026-11-04T10:00:00.001Z') });
  });

  it('lets the error stand when narrowing cannot help', () => {
    expect(narrowWindow(window, '2026-11-04T10:00:00.000Z', refused(503))).toBeUndefined();
    expect(narrowWindow(window, undefined, refused(400))).toBeUndefined();
    expect(narrowWindow(window, '2026-11-07T23:59:59.999Z', refused(400))).toBeUndefined();
    expect(narrowWindow(window, '2026-11-04T10:00:00.000Z', new Error('socket hang up'))).toBeUndefined();
  });
});
