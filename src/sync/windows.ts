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
  /** A period inside the pass that `callsync backfill` has already read: the pass does not read it again. */
  skip?: { from: string; to: string } | undefined;
  /**
   * The oldest start time read so far in the current window. Pages come newest first, so everything that
   * started after it has been read: when RingCentral refuses a deep page, the window narrows to end here.
   */
  readDownTo?: string | undefined;
  /** Where the next window starts when this one was narrowed (otherwise its windowTo). */
  nextFrom?: string | undefined;
  /** When the pass was planned. Its newest page was read then, so calls that started later are not covered. */
  plannedAt?: string | undefined;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

/**
 * Splits [from, to) into consecutive windows of at most `sizeMs` (Infinity: one window), oldest first.
 * Windows let a lookback scan checkpoint window by window; a backfill reads its period as one window.
 */
export function planWindows(from: Date, to: Date, sizeMs: number): TimeWindow[] {
  if (!(sizeMs > 0)) throw new RangeError('window size must be positive');
  const windows: TimeWindow[] = [];
  for (let start = from.getTime(); start < to.getTime(); start += sizeMs) {
    windows.push({ from: new Date(start), to: new Date(Math.min(start + sizeMs, to.getTime())) });
  }
  return windows.length > 0 ? windows : [{ from, to }];
}

/** [from, to) without `skip`: zero, one or two periods, oldest first. */
export function uncovered(from: Date, to: Date, skip: { from: string; to: string } | undefined): TimeWindow[] {
  if (!skip) return from < to ? [{ from, to }] : [];
  const periods = [
    { from, to: new Date(Math.min(to.getTime(), Date.parse(skip.from))) },
    { from: new Date(Math.max(from.getTime(), Date.parse(skip.to))), to },
  ];
  return periods.filter((p) => p.from < p.to);
}

/** The windows a pass still has to read: the one in progress (with the bounds it was started with), then the rest. */
export function remainingWindows(cursor: ScanCursor, sizeMs: number): TimeWindow[] {
  const current = { from: new Date(cursor.windowFrom), to: new Date(cursor.windowTo) };
  const rest = uncovered(new Date(cursor.nextFrom ?? cursor.windowTo), new Date(cursor.passTo), cursor.skip).flatMap((p) => planWindows(p.from, p.to, sizeMs));
  return [current, ...rest];
}

/** The first window of a pass over [from, to) without `skip`; an empty window at `to` when nothing is left. */
export function firstWindow(from: Date, to: Date, skip: { from: string; to: string } | undefined, sizeMs: number): TimeWindow {
  const [first] = uncovered(from, to, skip);
  return first ? planWindows(first.from, first.to, sizeMs)[0]! : { from: to, to };
}

/** How long the parts of [from, to) outside `skip` are, in ms: the measure of a pass's progress. */
export function uncoveredMs(from: Date, to: Date, skip: { from: string; to: string } | undefined): number {
  return uncovered(from, to, skip).reduce((ms, p) => ms + p.to.getTime() - p.from.getTime(), 0);
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
