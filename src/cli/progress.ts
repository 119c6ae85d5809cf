import type { RateGroup } from '../errors.ts';
import { DEFAULT_LIMITS, RATE_GROUPS, type RateHeaders, type RateWait } from '../ringcentral/rate-budget.ts';
import type { RequestCounts } from '../schema/index.ts';
import type { Progress } from '../sync/runner.ts';
import { formatDuration } from './pass-line.ts';

export type Limits = Record<RateGroup, { limit: number; windowSec: number }>;

/** A progress report as the ETA sees it: the run's requests so far at a point in time. */
export interface Sample {
  fraction: number;
  requests: RequestCounts;
  at: number;
}

/** The limits RingCentral announced, and its documented defaults for groups it has not named yet. */
export function limitsFrom(announced: Partial<Record<RateGroup, RateHeaders>>): Limits {
  const limits = {} as Limits;
  for (const g of RATE_GROUPS) limits[g] = { limit: announced[g]?.limit || DEFAULT_LIMITS[g].limit, windowSec: announced[g]?.windowSec || DEFAULT_LIMITS[g].windowSec };
  return limits;
}

/**
 * Milliseconds left, or undefined while there is too little to go on. The slowest of three bounds:
 * - the rate budget: the requests still to make (each group's requests per fraction of the work so far,
 *   scaled to the work left) fit `limit` per window, the first `limit` at once — so a short backfill is not
 *   charged a window per request, and a long one is not promised its opening burst rate;
 * - the pace so far (fraction per millisecond since the first report);
 * - the rate-budget wait under way.
 * Estimated at the latest report and counted down from there, so the ETA keeps moving while nothing reports
 * (a wait for the budget). Measured from the first report, not from zero, so a resumed backfill (which starts
 * part-way) does not look nearly done.
 */
export function remainingMs(first: Sample, latest: Sample, now: number, limits: Limits, waitUntil?: number): number | undefined {
  if (latest.fraction >= 1) return 0;
  const wait = waitUntil !== undefined ? Math.max(0, waitUntil - now) : 0;
  const progress = latest.fraction - first.fraction;
  const elapsed = latest.at - first.at;
  if (progress <= 0 || elapsed <= 0) return undefined;
  const left = 1 - latest.fraction;
  let budgetMs = 0;
  for (const g of RATE_GROUPS) {
    const used = latest.requests[g] - first.requests[g];
    if (used <= 0) continue;
    const total = latest.requests[g] + Math.ceil((used / progress) * left);
    const { limit, windowSec } = limits[g];
    // Requests 1..limit go at once, the next `limit` one window later, and so on.
    const groupMs = Math.floor((total - 1) / limit) * windowSec * 1000 - elapsed;
    budgetMs = Math.max(budgetMs, groupMs);
  }
  const paceMs = (elapsed / progress) * left;
  const atLatest = Math.max(budgetMs, paceMs);
  return Math.round(Math.max(atLatest - (now - latest.at), wait, 0));
}

/** `estimating`, `45 s`, `3 min 5 s`. */
export function formatEta(ms: number | undefined): string {
  if (ms === undefined) return 'estimating';
  return ms < 1000 ? '< 1 s' : formatDuration(Math.ceil(ms / 1000) * 1000);
}

export interface BackfillView {
  phase: string;
  fraction: number;
  records: number;
  requests: RequestCounts;
  /** Milliseconds left of a wait for the rate budget under way, 0 when none. */
  waitingMs: number;
  eta: string;
}

const BAR_WIDTH = 24;

/**
 * The backfill's status line, cut to the terminal's width so it never wraps (a wrapped line cannot be
 * redrawn in place): `backfill call log [██████░░░] 42% | 1,200 records | 9 Heavy requests | ETA 3 min`.
 */
export function renderBackfillLine(view: BackfillView, columns?: number): string {
  const fraction = Math.min(1, Math.max(0, view.fraction));
  const filled = Math.round(fraction * BAR_WIDTH);
  const used = RATE_GROUPS.filter((g) => view.requests[g] > 0);
  const parts = [
    `backfill ${view.phase} [${'\u2588'.repeat(filled)}${'\u2591'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}%`,
    `${view.records.toLocaleString('en-US')} records`,
    used.length > 0 ? `${used.map((g) => `${view.requests[g]} ${g}`).join(', ')} requests` : '0 requests',
    ...(view.waitingMs > 0 ? [`waiting for the rate budget (${Math.ceil(view.waitingMs / 1000)} s)`] : []),
    `ETA ${view.eta}`,
  ];
  const line = parts.join(' | ');
  return columns && columns > 1 && line.length > columns - 1 ? line.slice(0, columns - 1) : line;
}

/**
 * What the backfill display knows: the latest progress of each phase (the call log, then the voicemails of
 * the period, each its own bar) and the rate-budget waits under way. Time comes in as an argument.
 */
export class BackfillProgress {
  private phase = 'call log';
  private records = 0;
  private first: Sample | undefined;
  private latest: Sample | undefined;
  private readonly waits = new Map<RateGroup, number>();

  /** A progress report of the backfill's streams. */
  report(p: Progress, now: number): void {
    const phase = p.stream.startsWith('voicemails') ? 'voicemails' : 'call log';
    if (phase !== this.phase) this.first = this.latest = undefined;
    this.phase = phase;
    if (phase === 'call log') this.records = p.records;
    this.latest = { fraction: p.fraction ?? 0, requests: { ...p.requests }, at: now };
    this.first ??= this.latest;
  }

  /** A rate-budget wait starting (ms > 0) or over (ms 0). */
  rateWait(wait: RateWait, now: number): void {
    if (wait.ms > 0) this.waits.set(wait.group, now + wait.ms);
    else this.waits.delete(wait.group);
  }

  view(now: number, limits: Limits): BackfillView {
    const waitUntil = this.waits.size > 0 ? Math.max(...this.waits.values()) : undefined;
    const waitingMs = waitUntil !== undefined ? Math.max(0, waitUntil - now) : 0;
    const eta = this.first && this.latest ? formatEta(remainingMs(this.first, this.latest, now, limits, waitUntil)) : 'estimating';
    return {
      phase: this.phase, fraction: this.latest?.fraction ?? 0, records: this.records,
      requests: this.latest?.requests ?? { Heavy: 0, Medium: 0, Light: 0, Auth: 0 }, waitingMs, eta,
    };
  }
}
