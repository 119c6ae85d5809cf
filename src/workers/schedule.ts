import { CronExpressionParser } from 'cron-parser';
import cron from 'node-cron';
import { StreamLockedError, describeError, errorCodeOf } from '../errors.ts';

/**
 * When an account's next pass is due, and what a pass came to: pure (time and chance come in as arguments),
 * so the worker's loop only carries the verdict to the database.
 */

/** Why a worker stopped a pass before its end. */
export type StopReason = 'slice' | 'shutdown' | 'lost';

/** How a pass ended, as the lease and the pass log record it. */
export type PassOutcome = 'success' | 'sliced' | 'error' | 'locked' | 'stopped' | 'lost';

export interface BackoffPolicy {
  /** The first retry's delay; each further failure in a row doubles it. */
  baseMs: number;
  /** No retry waits longer than this. */
  capMs: number;
  /** A stream locked by another session: transient, so retried sooner than a failure. */
  lockedCapMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, capMs: 30 * 60_000, lockedCapMs: 60_000 };

/**
 * The delay before retry number `attempts` (1 = the first failure): base doubling per failure, capped, then
 * spread by ±25 % so that accounts failing together (a RingCentral outage) do not return together.
 */
export function backoffMs(attempts: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF, cap = policy.capMs): number {
  const raw = Math.min(cap, policy.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(raw * (0.75 + 0.5 * random()));
}

/**
 * The first occurrence of `schedule` strictly after `after`. cron-parser finds candidates quickly; node-cron,
 * which runs SYNC_SCHEDULE for `start`, decides which match, so a schedule means the same under `start` and
 * `worker` (they differ where day of month and day of week are both restricted: node-cron wants both).
 */
export function nextOccurrence(schedule: string, after: Date): Date {
  const candidates = CronExpressionParser.parse(schedule, { currentDate: after });
  const matcher = cron.createTask(schedule, () => undefined);
  try {
    for (let i = 0; i < 10_000; i++) {
      const at = candidates.next().toDate();
      if (matcher.match(at)) return at;
    }
  } finally {
    void matcher.destroy();
  }
  throw new Error(`the schedule "${schedule}" has no occurrence node-cron and cron-parser agree on`);
}

/** What a pass returned: syncAll's results (one per stream run), or what it threw. */
export type PassEnd = { results: ReadonlyArray<{ stream: string; outcome: 'success' | 'error' | 'aborted'; error?: string | undefined; errorCode?: string | undefined }> } | { thrown: unknown };

export interface PassVerdict {
  outcome: PassOutcome;
  /** The next pass is due this long after the pass ended. */
  delayMs: number;
  /** Failures in a row, after this pass. */
  attempts: number;
  error?: string | undefined;
  errorCode?: string | undefined;
}

export interface VerdictInput {
  end: PassEnd;
  /** Why the worker stopped the pass, if it did. */
  stopped: StopReason | undefined;
  /** Failures in a row before this pass. */
  attempts: number;
  /** The account's cron schedule (its own or SYNC_SCHEDULE). */
  schedule: string;
  now: Date;
  random: () => number;
  backoff?: BackoffPolicy;
}

/**
 * The verdict on a pass. A lost lease is someone else's now: nothing to decide. A failure (a stream's error,
 * or the pass could not start) backs off; a pass stopped for its time slice or a shutdown is due again at
 * once (the next resumes from the checkpoint); a whole pass is due at the schedule's next occurrence.
 */
export function passVerdict(input: VerdictInput): PassVerdict {
  const { end, stopped, attempts, now, random } = input;
  const policy = input.backoff ?? DEFAULT_BACKOFF;
  if (stopped === 'lost') return { outcome: 'lost', delayMs: 0, attempts };
  const failed = 'thrown' in end ? describeThrown(end.thrown) : firstError(end.results);
  if (failed) {
    const locked = 'thrown' in end && end.thrown instanceof StreamLockedError;
    const delayMs = backoffMs(attempts + 1, random, policy, locked ? policy.lockedCapMs : policy.capMs);
    return { outcome: locked ? 'locked' : 'error', delayMs, attempts: attempts + 1, error: failed.error, errorCode: failed.errorCode };
  }
  if ('results' in end && end.results.some((r) => r.outcome === 'aborted')) {
    return stopped === 'slice' ? { outcome: 'sliced', delayMs: 0, attempts: 0 } : { outcome: 'stopped', delayMs: 0, attempts };
  }
  try {
    return { outcome: 'success', delayMs: Math.max(0, nextOccurrence(input.schedule, now).getTime() - now.getTime()), attempts: 0 };
  } catch (error) {
    const message = `the pass succeeded, but its schedule "${input.schedule}" cannot be read (${describeError(error)}): set a valid cron expression`;
    return { outcome: 'error', delayMs: backoffMs(attempts + 1, random, policy), attempts: attempts + 1, error: message };
  }
}

function describeThrown(error: unknown): { error: string; errorCode: string | undefined } {
  return { error: describeError(error), errorCode: errorCodeOf(error) ?? (error instanceof StreamLockedError ? 'STREAM_LOCKED' : undefined) };
}

function firstError(results: Extract<PassEnd, { results: unknown }>['results']): { error: string; errorCode: string | undefined } | undefined {
  const failed = results.find((r) => r.outcome === 'error');
  return failed && { error: `${failed.stream}: ${failed.error ?? 'failed'}`, errorCode: failed.errorCode };
}
