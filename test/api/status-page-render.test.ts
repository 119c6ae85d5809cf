import { describe, expect, it } from 'vitest';
import { axisMax, barsOf, dailyChart, rowChart } from '../../src/api/status-page/charts.ts';
import { renderStatusPage, streamHealth } from '../../src/api/status-page/render.ts';
import { chartPeriod, type StatusSnapshot } from '../../src/api/status-page/snapshot.ts';
import type { SummaryRow } from '../../src/store/summary.ts';
import type { StreamStatus } from '../../src/sync/status-facts.ts';

const NOW = new Date('2026-11-20T15:30:00Z');
const row = (over: Partial<SummaryRow>): SummaryRow => ({ day: null, extension_id: null, direction: null, disposition: 'ANSWERED', count: 1, total_duration_seconds: 0, ...over });
const heights = (svg: string) => [...svg.matchAll(/<rect class="seg"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));

const empty = (over: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  facts: { accounts: [] },
  runs: { since: new Date(NOW.getTime() - 86_400_000), list: [], more: false },
  dispositions: { ...chartPeriod(NOW), byDay: [], byExtension: [], extensionLabels: {} },
  ...over,
});

describe('status page charts', () => {
  it('the period is 14 whole UTC days ending with today', () => {
    const period = chartPeriod(NOW);
    expect(period.days).toHaveLength(14);
    expect([period.days[0], period.days[13]]).toEqual(['2026-11-07', '2026-11-20']);
    expect([period.from.toISOString(), period.to.toISOString()]).toEqual(['2026-11-07T00:00:00.000Z', '2026-11-21T00:00:00.000Z']);
  });

  it.each([[0, 1], [1, 1], [7, 10], [10, 10], [94, 100], [101, 200], [250, 500], [5001, 10000]])('axis maximum for %i is %i', (max, axis) => {
    expect(axisMax(max)).toBe(axis);
  });

  it('no calls: no bar, the axis still drawn', () => {
    const svg = dailyChart(chartPeriod(NOW).days, barsOf([], (r) => r.day!, (d) => d));
    expect(svg).not.toContain('class="bar"');
    expect(svg).toContain('<line');
  });

  it('one day: one bar as tall as the plot, its segments stacked in disposition order', () => {
    const bars = barsOf([row({ day: '2026-11-20', disposition: 'MISSED', count: 1 }), row({ day: '2026-11-20', count: 4 })], (r) => r.day!, (d) => d, { order: chartPeriod(NOW).days });
    expect(bars).toEqual([{ key: '2026-11-20', label: '2026-11-20', total: 5, segments: [{ disposition: 'ANSWERED', count: 4 }, { disposition: 'MISSED', count: 1 }] }]);
    const h = heights(dailyChart(chartPeriod(NOW).days, bars));
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(180, 1);
    expect(h[0]! / h[1]!).toBeCloseTo(4, 1);
  });

  it('flat: equal days draw equal bars; a day outside the period is not drawn', () => {
    const days = chartPeriod(NOW).days;
    const bars = barsOf([...days.map((day) => row({ day, count: 3 })), row({ day: '2026-01-01', count: 99 })], (r) => r.day!, (d) => d, { order: days });
    expect(bars.map((b) => b.key)).toEqual(days);
    expect(new Set(heights(dailyChart(days, bars))).size).toBe(1);
  });

  it('a tiny count beside a large one still draws a visible bar', () => {
    const bars = barsOf([row({ extension_id: 'a', count: 100_000 }), row({ extension_id: 'b', count: 1 })], (r) => r.extension_id!, (k) => k);
    expect(Math.min(...[...rowChart(bars).matchAll(/ width="([\d.]+)" height/g)].map((m) => Number(m[1])))).toBeGreaterThanOrEqual(1);
  });

  it('past the limit, the quieter extensions share one bar and every call is still counted once', () => {
    const rows = Array.from({ length: 25 }, (_, i) => [row({ extension_id: `e${i}`, count: 100 - i }), row({ extension_id: `e${i}`, disposition: 'VOICEMAIL', count: 1 })]).flat();
    const bars = barsOf(rows, (r) => r.extension_id!, (k) => k, { limit: 20, rest: (n) => `${n} other extensions` });
    expect(bars).toHaveLength(21);
    expect(bars.slice(0, 20).map((b) => b.key)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
    expect(bars[20]).toMatchObject({ key: '*', label: '5 other extensions', total: 80 + 79 + 78 + 77 + 76 + 5 });
    expect(bars.reduce((n, b) => n + b.total, 0)).toBe(rows.reduce((n, r) => n + r.count, 0));
  });
});

describe('status page', () => {
  const stream = (over: Partial<StreamStatus>): StreamStatus => ({
    stream: 'call-log', lastSuccessAt: '2026-11-20T15:25:00Z', syncedThrough: '2026-11-20T15:24:00Z', inProgress: false, fastPath: null, rowsWritten: 1, lastError: null,
    lastRun: { outcome: 'success', startedAt: '2026-11-20T15:25:00Z', requests: {}, rateLimited: 0 }, ...over,
  });
  const run = (outcome: string) => ({ outcome, startedAt: '2026-11-20T15:25:00Z', requests: {}, rateLimited: 0 });

  it.each([
    ['ok', {}],
    ['failing', { lastRun: run('error'), lastError: { message: 'x', errorCode: null } }],
    ['running', { lastRun: run('running') }],
    ['never', { lastSuccessAt: null, lastRun: null }],
    ['warning', { lastRun: run('aborted') }],
    ['warning', { lastError: { message: 'CMN-419 for 2 mailboxes', errorCode: 'CMN-419' } }],
  ] as const)('health %s for %j', (health, over) => {
    expect(streamHealth(stream(over)).health).toBe(health);
  });

  it('before any sync: says what to run, and that there are no runs nor calls', () => {
    const page = renderStatusPage(empty(), NOW);
    expect(page).toContain('Nothing synced yet');
    expect(page).toContain('No run in the last 24 hours');
    expect(page).toContain('No calls in this period');
  });

  it('escapes an account name, a stream error and an extension label', () => {
    const page = renderStatusPage(empty({
      facts: { accounts: [{ id: '1', name: '<b>Acme</b>', mailboxes: null, streams: [stream({ lastError: { message: '"><svg onload=alert(1)>', errorCode: '<i>' } })] }] },
      dispositions: { ...chartPeriod(NOW), byDay: [row({ day: '2026-11-20' })], byExtension: [row({ extension_id: 'e1' })], extensionLabels: { e1: '</text><script>x</script>' } },
    }), NOW);
    expect(page).not.toMatch(/<(?:b|svg onload|i|script)>/);
    expect(page).toContain('&lt;b&gt;Acme&lt;/b&gt;');
    expect(page).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;');
    expect(page).toContain('&lt;/text&gt;&lt;script&gt;x&lt;/script&gt;');
  });
});
