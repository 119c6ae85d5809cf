/**
 * One run of bench:accounts: a fresh fleet and database, `workers` worker processes for the measured window
 * plus a drain, /proc and pg_stat_activity sampled every second, then the figures from the pass log, the
 * final dispositions and the simulators' own counters and visibility times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { workerLaunch, type WorkerMode } from './accounts-contract.ts';
import { addAccounts, connectionsNow, createBenchDatabase, finalDispositions, readPassLog, type BenchDatabase } from './accounts-database.ts';
import { boundedPercentile, callLatencies, doubleClaims, perAccount, throughput, type Bounded, type Claim } from './accounts-figures.ts';
import { startFleet, type Fleet, type FleetOptions } from './accounts-fleet.ts';
import { sampleProcess, stopChild, track, type ProcSample } from './accounts-processes.ts';

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
  id: string;
  peakRss: number;
  cpuSeconds: number;
  peakDbConnections: number;
  exitedCleanly: boolean;
}

export interface RunFigures {
  workers: number;
  loadStart: number[];
  loadEnd: number[];
  throughput: ReturnType<typeof throughput>;
  claims: number;
  doubleClaims: Array<[Claim, Claim]>;
  rateLimited: number;
  status429: number;
  /** The busiest account's Heavy requests per minute (its limit is 10). */
  heaviestPerMinute: number;
  calls: { visible: number; final: number; p50?: Bounded; p99?: Bounded; steadyP50?: Bounded; steadyP99?: Bounded };
  accounts: ReturnType<typeof perAccount>;
  perWorker: WorkerFigures[];
  peakDbConnections: number;
  fleetCpuSeconds: number;
  wallSeconds: number;
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
    const dbPort = Number(new URL(db.url).port || 5432);
    const fleetCpuBefore = sampleProcess(fleet.pid, dbPort)?.cpuSeconds ?? 0;
    const loadStart = loadavg();
    const start = Date.now();
    const samples: Array<ProcSample | undefined> = [];
    const peaks = { conns: [] as number[], total: 0 };
    for (let i = 0; i < o.workers; i++) {
      const { args, env } = workerLaunch(o.mode, i, { databaseUrl: db.url, secretKey: o.secretKey, concurrency: o.concurrency, linkWindowMinutes: o.linkWindowMinutes, dataDir: logDir });
      const logFile = path.join(logDir, `worker-${i + 1}.log`);
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const log = createWriteStream(logFile);
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      track(child, `worker ${i + 1}`);
      children.push(child);
      peaks.conns.push(0);
    }
    console.error(`[${o.workers} worker(s)] running ${o.measureMs / 60_000} min + ${o.drainMs / 60_000} min drain (logs: ${logDir})`);

    const sample = async () => {
      children.forEach((c, i) => {
        const s = sampleProcess(c.pid!, dbPort);
        if (!s) return;
        samples[i] = s;
        peaks.conns[i] = Math.max(peaks.conns[i]!, s.dbConnections);
      });
      peaks.total = Math.max(peaks.total, await connectionsNow(db).catch(() => 0));
    };
    await waitWhileRunning(children, o.measureMs + o.drainMs, sample, logDir);
    await sample();
    const stopAt = Date.now();
    const exitedCleanly = await Promise.all(children.map((c) => stopChild(c, 30_000)));
    const loadEnd = loadavg();
    const fleetCpuSeconds = (sampleProcess(fleet.pid, dbPort)?.cpuSeconds ?? 0) - fleetCpuBefore;

    const end = start + o.measureMs;
    const report = await fleet.report(start);
    const claims = await readPassLog(db, o.mode);
    if (claims.length === 0) throw new Error('the pass log is empty: no pass ran, or PASS_LOG in bench/accounts-contract.ts reads the wrong table');
    const visible = report.accounts.flatMap((a) => a.visible.filter((c) => c.visibleAt <= end).map((c) => ({ account: a.name, callId: c.id, visibleAt: c.visibleAt })));
    const latencies = callLatencies(visible, await finalDispositions(db), stopAt);
    const flow = throughput(claims, start, end, fleet.accounts.length);
    const steady = flow.allSyncedAt === undefined ? [] : latencies.filter((l) => l.visibleAt > start + flow.allSyncedAt!);
    const minutes = (stopAt - start) / 60_000;
    return {
      workers: o.workers, loadStart, loadEnd, throughput: flow, claims: claims.length,
      doubleClaims: doubleClaims(claims, stopAt),
      rateLimited: report.accounts.reduce((n, a) => n + a.rateLimited, 0),
      status429: report.accounts.reduce((n, a) => n + a.status429, 0),
      heaviestPerMinute: Math.max(...report.accounts.map((a) => a.requests.Heavy)) / minutes,
      calls: {
        visible: latencies.length, final: latencies.filter((l) => !l.censored).length,
        p50: boundedPercentile(latencies, 50), p99: boundedPercentile(latencies, 99),
        steadyP50: boundedPercentile(steady, 50), steadyP99: boundedPercentile(steady, 99),
      },
      accounts: perAccount(latencies),
      perWorker: children.map((_, i) => ({ id: `bench-w${i + 1}`, peakRss: samples[i]?.peakRss ?? 0, cpuSeconds: samples[i]?.cpuSeconds ?? 0, peakDbConnections: peaks.conns[i]!, exitedCleanly: exitedCleanly[i]! })),
      peakDbConnections: peaks.total,
      fleetCpuSeconds,
      wallSeconds: (stopAt - start) / 1000,
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
