import { RingCentralApiError } from '../errors.ts';
import type { CallLogEntry } from '../ringcentral/payloads.ts';
import type { CallLogPage } from '../ringcentral/endpoints.ts';
import { prepareCallPage, writeCallPage } from '../store/calls.ts';
import { readSyncState, writeSyncState, type StatePatch } from '../store/sync-state.ts';
import { parseCallLogCursor, storedCursor, type CallLogCursor } from './call-log-cursor.ts';
import type { RunContext } from './runner.ts';
import { remainingWindows, uncoveredMs, type ScanCursor, type TimeWindow } from './windows.ts';

const HOUR = 3_600_000;

export interface ScanOptions {
  /** The cursor to keep once the pass is complete, given the parts that outlive passes. */
  finish?: (kept: CallLogCursor) => CallLogCursor;
}

/**
 * The size of a pass's windows. A backfill reads its whole period as one window, following
 * navigation.nextPage: ⌈records/perPage⌉ requests, where fixed windows cost an extra request per window
 * (a 7-day backfill of 2,300 calls took 8 in 24-hour windows instead of 3). RingCentral documents no limit
 * on how deep page offsets may go (api-notes §2.2); should it refuse a deep page, the window narrows (see
 * narrowWindow). Lookback scans keep SYNC_WINDOW_HOURS windows.
 */
export function windowSizeMs(pass: ScanCursor, windowHours: number): number {
  return pass.reason === 'backfill' ? Number.POSITIVE_INFINITY : windowHours * HOUR;
}

/**
 * Walks the pass window by window, oldest window first, page by page (newest call first within a window);
 * each page commits with its checkpoint, so a crash loses at most the page in flight.
 */
export async function scan(ctx: RunContext, start: ScanCursor, options: ScanOptions = {}): Promise<void> {
  const { stream, settings } = ctx;
  const { scan: _inProgress, ...kept } = parseCallLogCursor((await readSyncState(ctx.database.db, ctx.accountId, stream))?.cursor);
  const base = { mode: start.mode, reason: start.reason, passFrom: start.passFrom, passTo: start.passTo, skip: start.skip, plannedAt: start.plannedAt };
  const passFrom = new Date(start.passFrom);
  const passTo = new Date(start.passTo);
  const totalMs = uncoveredMs(passFrom, passTo, start.skip);
  const windows = remainingWindows(start, windowSizeMs(start, settings.windowHours));
  let page = start.page;
  let readDownTo = start.readDownTo;
  let nextFrom = start.nextFrom;
  let records = 0;
  ctx.logger.info({ reason: start.reason, from: start.windowFrom, to: start.passTo, page, windows: windows.length }, 'call-log window scan');
  for (const [index, planned] of windows.entries()) {
    let window = planned;
    const following = windows[index + 1];
    for (;;) {
      ctx.checkpoint();
      let result: CallLogPage;
      try {
        result = await ctx.api.callLogPage({ dateFrom: window.from, dateTo: window.to, page, perPage: settings.perPage }, ctx.meter, ctx.signal);
      } catch (error) {
        const narrowed = page > 1 ? narrowWindow(window, readDownTo, error) : undefined;
        if (!narrowed) throw error;
        ctx.logger.warn({ errorCode: (error as RingCentralApiError).errorCode, page, from: window.from.toISOString(), to: narrowed.to.toISOString() }, 'RingCentral refused a deep page; reading on from the oldest call read so far, from page 1');
        nextFrom ??= window.to.toISOString();
        window = narrowed;
        page = 1;
        continue;
      }
      const end = new Date(nextFrom ?? window.to.toISOString());
      readDownTo = oldestStart(result.entries, readDownTo);
      const done = result.nextPage === undefined;
      const next: ScanCursor | null = !done
        ? { ...base, windowFrom: window.from.toISOString(), windowTo: window.to.toISOString(), page: result.nextPage!, readDownTo, nextFrom }
        : following ? { ...base, windowFrom: following.from.toISOString(), windowTo: following.to.toISOString(), page: 1 } : null;
      const cursor = next ? { ...kept, scan: next } : (options.finish?.(kept) ?? kept);
      const patch: StatePatch = { cursor: storedCursor(cursor) };
      if (done) {
        patch.syncedThrough = end;
        if (!following) patch.lastScanAt = ctx.now();
      }
      await writePage(ctx, result.entries, patch);
      records += result.entries.length;
      const within = done ? 1 : windowFraction(window, end, page, settings.perPage, result, readDownTo, nextFrom !== undefined);
      const remainingMs = uncoveredMs(window.from, passTo, start.skip);
      const doneMs = totalMs - remainingMs + within * (end.getTime() - window.from.getTime());
      ctx.onProgress?.({ stream, records, requests: { ...ctx.meter.requests }, fraction: totalMs > 0 ? Math.min(1, Math.max(0, doneMs / totalMs)) : 1 });
      if (done) break;
      page = result.nextPage!;
    }
    page = 1;
    readDownTo = undefined;
    nextFrom = undefined;
  }
}

/**
 * When RingCentral refuses a deep page (HTTP 400 on page > 1 of a window whose first page it answered with
 * the same parameters, so the page number is what it refuses), the rest of the window is read as a new
 * window ending just after the oldest call read so far (pages come newest first), from page 1. Calls in
 * that last millisecond are read twice (upserts make that harmless). Cost: the refused request, and at
 * most one more page per narrowing. Undefined when that would not move (no call read yet, or a whole page
 * of calls in one millisecond): the error stands.
 */
export function narrowWindow(window: TimeWindow, readDownTo: string | undefined, error: unknown): TimeWindow | undefined {
  if (!(error instanceof RingCentralApiError) || error.status !== 400 || !readDownTo) return undefined;
  const to = new Date(Date.parse(readDownTo) + 1);
  return to < window.to ? { from: window.from, to } : undefined;
}

/** The oldest start time among a page's records and what was read before. */
function oldestStart(entries: CallLogEntry[], before: string | undefined): string | undefined {
  let oldest = before === undefined ? Number.POSITIVE_INFINITY : Date.parse(before);
  for (const e of entries) if (e.kind === 'record') oldest = Math.min(oldest, Date.parse(e.record.startTime));
  return Number.isFinite(oldest) ? new Date(oldest).toISOString() : before;
}

/**
 * How much of the window is read: by totalElements when RingCentral sends it (and the window was not
 * narrowed, which restarts its page numbers), else by how far back in start time the pages have reached.
 */
function windowFraction(window: TimeWindow, end: Date, page: number, perPage: number, result: CallLogPage, readDownTo: string | undefined, narrowed: boolean): number {
  if (result.totalElements !== undefined && !narrowed) {
    return result.totalElements === 0 ? 1 : Math.min(1, ((page - 1) * perPage + result.entries.length) / result.totalElements);
  }
  const span = end.getTime() - window.from.getTime();
  return readDownTo && span > 0 ? Math.min(1, (end.getTime() - Date.parse(readDownTo)) / span) : 0;
}

/** Upserts a page and moves the checkpoint in one transaction; syncedThrough never moves backwards. */
export async function writePage(ctx: RunContext, entries: CallLogEntry[], patch: StatePatch): Promise<void> {
  const page = prepareCallPage(ctx.accountId, entries);
  await ctx.writeTransaction(async (tx) => {
    const counts = await writeCallPage(tx, page);
    if (patch.syncedThrough) {
      const current = await readSyncState(tx, ctx.accountId, ctx.stream);
      if (current?.syncedThrough && current.syncedThrough > patch.syncedThrough) delete patch.syncedThrough;
    }
    await writeSyncState(tx, ctx.accountId, ctx.stream, { ...patch, addRecords: counts.inserted + counts.updated });
    await ctx.recordPage(tx, counts);
  });
}
