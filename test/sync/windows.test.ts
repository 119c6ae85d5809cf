import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstWindow, periodsAround, planWindows, remainingWindows, uncovered, uncoveredMs, type ScanCursor } from '../../src/sync/windows.ts';

const HOUR = 3_600_000;

describe('planWindows', () => {
  it('splits a period into consecutive windows, oldest first, the last one short', () => {
    const from = new Date('2026-11-01T00:00:00Z');
    const to = new Date('2026-11-03T06:00:00Z');
    expect(planWindows(from, to, 24 * HOUR).map((w) => [w.from.toISOString(), w.to.toISOString()])).toEqual([
      ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'],
      ['2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z'],
      ['2026-11-03T00:00:00.000Z', '2026-11-03T06:00:00.000Z'],
    ]);
  });

  it('covers [from, to) exactly, without gaps or overlaps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 40 * 24 * HOUR }), fc.integer({ min: HOUR / 6, max: 48 * HOUR }), (start, length, size) => {
        const windows = planWindows(new Date(start), new Date(start + length), size);
        expect(windows[0]!.from.getTime()).toBe(start);
        expect(windows.at(-1)!.to.getTime()).toBe(start + length);
        for (let i = 1; i < windows.length; i++) expect(windows[i]!.from.getTime()).toBe(windows[i - 1]!.to.getTime());
        for (const w of windows) expect(w.to.getTime() - w.from.getTime()).toBeLessThanOrEqual(size);
      }),
    );
  });
});

describe('periodsAround', () => {
  it('pads each instant and merges periods that touch, oldest first', () => {
    const t = (h: number) => new Date(Date.UTC(2026, 10, 20, h));
    const periods = periodsAround([t(10), t(1), t(2), t(20)], HOUR);
    expect(periods.map((p) => [p.from.getUTCHours(), p.to.getUTCHours()])).toEqual([[0, 3], [9, 11], [19, 21]]);
  });

  it('gives nothing for no instants', () => {
    expect(periodsAround([], HOUR)).toEqual([]);
  });
});

describe('uncovered and remainingWindows', () => {
  const d = (h: number) => new Date(Date.UTC(2026, 10, 20, h));
  const iso = (h: number) => d(h).toISOString();
  const spans = (ws: { from: Date; to: Date }[]) => ws.map((w) => [w.from.getUTCHours(), w.to.getUTCHours()]);

  it('leaves out the skipped period, wherever it lies', () => {
    expect(spans(uncovered(d(0), d(10), { from: iso(3), to: iso(6) }))).toEqual([[0, 3], [6, 10]]);
    expect(spans(uncovered(d(2), d(10), { from: iso(0), to: iso(6) }))).toEqual([[6, 10]]);
    expect(spans(uncovered(d(0), d(10), { from: iso(6), to: iso(12) }))).toEqual([[0, 6]]);
    expect(uncovered(d(2), d(10), { from: iso(0), to: iso(12) })).toEqual([]);
    expect(uncoveredMs(d(0), d(10), { from: iso(3), to: iso(6) })).toBe(7 * HOUR);
  });

  it('resumes after the window in progress, past the skipped period, and after a narrowed window from where it was cut', () => {
    const cursor: ScanCursor = { mode: 'scan', reason: 'backfill', passFrom: iso(0), passTo: iso(10), windowFrom: iso(0), windowTo: iso(3), page: 4, skip: { from: iso(3), to: iso(6) } };
    expect(spans(remainingWindows(cursor, Number.POSITIVE_INFINITY))).toEqual([[0, 3], [6, 10]]);
    expect(spans(remainingWindows({ ...cursor, skip: undefined, windowTo: iso(1), nextFrom: iso(4) }, Number.POSITIVE_INFINITY))).toEqual([[0, 1], [4, 10]]);
    expect(spans(remainingWindows({ ...cursor, skip: undefined }, 4 * HOUR))).toEqual([[0, 3], [3, 7], [7, 10]]);
  });

  it('a backfill pass is one window; nothing left to read gives one empty window at the end', () => {
    expect(spans([firstWindow(d(0), d(10), undefined, Number.POSITIVE_INFINITY)])).toEqual([[0, 10]]);
    expect(spans([firstWindow(d(0), d(10), { from: iso(0), to: iso(4) }, Number.POSITIVE_INFINITY)])).toEqual([[4, 10]]);
    expect(spans([firstWindow(d(2), d(10), { from: iso(0), to: iso(12) }, Number.POSITIVE_INFINITY)])).toEqual([[10, 10]]);
  });
});
