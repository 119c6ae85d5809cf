import { isRefusal, RingCentralApiError } from '../errors.ts';
import { readSyncState, writeSyncState, type StatePatch } from '../store/sync-state.ts';
import { parseCallLogCursor, storedCursor, type ExtractSyncRefusal } from './call-log-cursor.ts';
import { writePage } from './call-log-scan.ts';
import type { RunContext } from './runner.ts';

/** extract-sync's documented maximum records per FSync request. */
const EXTRACT_RECORD_COUNT = 1000;
/** How far before the scan's start the fast-path token begins (duplicates are harmless: upserts). */
const FAST_PATH_OVERLAP_MS = 5 * 60_000;
/** Guards against a server that never stops saying newerRecordsExist. */
const MAX_EXTRACT_REQUESTS = 10_000;
/**
 * How long after RingCentral refused extract-sync as not available (403, 404, 501) callsync asks again.
 * Being enabled for an account or granted to an app is an administrator's change, made rarely: once a day
 * costs one Heavy request a day, where asking every pass cost one a pass plus the wait for the Heavy budget
 * (measured: 60 of a 65-second pass). The window scan carries every pass meanwhile.
 */
export const EXTRACT_SYNC_RETRY_MS = 24 * 3_600_000;

/** Statuses that mean "not for this account or app", not "not now": the endpoint is refused, not the token. */
function isUnavailable(error: RingCentralApiError): boolean {
  return error.status === 403 || error.status === 404 || error.status === 501;
}

/** The refusal the stream holds, if any. */
export async function readRefusal(ctx: RunContext): Promise<ExtractSyncRefusal | undefined> {
  return parseCallLogCursor((await readSyncState(ctx.database.db, ctx.accountId, ctx.stream))?.cursor).extractSync;
}

/** Whether extract-sync may be asked this pass: never refused, or its next try is due. */
export function fastPathDue(refusal: ExtractSyncRefusal | undefined, now: Date): boolean {
  return !refusal || now.getTime() >= Date.parse(refusal.retryAt);
}

/**
 * Follows the stored token; false when the fast path could not be followed this pass. A rejected token
 * (400: CLG-101..105, "max sync record number limit is exceeded") is dropped; an endpoint this account or
 * app may not use (403, 404, 501) drops it and is remembered (not asked again until the slow retry); a
 * server failure keeps it for the next pass.
 */
export async function tryFollowToken(ctx: RunContext, syncToken: string): Promise<boolean> {
  try {
    await followFastPath(ctx, { syncToken });
    return true;
  } catch (error) {
    if (!(error instanceof RingCentralApiError)) throw error;
    const unavailable = isUnavailable(error);
    const drop = unavailable || isRefusal(error);
    ctx.logger.warn(
      { errorCode: error.errorCode, status: error.status },
      unavailable ? 'extract-sync is not available to this account or app; the window scan carries the passes until the next try'
        : drop ? 'extract-sync token rejected; the window scan runs, then a new token from where the old one stopped' : 'extract-sync failed; the window scan runs this pass',
    );
    if (unavailable) await recordRefusal(ctx, error);
    else if (drop) await writeSyncState(ctx.database.db, ctx.accountId, ctx.stream, { syncToken: null });
    return false;
  }
}

/**
 * After a scan: a token still held is kept (it reads on from where it is). Without one, a fresh token
 * covers modifications from the earliest of: where the last token succeeded (its syncTokenAt), `from`
 * (where a backfill's reading stopped covering edits), or the scan's end — a few minutes early so a clock
 * difference between this machine and RingCentral cannot open a gap. An FSync that fails leaves the stream
 * on the scan: the scan made the data complete. While a refusal holds, nothing is asked until it is due.
 */
export async function keepFastPath(ctx: RunContext, scanEnd: Date, from?: Date): Promise<void> {
  const state = await readSyncState(ctx.database.db, ctx.accountId, ctx.stream);
  if (state?.syncToken) return;
  const refusal = parseCallLogCursor(state?.cursor).extractSync;
  if (!fastPathDue(refusal, ctx.now())) return;
  const candidates = [state?.syncTokenAt, from].filter((d): d is Date => !!d && d < scanEnd);
  const resumeAt = candidates.length > 0 ? new Date(Math.min(...candidates.map((d) => d.getTime()))) : undefined;
  let failure = await tryStartToken(ctx, resumeAt ?? scanEnd);
  // How far back RingCentral lets a dateFrom reach is not documented: rather than stay without a token for
  // good, accept the gap (edits to calls older than the lookback, made while callsync was away).
  if (failure?.status === 400 && resumeAt) {
    ctx.logger.warn({ errorCode: failure.errorCode, from: resumeAt.toISOString() }, 'extract-sync refused to start where the last token stopped; starting from the scan instead');
    failure = await tryStartToken(ctx, scanEnd);
  }
  if (!failure) {
    if (refusal) await writeRefusal(ctx, undefined);
    if (refusal) ctx.logger.info({ refusedSince: refusal.since }, 'extract-sync is available again; the fast path is back on');
    return;
  }
  ctx.logger.warn({ errorCode: failure.errorCode, status: failure.status }, 'call-log-extract-sync is not available; staying on the window scan');
  if (isUnavailable(failure)) await recordRefusal(ctx, failure);
}

/** Remembers that RingCentral refused extract-sync, and when to ask again; the token goes with it. */
async function recordRefusal(ctx: RunContext, error: RingCentralApiError): Promise<void> {
  const now = ctx.now();
  const previous = await readRefusal(ctx);
  await writeRefusal(ctx, {
    since: previous?.since ?? now.toISOString(),
    at: now.toISOString(),
    status: error.status ?? 0,
    errorCode: error.errorCode ?? null,
    retryAt: new Date(now.getTime() + EXTRACT_SYNC_RETRY_MS).toISOString(),
  });
}

async function writeRefusal(ctx: RunContext, refusal: ExtractSyncRefusal | undefined): Promise<void> {
  await ctx.writeTransaction(async (tx) => {
    const current = parseCallLogCursor((await readSyncState(tx, ctx.accountId, ctx.stream))?.cursor);
    const patch: StatePatch = { cursor: storedCursor({ ...current, extractSync: refusal }) };
    if (refusal) patch.syncToken = null;
    await writeSyncState(tx, ctx.accountId, ctx.stream, patch);
  });
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
