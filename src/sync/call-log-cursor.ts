import type { ScanCursor } from './windows.ts';

/**
 * RingCentral refused call-log-extract-sync as not available to this account or app (403, 404, 501).
 * Asking on every pass would spend a Heavy request (and often a minute of waiting for the Heavy budget)
 * to be refused again, so the refusal is remembered and asked about again only at `retryAt`.
 */
export interface ExtractSyncRefusal {
  /** When RingCentral first refused (kept while it keeps refusing). */
  since: string;
  /** The latest refusal. */
  at: string;
  status: number;
  errorCode: string | null;
  /** Not asked again before this instant. */
  retryAt: string;
}

/** The start-time period completed `callsync backfill` passes have read: [from, to). */
export interface Coverage {
  from: string;
  to: string;
}

/**
 * sync_state.cursor of the call-log streams: the scan in progress (null between passes, as before), and
 * what outlives a pass — the backfill stream's coverage, the regular stream's extract-sync refusal. Each
 * stream writes only its own row, under its own advisory lock; the regular stream only reads the backfill's.
 */
export interface CallLogCursor {
  scan?: ScanCursor | undefined;
  covered?: Coverage | undefined;
  extractSync?: ExtractSyncRefusal | undefined;
}

/** Reads a stored cursor; a bare ScanCursor (stored before the cursor had parts) is a scan in progress. */
export function parseCallLogCursor(value: unknown): CallLogCursor {
  if (!value || typeof value !== 'object') return {};
  if ((value as { mode?: unknown }).mode === 'scan') return { scan: value as ScanCursor };
  return value as CallLogCursor;
}

/** The value to store: null when nothing is in it, so "no pass in progress" still reads as a null cursor. */
export function storedCursor(cursor: CallLogCursor): CallLogCursor | null {
  const parts = Object.fromEntries(Object.entries(cursor).filter(([, v]) => v !== undefined && v !== null));
  return Object.keys(parts).length > 0 ? (parts as CallLogCursor) : null;
}

/** The coverage a complete backfill pass adds: up to its dateTo, but no later than when it was planned. */
export function passCoverage(pass: ScanCursor): Coverage {
  const to = pass.plannedAt && pass.plannedAt < pass.passTo ? pass.plannedAt : pass.passTo;
  return { from: pass.passFrom, to };
}

/** Joins two coverages that overlap or touch; otherwise keeps the one reaching later (the one a regular pass can use). */
export function mergeCoverage(previous: Coverage | undefined, next: Coverage): Coverage {
  if (!previous) return next;
  const [a, b] = [Date.parse(previous.from), Date.parse(previous.to)];
  const [c, d] = [Date.parse(next.from), Date.parse(next.to)];
  if (c <= b && a <= d) return { from: new Date(Math.min(a, c)).toISOString(), to: new Date(Math.max(b, d)).toISOString() };
  return d >= b ? next : previous;
}

/** Whether a pass is in progress according to a stored cursor. */
export function scanInProgress(value: unknown): boolean {
  return parseCallLogCursor(value).scan !== undefined;
}
