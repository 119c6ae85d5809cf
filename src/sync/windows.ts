/** The checkpoint of a start-time window scan in progress (stored in sync_state.cursor). */
export interface ScanCursor {
  mode: 'scan';
  reason: 'backfill' | 'lookback';
  /** The whole pass; passTo is pinned when the pass is planned so pages cannot shift under it. */
  passFrom: string;
  passTo: string;
  /** The window being read and the next page in it. */
  windowFrom: string;
  windowTo: string;
  page: number;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

/**
 * Splits [from, to) into consecutive windows of at most `sizeMs`, oldest first. Windows bound the page
 * offsets RingCentral must skip and let a long backfill checkpoint its progress window by window.
 */
export function planWindows(from: Date, to: Date, sizeMs: number): TimeWindow[] {
  if (!(sizeMs > 0)) throw new RangeError('window size must be positive');
  const windows: TimeWindow[] = [];
  for (let start = from.getTime(); start < to.getTime(); start += sizeMs) {
    windows.push({ from: new Date(start), to: new Date(Math.min(start + sizeMs, to.getTime())) });
  }
  return windows.length > 0 ? windows : [{ from, to }];
}

/**
 * The periods around a set of instants, padded by `padMs` on both sides and merged where they touch:
 * rederiving only these keeps a pass proportional to what changed, not to the size of the history.
 */
export function periodsAround(instants: Date[], padMs: number): TimeWindow[] {
  const sorted = instants.map((d) => d.getTime()).sort((a, b) => a - b);
  const periods: TimeWindow[] = [];
  for (const t of sorted) {
    const last = periods.at(-1);
    if (last && t - padMs <= last.to.getTime()) last.to = new Date(Math.max(last.to.getTime(), t + padMs));
    else periods.push({ from: new Date(t - padMs), to: new Date(t + padMs) });
  }
  return periods;
}
