import type { Database, Db } from '../store/db.ts';
import { RequestMeter } from '../ringcentral/client.ts';
import type { RingCentralApi } from '../ringcentral/endpoints.ts';
import { SyncAbortedError, describeError, errorCodeOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { addToRun, closeAbandonedRuns, finishRun, startRun, writeSyncState } from '../store/sync-state.ts';
import type { RequestCounts } from '../schema/index.ts';

export interface SyncSettings {
  backfillDays: number;
  lookbackHours: number;
  windowHours: number;
  fastPath: 'extract-sync' | 'off';
  /** Records per call-log page (RingCentral's maximum is 1000). */
  perPage: number;
  /** Every mailbox is read at least this often (VOICEMAIL_SWEEP_HOURS). */
  voicemailSweepHours: number;
}

/** Everything a stream job needs; built once per run by runStream. */
export interface RunContext {
  database: Database;
  accountId: string;
  stream: string;
  api: RingCentralApi;
  meter: RequestMeter;
  runId: number;
  signal: AbortSignal;
  logger: Logger;
  settings: SyncSettings;
  now(): Date;
  /** Adds a page's counts to the run row inside the page's transaction. */
  recordPage(tx: Db, counts: PageCounts): Promise<void>;
  /** Runs a page's transaction, timing it. */
  writeTransaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Throws SyncAbortedError when a stop was requested; called between pages. */
  checkpoint(): void;
  /**
   * A standing problem the run worked around (e.g. mailboxes RingCentral will not let us read): the run
   * still succeeds, but the stream's lastError says it, with RingCentral's errorCode, until a run without it.
   */
  reportProblem(message: string, errorCode: string | undefined): void;
  onProgress?: ((progress: Progress) => void) | undefined;
}

export interface PageCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface Progress {
  stream: string;
  records: number;
  requests: RequestCounts;
  /** Fraction of the planned work done, 0..1, when known. */
  fraction?: number | undefined;
}

export interface RunResult extends PageCounts {
  stream: string;
  /** Time spent in page transactions (writing rows and checkpoints), for the benchmark and logs. */
  writeMs: number;
  outcome: 'success' | 'error' | 'aborted';
  requests: RequestCounts;
  rateLimited: number;
  error?: string | undefined;
  errorCode?: string | undefined;
}

/**
 * Facts for metrics (src/metrics/sync-metrics.ts), told as they happen: a stream's run ended, or a pass
 * over the streams did. sync/ knows nothing of what listens.
 */
export type SyncEvent =
  | { type: 'run'; stream: string; outcome: RunResult['outcome']; durationMs: number }
  | { type: 'pass'; outcome: RunResult['outcome']; durationMs: number };

export type SyncObserver = (event: SyncEvent) => void;

export interface RunDeps {
  database: Database;
  accountId: string;
  api: RingCentralApi;
  logger: Logger;
  settings: SyncSettings;
  signal?: AbortSignal | undefined;
  now?: () => Date;
  onProgress?: (progress: Progress) => void;
  observer?: SyncObserver | undefined;
  /**
   * Run first inside every page transaction: throws (e.g. a worker's LeaseLostError) when this process may
   * no longer write the account, so the page's rows and checkpoint are rolled back.
   */
  fence?: ((tx: Db) => Promise<void>) | undefined;
}

/**
 * The one loop every stream shares: take the stream's advisory lock, open a sync_runs row, run the job
 * (which commits each page with its checkpoint), and record how it ended.
 */
export async function runStream(deps: RunDeps, stream: string, job: (ctx: RunContext) => Promise<void>): Promise<RunResult> {
  const { database, accountId } = deps;
  const db = database.db;
  const log = deps.logger.child({ stream, accountId });
  return database.withAdvisoryLock(`callsync:${accountId}:${stream}`, async () => {
    await closeAbandonedRuns(db, accountId, stream);
    const runId = await startRun(db, accountId, stream);
    const meter = new RequestMeter();
    const totals = { inserted: 0, updated: 0, unchanged: 0, writeMs: 0 };
    const signal = deps.signal ?? new AbortController().signal;
    let problem: { message: string; errorCode: string | undefined } | undefined;
    const ctx: RunContext = {
      database, accountId, stream, api: deps.api, meter, runId, signal, logger: log, settings: deps.settings,
      now: deps.now ?? (() => new Date()),
      onProgress: deps.onProgress,
      async recordPage(tx, counts) {
        await addToRun(tx, runId, counts, meter.requests, meter.rateLimited);
        totals.inserted += counts.inserted;
        totals.updated += counts.updated;
        totals.unchanged += counts.unchanged;
      },
      async writeTransaction(fn) {
        const started = performance.now();
        try {
          return await db.transaction(async (tx) => {
            await deps.fence?.(tx);
            return fn(tx);
          });
        } finally {
          totals.writeMs += performance.now() - started;
        }
      },
      checkpoint() {
        if (signal.aborted) throw new SyncAbortedError(`${stream}: stopped at a page boundary`);
      },
      reportProblem(message, errorCode) {
        problem = { message, errorCode };
      },
    };
    const startedAt = ctx.now();
    const started = performance.now();
    const ended = (result: RunResult) => (deps.observer?.({ type: 'run', stream, outcome: result.outcome, durationMs: performance.now() - started }), result);
    await writeSyncState(db, accountId, stream, { lastRunAt: startedAt });
    try {
      await job(ctx);
      await finishRun(db, runId, 'success', meter.requests, meter.rateLimited, problem ? { message: problem.message, code: problem.errorCode } : undefined);
      await writeSyncState(db, accountId, stream, { lastSuccessAt: ctx.now(), lastError: problem?.message ?? null, lastErrorCode: problem?.errorCode ?? null });
      log.info({ ...totals, requests: meter.requests, rateLimited: meter.rateLimited }, 'sync run finished');
      return ended({ stream, outcome: 'success', ...totals, requests: meter.requests, rateLimited: meter.rateLimited });
    } catch (error) {
      const aborted = error instanceof SyncAbortedError || signal.aborted;
      const message = describeError(error);
      const code = errorCodeOf(error);
      await finishRun(db, runId, aborted ? 'aborted' : 'error', meter.requests, meter.rateLimited, { message, code });
      if (!aborted) await writeSyncState(db, accountId, stream, { lastError: message, lastErrorCode: code ?? null });
      if (aborted) log.info('sync run stopped; the next run resumes from the last committed page');
      else log.error({ err: message, errorCode: code }, 'sync run failed');
      return ended({ stream, outcome: aborted ? 'aborted' : 'error', ...totals, requests: meter.requests, rateLimited: meter.rateLimited, error: message, errorCode: code });
    }
  });
}
