import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodsAround, planWindows } from '../../src/sync/windows.ts';

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
