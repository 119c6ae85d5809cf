import { RATE_GROUPS } from '../ringcentral/rate-budget.ts';
import type { RequestCounts } from '../schema/index.ts';
import type { RunResult } from '../sync/runner.ts';

/** When a pass ran, and how long it spent waiting for the rate budget (summed over its waits). */
export interface PassTiming {
  startedAt: Date;
  finishedAt: Date;
  rateWaitMs?: number | undefined;
}

/**
 * A whole sync pass as one terminal line: how it ended, the records each stream wrote (streams that wrote
 * nothing are left out), the requests by rate group, and the time, e.g.
 * `12:05:00 pass ok · call-log 12 · voicemails 3 · derive 15 · 9 requests (1 Heavy, 2 Medium, 6 Light) · 2.4 s`.
 * Failures say which stream; their detail is the error line the run logged.
 */
export function formatPassLine(results: readonly RunResult[], timing: PassTiming): string {
  const outcome = results.some((r) => r.outcome === 'error') ? 'failed' : results.some((r) => r.outcome === 'aborted') ? 'stopped' : 'ok';
  const streams = results.map(streamPart).filter((part) => part !== undefined);
  const requests = sumRequests(results);
  const rateLimited = results.reduce((n, r) => n + r.rateLimited, 0);
  const parts = [
    `${clockTime(timing.finishedAt)} pass ${outcome}`,
    ...(streams.length > 0 ? streams : ['no changes']),
    formatRequests(requests),
    ...(rateLimited > 0 ? [`${rateLimited} rate-limited (429)`] : []),
    ...(timing.rateWaitMs && timing.rateWaitMs >= 1000 ? [`waited ${formatDuration(timing.rateWaitMs)} for the rate budget`] : []),
    formatDuration(timing.finishedAt.getTime() - timing.startedAt.getTime()),
  ];
  return parts.join(' · ');
}

function streamPart(r: RunResult): string | undefined {
  const changed = r.inserted + r.updated;
  if (r.outcome === 'error') return `${r.stream} failed`;
  if (r.outcome === 'aborted') return `${r.stream} ${changed} (stopped)`;
  return changed > 0 ? `${r.stream} ${changed}` : undefined;
}

function sumRequests(results: readonly RunResult[]): RequestCounts {
  const sum: RequestCounts = { Heavy: 0, Medium: 0, Light: 0, Auth: 0 };
  for (const r of results) for (const group of RATE_GROUPS) sum[group] += r.requests[group];
  return sum;
}

/** `9 requests (1 Heavy, 2 Medium, 6 Light)`; groups without requests are left out. */
export function formatRequests(requests: RequestCounts): string {
  const used = RATE_GROUPS.filter((g) => requests[g] > 0);
  const total = used.reduce((n, g) => n + requests[g], 0);
  if (total === 0) return 'no requests';
  return `${total} request${total === 1 ? '' : 's'} (${used.map((g) => `${requests[g]} ${g}`).join(', ')})`;
}

/** The operator's local time of day, HH:MM:SS. */
export function clockTime(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A duration as a person reads it: `0.8 s` (tenths below 10 s), `45 s`, `3 min 5 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 9_950) return `${(clamped / 1000).toFixed(1)} s`;
  const s = Math.round(clamped / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const min = Math.round(s / 60);
  return min % 60 === 0 ? `${min / 60} h` : `${Math.floor(min / 60)} h ${min % 60} min`;
}
