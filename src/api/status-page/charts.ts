import type { SummaryRow } from '../../store/summary.ts';
import { escapeHtml as e } from './escape.ts';

/*
 * The status page's charts: stacked bars of calls per disposition, as SVG text with no script. The numbers
 * drawn are dispositionSummary's rows as they are; each bar carries them in data-* attributes and a <title>.
 */

/** Stacking order and colour of each disposition; a disposition added later is drawn grey, last. */
export const DISPOSITION_COLOURS: ReadonlyArray<readonly [string, string]> = [
  ['ANSWERED', '#2e7d32'], ['VOICEMAIL', '#1565c0'], ['MISSED', '#c62828'], ['ABANDONED', '#ef6c00'], ['NO_ANSWER', '#f9a825'],
  ['BUSY', '#6a1b9a'], ['REJECTED', '#ad1457'], ['BLOCKED', '#455a64'], ['FAILED', '#4e342e'], ['UNKNOWN', '#9e9e9e'],
];
const OTHER_COLOUR = '#bdbdbd';
const rank = (d: string) => { const i = DISPOSITION_COLOURS.findIndex(([name]) => name === d); return i < 0 ? DISPOSITION_COLOURS.length : i; };
const colour = (d: string) => DISPOSITION_COLOURS.find(([name]) => name === d)?.[1] ?? OTHER_COLOUR;

/** One bar: a day or an extension, its calls per disposition. */
export interface Bar {
  key: string;
  label: string;
  total: number;
  segments: Array<{ disposition: string; count: number }>;
}

/**
 * Summary rows (one dimension) as bars, one per distinct key, in `order` when given (keys without calls get
 * no bar), else busiest first. `limit` bars at most: the rest are summed into one more, labelled by `rest`.
 */
export function barsOf(rows: readonly SummaryRow[], keyOf: (r: SummaryRow) => string, labelOf: (key: string) => string, options: { order?: readonly string[]; limit?: number; rest?: (n: number) => string } = {}): Bar[] {
  const byKey = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const counts = byKey.get(keyOf(r)) ?? new Map<string, number>();
    counts.set(r.disposition, (counts.get(r.disposition) ?? 0) + r.count);
    byKey.set(keyOf(r), counts);
  }
  const bar = (key: string, label: string, counts: Map<string, number>): Bar => {
    const segments = [...counts].filter(([, n]) => n > 0).map(([disposition, count]) => ({ disposition, count })).sort((a, b) => rank(a.disposition) - rank(b.disposition) || (a.disposition < b.disposition ? -1 : 1));
    return { key, label, total: segments.reduce((n, s) => n + s.count, 0), segments };
  };
  let bars = [...byKey].map(([key, counts]) => bar(key, labelOf(key), counts)).filter((b) => b.total > 0);
  if (options.order) {
    const position = new Map(options.order.map((k, i) => [k, i]));
    bars = bars.filter((b) => position.has(b.key)).sort((a, b) => position.get(a.key)! - position.get(b.key)!);
  } else {
    bars.sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : 1));
  }
  const limit = options.limit ?? Infinity;
  if (bars.length <= limit) return bars;
  const rest = new Map<string, number>();
  for (const b of bars.slice(limit)) for (const s of b.segments) rest.set(s.disposition, (rest.get(s.disposition) ?? 0) + s.count);
  return [...bars.slice(0, limit), bar('*', options.rest?.(bars.length - limit) ?? `${bars.length - limit} others`, rest)];
}

/** A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten. */
export function axisMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}

const FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#333"';

/** The segments of one bar, laid from `start` along the value axis; the whole bar is at least 1 px long. */
function segmentsOf(bar: Bar, length: number, place: (offset: number, size: number) => string): string {
  const size = Math.max(1, length);
  let offset = 0;
  return bar.segments.map((s) => {
    const part = (size * s.count) / bar.total;
    const rect = `<rect class="seg" data-disposition="${e(s.disposition)}" data-count="${s.count}" ${place(offset, part)} fill="${colour(s.disposition)}"/>`;
    offset += part;
    return rect;
  }).join('');
}

const titleOf = (bar: Bar) => `${bar.label}: ${bar.total} calls (${bar.segments.map((s) => `${s.disposition} ${s.count}`).join(', ')})`;

/** Columns, one slot per day of `days` (oldest left); a day without calls has an empty slot. */
export function dailyChart(days: readonly string[], bars: readonly Bar[]): string {
  const slot = 44, left = 44, top = 12, plot = 180, bottom = 34;
  const width = left + days.length * slot + 8, height = top + plot + bottom;
  const max = axisMax(Math.max(0, ...bars.map((b) => b.total)));
  const byDay = new Map(bars.map((b) => [b.key, b]));
  const ticks = [0, max / 2, max].map((v) => {
    const y = top + plot - (plot * v) / max;
    return `<line x1="${left - 4}" x2="${width - 8}" y1="${y}" y2="${y}" stroke="#e0e0e0"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" ${FONT}>${v}</text>`;
  }).join('');
  const columns = days.map((day, i) => {
    const x = left + i * slot;
    const label = `<text x="${x + slot / 2}" y="${top + plot + 16}" text-anchor="middle" ${FONT}>${e(day.slice(5))}</text>`;
    const bar = byDay.get(day);
    if (!bar) return label;
    const length = (plot * bar.total) / max;
    const drawn = segmentsOf(bar, length, (offset, size) => `x="${x + 8}" y="${(top + plot - offset - size).toFixed(2)}" width="${slot - 16}" height="${size.toFixed(2)}"`);
    return `<g class="bar" data-key="${e(bar.key)}" data-total="${bar.total}"><title>${e(titleOf(bar))}</title>${drawn}</g>${label}`;
  }).join('');
  return `<svg class="chart" role="img" aria-label="calls per disposition and day" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${ticks}${columns}</svg>`;
}

/** Horizontal bars, one row per bar in the given order, labelled on the left and totalled on the right. */
export function rowChart(bars: readonly Bar[]): string {
  const row = 22, labelWidth = 200, plot = 460, top = 4;
  const width = labelWidth + plot + 60, height = top + Math.max(1, bars.length) * row + 4;
  const max = axisMax(Math.max(0, ...bars.map((b) => b.total)));
  const rows = bars.map((bar, i) => {
    const y = top + i * row;
    const label = bar.label.length > 30 ? `${bar.label.slice(0, 29)}…` : bar.label;
    const length = (plot * bar.total) / max;
    const drawn = segmentsOf(bar, length, (offset, size) => `x="${(labelWidth + offset).toFixed(2)}" y="${y + 3}" width="${size.toFixed(2)}" height="${row - 6}"`);
    return `<text x="${labelWidth - 8}" y="${y + row / 2 + 4}" text-anchor="end" ${FONT}>${e(label)}</text>`
      + `<g class="bar" data-key="${e(bar.key)}" data-total="${bar.total}"><title>${e(titleOf(bar))}</title>${drawn}</g>`
      + `<text x="${labelWidth + Math.max(1, length) + 6}" y="${y + row / 2 + 4}" ${FONT}>${bar.total}</text>`;
  }).join('');
  return `<svg class="chart" role="img" aria-label="calls per disposition and extension" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows}</svg>`;
}

/** The dispositions present in `bars`, in stacking order. */
export function dispositionsOf(bars: readonly Bar[]): string[] {
  return [...new Set(bars.flatMap((b) => b.segments.map((s) => s.disposition)))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/** The colour key of the dispositions present in `bars`. */
export function legend(bars: readonly Bar[]): string {
  const present = dispositionsOf(bars);
  return `<ul class="legend">${present.map((d) => `<li><span class="swatch" style="background:${colour(d)}"></span>${e(d)}</li>`).join('')}</ul>`;
}
