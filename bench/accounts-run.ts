/**
 * One run of bench:accounts: a fresh fleet and database, `workers` worker processes for the measured window
 * plus a drain, /proc and pg_stat_activity sampled every second, then the figures from the pass log, the
 * final dispositions and the simulators' own counters and visibility times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { workerLaunch, type WorkerMode } from './accounts-contract.ts';
import { DEFAULT_LIMITS, type RateGroup } from '../src/simulator/index.ts';
import { addAccounts, createBenchDatabase, dispositions, readPassLog, type BenchDatabase } from './accounts-database.ts';
import { boundedPercentile, callLatencies, doubleClaims, passTimes, perAccount, scheduleKept, throughput, type Bounded, type Claim } from './accounts-figures.ts';
import { startFleet, type Fleet, type FleetOptions } from './accounts-fleet.ts';
import { machineBusySeconds, sampleProcess, stopChild, track } from './accounts-processes.ts';
import { startSampling } from './accounts-sampler.ts';

export interface RunOptions {
  workers: number;
  mode: WorkerMode;
  serverUrl: string;
  fleet: FleetOptions;
  measureMs: number;
  drainMs: number;
  concurrency: number | undefined;
  linkWindowMinutes: number;
  schedule: string;
  backfillDays: number;
  secretKey: string;
}

export interface WorkerFigures {
  peakRss: number;
  cpuSeconds: number;
  peakDbConnections: number;
  exitedCleanly: boolean;
}

export interface RunFigures {
  workers: number;
  /** Passes the workers may run at once (workers × concurrency), when the concurrency is known. */
  slots: number | undefined;
  loadStart: number[];
  loadEnd: number[];
  throughput: ReturnType<typeof throughput>;
  claims: number;
  doubleClaims: Array<[Claim, Claim]>;
  rateLimited: number;
  status429: number;
  /** Per rate group, the busiest account's requests per minute over the run (averaged; its limits: DEFAULT_LIMITS). */
  busiestPerMinute: Record<RateGroup, number>;
  /** Calls visible in the window but not final when the workers stopped, by why (pending_reason, or not synced). */
  notFinal: Array<[string, number]>;
  passes: ReturnType<typeof passTimes>;
  calls: { visible: number; final: number; p50?: Bounded; p99?: Bounded; steadyP50?: Bounded; steadyP99?: Bounded };
  accounts: ReturnType<typeof perAccount>;
  perWorker: WorkerFigures[];
  peakDbConnections: number;
  /** After every account's first pass: the share of account-minutes with a pass, over this many whole minutes. */
  scheduleKept: { minutes: number; kept: number | undefined };
  /** Share of the machine's cores busy (all processes) while the first sweep lasted. */
  firstSweepMachineBusy: number | undefined;
  /** CPU every process on the machine used from the workers' start to their stop (this bench's and others'). */
  machineCpuSeconds: number;
  /** CPU of the PostgreSQL server processes serving the run's database. */
  databaseCpuSeconds: number;
  /** Its backends running a statement / waiting on a lock, mean of the samples. */
  databaseActive: number;
  databaseLockWaits: number;
  fleetCpuSeconds: number;
  wallSeconds: number;
  /** Lines the workers logged (LOG_LEVEL=warn), and where, when there were any (else the directory is removed). */
  workerLogLines: number;
  logDir: string | undefined;
}

/** Set by the bench so Ctrl-C can drop the database of the run under way. */
export const current: { database?: BenchDatabase | undefined } = {};

export async function runOnce(o: RunOptions): Promise<RunFigures> {
  let fleet: Fleet | undefined;
  const children: ChildProcess[] = [];
  try {
    console.error(`[${o.workers} worker(s)] starting ${o.fleet.accounts} simulated accounts…`);
    fleet = await startFleet(o.fleet);
    const db = (current.database = await createBenchDatabase(o.serverUrl));
    await addAccounts(db, fleet.accounts, o.secretKey, { schedule: o.schedule, backfillDays: o.backfillDays }, o.mode);
    const logDir = mkdtempSync(path.join(tmpdir(), 'callsync-bench-accounts-'));
    const fleetCpuBefore = sampleProcess(fleet.pid, 0)?.cpuSeconds ?? 0;
    const loadStart = loadavg();
    const machineBefore = machineBusySeconds();
    const start = Date.now();
    for (let i = 0; i < o.workers; i++) {
      const { args, env } = workerLaunch(o.mode, i, { databaseUrl: db.url, secretKey: o.secretKey, concurrency: o.concurrency, linkWindowMinutes: o.linkWindowMinutes, dataDir: logDir });
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const log = createWriteStream(path.join(logDir, `worker-${i + 1}.log`));
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      track(child, `worker ${i + 1}`);
      children.push(child);
    }
    console.error(`[${o.workers} worker(s)] running ${o.measureMs / 60_000} min + ${o.drainMs / 60_000} min drain (logs: ${logDir})`);
    const sampling = startSampling(children.map((c) => c.pid!), db);
    await waitWhileRunning(children, o.measureMs + o.drainMs, sampling.sample, logDir);
    await sampling.sample();
    const stopAt = Date.now();
    const machineCpuSeconds = machineBusySeconds() - machineBefore;
    const exitedCleanly = await Promise.all(children.map((c) => stopChild(c, 30_000)));
    const loadEnd = loadavg();
    const fleetCpuSeconds = (sampleProcess(fleet.pid, 0)?.cpuSeconds ?? 0) - fleetCpuBefore;
    const sampled = sampling.result();
    const workerLogLines = children.reduce((n, _, i) => n + readFileSync(path.join(logDir, `worker-${i + 1}.log`), 'utf8').split('\n').filter(Boolean).length, 0);
    if (workerLogLines === 0) rmSync(logDir, { recursive: true, force: true });

    const end = start + o.measureMs;
    const report = await fleet.report(start);
    const claims = await readPassLog(db, o.mode);
    if (claims.length === 0) throw new Error('the pass log is empty: no pass ran, or PASS_LOG in bench/accounts-contract.ts reads the wrong table');
    const visible = report.accounts.flatMap((a) => a.visible.filter((c) => c.visibleAt <= end).map((c) => ({ account: a.name, callId: c.id, visibleAt: c.visibleAt })));
    const { finalAt, pending } = await dispositions(db);
    const latencies = callLatencies(visible, finalAt, stopAt);
    const notFinal = new Map<string, number>();
    for (const c of visible) {
      const key = `${c.account}/${c.callId}`;
      if (finalAt.has(key)) continue;
      const why = pending.get(key) ?? 'not synced';
      notFinal.set(why, (notFinal.get(why) ?? 0) + 1);
    }
    const flow = throughput(claims, start, end, fleet.accounts.length);
    // After every account's first pass, until the workers stopped (the drain included: passes keep the schedule there too).
    const kept = flow.allSyncedAt === undefined ? { minutes: 0, kept: undefined } : scheduleKept(claims, fleet.accounts.map((a) => a.name), start + flow.allSyncedAt, stopAt);
    const steady = flow.allSyncedAt === undefined ? [] : latencies.filter((l) => l.visibleAt > start + flow.allSyncedAt!);
    const minutes = (stopAt - start) / 60_000;
    return {
      scheduleKept: kept, machineCpuSeconds,
      firstSweepMachineBusy: sampled.machineBusyShare(start, start + (flow.allSyncedAt ?? o.measureMs)),
      workers: o.workers, slots: o.concurrency === undefined ? undefined : o.workers * o.concurrency, loadStart, loadEnd, throughput: flow, claims: claims.length,
      doubleClaims: doubleClaims(claims, stopAt),
      rateLimited: report.accounts.reduce((n, a) => n + a.rateLimited, 0),
      status429: report.accounts.reduce((n, a) => n + a.status429, 0),
      busiestPerMinute: Object.fromEntries((Object.keys(DEFAULT_LIMITS) as RateGroup[]).map((g) => [g, Math.max(...report.accounts.map((a) => a.requests[g])) / minutes])) as Record<RateGroup, number>,
      notFinal: [...notFinal].sort((a, b) => b[1] - a[1]),
      passes: passTimes(claims, start, end, stopAt),
      calls: {
        visible: latencies.length, final: latencies.filter((l) => !l.censored).length,
        p50: boundedPercentile(latencies, 50), p99: boundedPercentile(latencies, 99),
        steadyP50: boundedPercentile(steady, 50), steadyP99: boundedPercentile(steady, 99),
      },
      accounts: perAccount(latencies),
      perWorker: children.map((_, i) => ({ peakRss: sampled.workers[i]?.peakRss ?? 0, cpuSeconds: sampled.workers[i]?.cpuSeconds ?? 0, peakDbConnections: sampled.workerPeakConnections[i]!, exitedCleanly: exitedCleanly[i]! })),
      peakDbConnections: sampled.peakConnections,
      databaseCpuSeconds: sampled.databaseCpuSeconds,
      databaseActive: sampled.meanActive, databaseLockWaits: sampled.meanLockWaits,
      fleetCpuSeconds,
      wallSeconds: (stopAt - start) / 1000,
      workerLogLines, logDir: workerLogLines > 0 ? logDir : undefined,
    };
  } finally {
    await Promise.allSettled(children.map((c) => stopChild(c, 5_000)));
    await fleet?.stop().catch(() => undefined);
    await current.database?.drop().catch((error: unknown) => console.error(`dropping the run's database failed: ${String(error)}`));
    current.database = undefined;
  }
}

/** Samples every second for `ms`; a worker exiting meanwhile fails the run, with its log's tail. */
async function waitWhileRunning(children: ChildProcess[], ms: number, sample: () => Promise<void>, logDir: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
    const gone = children.findIndex((c) => c.exitCode !== null || c.signalCode !== null);
    if (gone >= 0) {
      const c = children[gone]!;
      const tail = readFileSync(path.join(logDir, `worker-${gone + 1}.log`), 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`worker ${gone + 1} exited early (${c.exitCode ?? c.signalCode}); the end of its log:\n${tail}`);
    }
    await sample();
  }
}
