import { isRefusal, RingCentralApiError } from '../errors.ts';
import type { CallLogEntry } from '../ringcentral/payloads.ts';
import { prepareCallPage, writeCallPage } from '../store/calls.ts';
import { readSyncState, writeSyncState, type StatePatch } from '../store/sync-state.ts';
import type { RunContext } from './runner.ts';
import { planWindows, type ScanCursor } from './windows.ts';

export const CALL_LOG_STREAM = 'call-log';
export const BACKFILL_STREAM = 'call-log-backfill';

const HOUR = 3_600_000;
/** extract-sync's documented maximum records per FSync request. */
const EXTRACT_RECORD_COUNT = 1000;
/** How far before the scan's start the fast-path token begins (duplicates are harmless: upserts). */
const FAST_PATH_OVERLAP_MS = 5 * 60_000;
/** Guards against a server that never stops saying newerRecordsExist. */
const MAX_EXTRACT_REQUESTS = 10_000;

/**
 * One pass of the account call log. The backbone is a start-time window scan with a pinned dateTo that
 * re-reads the trailing lookback window, because records appear late and change after the call. When the
 * extract-sync fast path is on and holds a valid token, it replaces the scan (it returns only records
 * modified since the token), and the scan still runs once per lookback period as a safety net.
 *
 * The token is the only thing that sees edits to calls older than the lookback window, so it is never
 * given up lightly: a scan that is due runs after the token is followed, not instead of it; a token
 * RingCentral rejects is replaced by one that starts where the old one last succeeded (`syncTokenAt`),
 * not at now; and an extract-sync failure falls back to the scan for that pass rather than failing it.
 */
export async function syncCallLog(ctx: RunContext): Promise<void> {
  const state = await readSyncState(ctx.database.db, ctx.accountId, ctx.stream);
  const now = ctx.now();
  const settings = ctx.settings;
  const fast = settings.fastPath === 'extract-sync';

  if (state?.cursor) {
    const cursor = state.cursor as ScanCursor;
    await scan(ctx, cursor);
    if (fast) await keepFastPath(ctx, new Date(cursor.passTo));
    return;
  }
  if (!state?.syncedThrough) {
    const passTo = now;
    await scan(ctx, newPass(ctx, new Date(now.getTime() - settings.backfillDays * 24 * HOUR), passTo, 'backfill'));
    if (fast) await keepFastPath(ctx, passTo);
    return;
  }
  const lookbackFrom = new Date(state.syncedThrough.getTime() - settings.lookbackHours * HOUR);
  const scanDue = !state.lastScanAt || now.getTime() - state.lastScanAt.getTime() >= settings.lookbackHours * HOUR;
  const followed = fast && state.syncToken ? await tryFollowToken(ctx, state.syncToken) : false;
  if (followed && !scanDue) return;
  await scan(ctx, newPass(ctx, lookbackFrom, now, 'lookback'));
  if (fast) await keepFastPath(ctx, now);
}

/**
 * Follows the stored token; false when the fast path could not be followed this pass. A rejected token
 * (400: CLG-101..105, "max sync record number limit is exceeded") and an endpoint this app may not use
 * (403, 404, 501) drop the token; a server failure keeps it for the next pass.
 */
async function tryFollowToken(ctx: RunContext, syncToken: string): Promise<boolean> {
  try {
    await followFastPath(ctx, { syncToken });
    return true;
  } catch (error) {
    if (!(error instanceof RingCentralApiError)) throw error;
    const drop = error.status === 501 || isRefusal(error);
    ctx.logger.warn(
      { errorCode: error.errorCode, status: error.status },
      drop ? 'extract-sync token rejected; the window scan runs, then a new token from where the old one stopped' : 'extract-sync failed; the window scan runs this pass',
    );
    if (drop) await writeSyncState(ctx.database.db, ctx.accountId, ctx.stream, { syncToken: null });
    return false;
  }
}

/** A one-off scan of [from, to), for `callsync backfill`; it keeps its own checkpoint stream. */
export async function backfillCallLog(ctx: RunContext, from: Date, to: Date): Promise<void> {
  const state = await readSyncState(ctx.database.db, ctx.accountId, ctx.stream);
  const cursor = state?.cursor as ScanCursor | null | undefined;
  const same = cursor && cursor.passFrom === from.toISOString() && cursor.passTo === to.toISOString();
  await scan(ctx, same ? cursor : newPass(ctx, from, to, 'backfill'));
}

function newPass(ctx: RunContext, from: Date, to: Date, reason: ScanCursor['reason']): ScanCursor {
  const [first] = planWindows(from, to, ctx.settings.windowHours * HOUR);
  return { mode: 'scan', reason, passFrom: from.toISOString(), passTo: to.toISOString(), windowFrom: first!.from.toISOString(), windowTo: first!.to.toISOString(), page: 1 };
}

/** Walks the pass window by window, oldest first, page by page; each page commits with its checkpoint. */
async function scan(ctx: RunContext, start: ScanCursor): Promise<void> {
  const { stream, settings } = ctx;
  const passTo = new Date(start.passTo);
  // The window in progress keeps the bounds it was started with, even if SYNC_WINDOW_HOURS changed since:
  // its page number only means something within those bounds.
  const current = { from: new Date(start.windowFrom), to: new Date(start.windowTo) };
  const windows = [current, ...(current.to < passTo ? planWindows(current.to, passTo, settings.windowHours * HOUR) : [])];
  const totalMs = passTo.getTime() - new Date(start.passFrom).getTime();
  let page = start.page;
  let records = 0;
  ctx.logger.info({ reason: start.reason, from: start.windowFrom, to: start.passTo, page }, 'call-log window scan');
  for (const [index, window] of windows.entries()) {
    for (;;) {
      ctx.checkpoint();
      const result = await ctx.api.callLogPage({ dateFrom: window.from, dateTo: window.to, page, perPage: settings.perPage }, ctx.meter, ctx.signal);
      const done = result.nextPage === undefined;
      const following = windows[index + 1];
      const next: ScanCursor | null = !done
        ? { ...start, windowFrom: window.from.toISOString(), windowTo: window.to.toISOString(), page: result.nextPage! }
        : following ? { ...start, windowFrom: following.from.toISOString(), windowTo: following.to.toISOString(), page: 1 } : null;
      const patch: StatePatch = { cursor: next };
      if (done) {
        patch.syncedThrough = window.to;
        if (!following) patch.lastScanAt = ctx.now();
      }
      await writePage(ctx, result.entries, patch);
      records += result.entries.length;
      const doneMs = window.from.getTime() - new Date(start.passFrom).getTime();
      ctx.onProgress?.({ stream, records, requests: { ...ctx.meter.requests }, fraction: totalMs > 0 ? Math.min(1, doneMs / totalMs) : 1 });
      if (done) break;
      page = result.nextPage!;
    }
    page = 1;
  }
}

/** Upserts a page and moves the checkpoint in one transaction; syncedThrough never moves backwards. */
async function writePage(ctx: RunContext, entries: CallLogEntry[], patch: StatePatch): Promise<void> {
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

/**
 * After a scan: a token still held is kept (it reads on from where it is). Without one, a fresh token
 * covers modifications from where the last token succeeded (its syncTokenAt), or from the scan's end when
 * there never was one, a few minutes early so a clock difference between this machine and RingCentral
 * cannot open a gap. An FSync that fails leaves the stream on the scan: the scan made the data complete.
 */
async function keepFastPath(ctx: RunContext, scanEnd: Date): Promise<void> {
  const state = await readSyncState(ctx.database.db, ctx.accountId, ctx.stream);
  if (state?.syncToken) return;
  const resumeAt = state?.syncTokenAt && state.syncTokenAt < scanEnd ? state.syncTokenAt : undefined;
  let failure = await tryStartToken(ctx, resumeAt ?? scanEnd);
  // How far back RingCentral lets a dateFrom reach is not documented: rather than stay without a token for
  // good, accept the gap (edits to calls older than the lookback, made while callsync was away).
  if (failure?.status === 400 && resumeAt) {
    ctx.logger.warn({ errorCode: failure.errorCode, from: resumeAt.toISOString() }, 'extract-sync refused to start where the last token stopped; starting from the scan instead');
    failure = await tryStartToken(ctx, scanEnd);
  }
  if (failure) ctx.logger.warn({ errorCode: failure.errorCode, status: failure.status }, 'call-log-extract-sync is not available; staying on the window scan');
}

/** FSync from a few minutes before `from`, then ISync to now; RingCentral's error when it would not. */
async function tryStartToken(ctx: RunContext, from: Date): Promise<RingCentralApiError | undefined> {
  try {
    await followFastPath(ctx, { dateFrom: new Date(from.getTime() - FAST_PATH_OVERLAP_MS), recordCount: EXTRACT_RECORD_COUNT });
    return undefined;
  } catch (error) {
    if (!(error instanceof RingCentralApiError)) throw error;
    return error;
  }
}

/** FSync or ISync, then ISync while RingCentral says newer records exist; the token commits with each page. */
async function followFastPath(ctx: RunContext, first: { syncToken: string } | { dateFrom: Date; recordCount: number }): Promise<void> {
  let query = first;
  for (let requests = 0; requests < MAX_EXTRACT_REQUESTS; requests++) {
    ctx.checkpoint();
    const page = await ctx.api.extractSync(query, ctx.meter, ctx.signal);
    const patch: StatePatch = { syncToken: page.syncToken, syncTokenAt: ctx.now() };
    if (!page.newerRecordsExist && page.syncTime) patch.syncedThrough = page.syncTime;
    await writePage(ctx, page.entries, patch);
    ctx.onProgress?.({ stream: ctx.stream, records: page.entries.length, requests: { ...ctx.meter.requests } });
    if (!page.newerRecordsExist) return;
    query = { syncToken: page.syncToken };
  }
  throw new Error(`call-log-extract-sync still reported newer records after ${MAX_EXTRACT_REQUESTS} requests`);
}
