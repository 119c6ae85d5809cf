import { readSyncState } from '../store/sync-state.ts';
import { mergeCoverage, parseCallLogCursor, passCoverage, type Coverage } from './call-log-cursor.ts';
import { keepFastPath, tryFollowToken } from './call-log-fast-path.ts';
import { scan, windowSizeMs } from './call-log-scan.ts';
import { coverageStart } from '../store/coverage.ts';
import type { RunContext } from './runner.ts';
import { firstWindow, type ScanCursor } from './windows.ts';

export const CALL_LOG_STREAM = 'call-log';
export const BACKFILL_STREAM = 'call-log-backfill';

const HOUR = 3_600_000;

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
  const inProgress = parseCallLogCursor(state?.cursor).scan;

  if (inProgress) {
    await scan(ctx, inProgress);
    if (fast) await keepFastPath(ctx, new Date(inProgress.passTo), tokenFrom(inProgress));
    return;
  }
  if (!state?.syncedThrough) {
    const pass = await firstPass(ctx, now);
    await scan(ctx, pass);
    if (fast) await keepFastPath(ctx, now, tokenFrom(pass));
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
 * The first pass of an empty stream reads SYNC_BACKFILL_DAYS, except what completed `callsync backfill`
 * passes have already read: those calls are in the database, and the fast-path token (from where the
 * backfill stopped covering) or the lookback scans see later edits to them.
 */
async function firstPass(ctx: RunContext, now: Date): Promise<ScanCursor> {
  // Fixed once per account: every mailbox's first read starts here too, so nothing falls between the two.
  const from = await coverageStart(ctx.database.db, ctx.accountId, new Date(now.getTime() - ctx.settings.backfillDays * 24 * HOUR));
  const covered = await backfillCoverage(ctx);
  const overlaps = covered && Date.parse(covered.from) < now.getTime() && Date.parse(covered.to) > from.getTime();
  const skip = overlaps
    ? { from: new Date(Math.max(Date.parse(covered.from), from.getTime())).toISOString(), to: new Date(Math.min(Date.parse(covered.to), now.getTime())).toISOString() }
    : undefined;
  if (skip) ctx.logger.info({ from: skip.from, to: skip.to }, 'first pass: the period `callsync backfill` read is not read again');
  return newPass(ctx, from, now, 'backfill', skip);
}

/** What completed backfill passes have read; read without the backfill stream's lock (a pass in progress has not completed). */
async function backfillCoverage(ctx: RunContext): Promise<Coverage | undefined> {
  const state = await readSyncState(ctx.database.db, ctx.accountId, BACKFILL_STREAM);
  return parseCallLogCursor(state?.cursor).covered;
}

/** Where the fast-path token must start after a pass that skipped a backfilled period: where the backfill stopped covering. */
function tokenFrom(pass: ScanCursor): Date | undefined {
  return pass.skip ? new Date(pass.skip.to) : undefined;
}

/**
 * A one-off scan of [from, to ?? now), for `callsync backfill`; it keeps its own checkpoint stream. A
 * complete pass adds its period to the stream's coverage, which the regular stream's first pass does not
 * read again.
 */
export async function backfillCallLog(ctx: RunContext, from: Date, to: Date | undefined): Promise<void> {
  const state = await readSyncState(ctx.database.db, ctx.accountId, ctx.stream);
  const cursor = parseCallLogCursor(state?.cursor).scan;
  // Re-running the same command resumes: without --to, the stopped pass's pinned end is the end.
  const same = cursor && cursor.passFrom === from.toISOString() && (to === undefined || cursor.passTo === to.toISOString());
  const pass = same ? cursor : newPass(ctx, from, to ?? ctx.now(), 'backfill');
  await scan(ctx, pass, { finish: (kept) => ({ ...kept, covered: mergeCoverage(kept.covered, passCoverage(pass)) }) });
}

function newPass(ctx: RunContext, from: Date, to: Date, reason: ScanCursor['reason'], skip?: ScanCursor['skip']): ScanCursor {
  const pass: ScanCursor = { mode: 'scan', reason, passFrom: from.toISOString(), passTo: to.toISOString(), windowFrom: '', windowTo: '', page: 1, plannedAt: ctx.now().toISOString() };
  if (skip) pass.skip = skip;
  const first = firstWindow(from, to, skip, windowSizeMs(pass, ctx.settings.windowHours));
  return { ...pass, windowFrom: first.from.toISOString(), windowTo: first.to.toISOString() };
}
