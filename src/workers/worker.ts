import { LeaseLostError, describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { syncAll } from '../main.ts';
import { assertLeaseHeld, claimNext, releaseLease, seedLeases, type Lease } from '../store/leases.ts';
import type { Database, Db } from '../store/db.ts';
import type { AccountApp } from './account-apps.ts';
import { Heartbeat } from './heartbeat.ts';
import { passVerdict, type BackoffPolicy, type PassEnd, type StopReason } from './schedule.ts';

export interface WorkerSettings {
  /** This worker's name in leases and the pass log (default hostname:pid). */
  id: string;
  /** Accounts synced at once. */
  concurrency: number;
  /** A lease lasts this long unless renewed; a dead worker's accounts are free this long after its last renewal. */
  leaseTtlMs: number;
  /** Renewal period (default a third of the ttl: two renewals may fail before the lease runs out). */
  renewEveryMs?: number | undefined;
  /** How often an idle worker looks for due accounts. */
  pollMs: number;
  /** A pass longer than this stops at a page boundary and its account goes back in the queue, due at once. */
  sliceMs: number;
  backoff?: BackoffPolicy | undefined;
  random?: () => number;
}

export interface WorkerDeps {
  /** Where leases are claimed, renewed and released (a pool of its own on PostgreSQL, so renewals never queue behind sync statements). */
  control: Database;
  /** Builds a claimed account's app (AccountApps). */
  open(accountName: string): Promise<AccountApp>;
  /** The schedule of an account whose app could not be built (SYNC_SCHEDULE). */
  defaultSchedule: string;
  logger: Logger;
}

/** A running `callsync worker`: stop() stops claiming, stops every pass at its next page boundary and lets go of their leases. */
export interface RunningWorker {
  stop(): Promise<void>;
  /** Settles when the worker has stopped (after stop(), or never). */
  readonly done: Promise<void>;
}

interface ActivePass {
  lease: Lease;
  controller: AbortController;
  stopped: StopReason | undefined;
}

/** Starts claiming due accounts and syncing them, up to `concurrency` at once. */
export function startWorker(deps: WorkerDeps, settings: WorkerSettings): RunningWorker {
  const { control, logger } = deps;
  const log = logger.child({ worker: settings.id });
  const heartbeat = new Heartbeat(control, settings.id, settings.leaseTtlMs, settings.renewEveryMs ?? Math.floor(settings.leaseTtlMs / 3), log);
  const active = new Map<string, { pass: ActivePass; ended: Promise<void> }>();
  let stopping = false;
  let wake = () => {};

  const stopPass = (pass: ActivePass, reason: StopReason) => {
    if (pass.stopped !== 'lost') pass.stopped = reason;
    pass.controller.abort(reason === 'lost' ? new LeaseLostError(`account ${pass.lease.accountName}: lease lost`) : undefined);
  };

  const fence = (pass: ActivePass) => async (tx: Db) => {
    try {
      if (pass.stopped === 'lost') throw new LeaseLostError(`account ${pass.lease.accountName}: this worker's lease is lost; the page is not written`);
      await assertLeaseHeld(tx, settings.id, pass.lease);
    } catch (error) {
      if (error instanceof LeaseLostError) stopPass(pass, 'lost');
      throw error;
    }
  };

  const runPass = async (pass: ActivePass) => {
    const { lease } = pass;
    const plog = log.child({ account: lease.accountName, token: lease.token });
    const slice = setTimeout(() => stopPass(pass, 'slice'), settings.sliceMs);
    const started = performance.now();
    let schedule = deps.defaultSchedule;
    let end: PassEnd;
    try {
      const opened = await deps.open(lease.accountName);
      schedule = opened.schedule;
      // Stopped while connecting: nothing of the pass has run, and nothing should start now.
      end = pass.stopped ? { results: [{ stream: 'pass', outcome: 'aborted' }] } : { results: await syncAll(opened.app, { signal: pass.controller.signal, fence: fence(pass) }) };
    } catch (error) {
      end = { thrown: error };
    } finally {
      clearTimeout(slice);
    }
    const verdict = passVerdict({ end, stopped: pass.stopped, attempts: lease.attempts, schedule, now: new Date(), random: settings.random ?? Math.random, backoff: settings.backoff });
    heartbeat.release(lease.accountName);
    let released = false;
    try {
      released = await releaseLease(control, settings.id, lease, verdict);
    } catch (error) {
      // The lease runs out by itself within its ttl; the account is then claimed again, due as it was.
      plog.error({ err: describeError(error) }, 'cannot release the lease');
    }
    const fields = { outcome: released ? verdict.outcome : 'lost', nextInMs: verdict.delayMs, attempts: verdict.attempts, durationMs: Math.round(performance.now() - started) };
    if (verdict.error) plog.warn({ ...fields, err: verdict.error, errorCode: verdict.errorCode }, 'account pass failed; retried after a backoff');
    else plog.info(fields, 'account pass ended');
  };

  const claim = async (): Promise<boolean> => {
    const lease = await claimNext(control, settings.id, settings.leaseTtlMs);
    if (!lease) return false;
    const pass: ActivePass = { lease, controller: new AbortController(), stopped: undefined };
    heartbeat.hold(lease, (why) => {
      log.warn({ account: lease.accountName, why }, 'lease lost: stopping the pass');
      stopPass(pass, 'lost');
    });
    log.info({ account: lease.accountName, token: lease.token, overdueMs: Math.round(lease.overdueMs), attempts: lease.attempts }, 'account claimed');
    const ended = runPass(pass)
      .catch((error: unknown) => log.error({ account: lease.accountName, err: describeError(error) }, 'account pass crashed'))
      .finally(() => {
        active.delete(lease.accountName);
        wake();
      });
    active.set(lease.accountName, { pass, ended });
    return true;
  };

  const loop = async () => {
    heartbeat.start();
    let seededAt = -Infinity;
    while (!stopping) {
      let claimed = false;
      try {
        if (performance.now() - seededAt >= settings.pollMs) {
          await seedLeases(control);
          seededAt = performance.now();
        }
        if (active.size < settings.concurrency && !stopping) claimed = await claim();
      } catch (error) {
        log.error({ err: describeError(error) }, 'cannot claim accounts; trying again');
      }
      if (claimed && active.size < settings.concurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settings.pollMs);
        wake = () => (clearTimeout(timer), resolve());
      });
      wake = () => {};
    }
    for (const { pass } of active.values()) stopPass(pass, 'shutdown');
    await Promise.all([...active.values()].map((a) => a.ended));
    await heartbeat.stop();
  };

  log.info({ concurrency: settings.concurrency, leaseTtlMs: settings.leaseTtlMs, sliceMs: settings.sliceMs }, 'worker started');
  const done = loop();
  return {
    done,
    async stop() {
      stopping = true;
      for (const { pass } of active.values()) stopPass(pass, 'shutdown');
      wake();
      await done;
    },
  };
}
