/**
 * npm run bench:accounts — many accounts, several workers: 200 simulated accounts, each its own small
 * company (its own simulator: a few users, a day of history, a few live calls a minute, RingCentral's rate
 * limits ON), synced by 1, 2 and 4 `callsync worker` processes in turn, each run on a fresh database for a
 * fixed wall time plus a drain. Prints accounts synced per minute, visibility → final disposition per call
 * (p50/p99 over calls and over accounts), double claims, 429s, RSS, CPU and DB connections per worker, the
 * load average, and how throughput grows with workers. Exits 1 on any double claim or 429.
 *
 * Flags (or env): --workers 1,2,4 (BENCH_WORKERS) · --minutes 3 (BENCH_MINUTES, the measured window) ·
 * --drain-minutes 2 (BENCH_DRAIN_MINUTES: workers keep running so calls seen late in the window can become
 * final) · --accounts 200 (BENCH_ACCOUNTS) · --calls-per-minute 3 (BENCH_CALLS_PER_MINUTE, per account) ·
 * --concurrency N (BENCH_WORKER_CONCURRENCY, passed to each worker; default the worker's own) ·
 * --stand-in (the bench's stand-in workers, bench/accounts-stand-in.ts, instead of `callsync worker`).
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; each run
 * creates and drops a database of its own. BENCH_LINK_WINDOW_MINUTES (default 1) is the workers'
 * LINK_WINDOW_MINUTES. How a worker is started and where its pass log is: bench/accounts-contract.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { current, runOnce, type RunFigures } from './accounts-run.ts';
import { installCleanup, isInterrupted } from './accounts-processes.ts';
import { printFigures } from './accounts-report.ts';

const { values: flags } = parseArgs({
  options: {
    workers: { type: 'string' }, minutes: { type: 'string' }, 'drain-minutes': { type: 'string' }, accounts: { type: 'string' },
    'calls-per-minute': { type: 'string' }, concurrency: { type: 'string' }, 'stand-in': { type: 'boolean', default: false },
  },
});
const setting = (flag: string | undefined, env: string, fallback: string) => flag ?? process.env[env] ?? fallback;
const number = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min} (got "${text}")`);
  return n;
};
const workerCounts = setting(flags.workers, 'BENCH_WORKERS', '1,2,4').split(',').map((w) => number('--workers', w.trim(), 1));
const concurrencyText = flags.concurrency ?? process.env.BENCH_WORKER_CONCURRENCY;
const mode = flags['stand-in'] ? 'stand-in' : 'worker';
const options = {
  mode, serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  measureMs: number('--minutes', setting(flags.minutes, 'BENCH_MINUTES', '3'), 0.25) * 60_000,
  drainMs: number('--drain-minutes', setting(flags['drain-minutes'], 'BENCH_DRAIN_MINUTES', '2'), 0) * 60_000,
  // The stand-in's default; the real worker's own default applies when nothing is given.
  concurrency: concurrencyText !== undefined ? number('--concurrency', concurrencyText, 1) : mode === 'stand-in' ? 4 : undefined,
  linkWindowMinutes: number('BENCH_LINK_WINDOW_MINUTES', process.env.BENCH_LINK_WINDOW_MINUTES ?? '1', 1),
  // Every account once a minute (the default is every 5): a few minutes of bench then hold several passes each.
  schedule: '* * * * *',
  backfillDays: 2,
  // A fixed key, for a throwaway database: never a key of any real deployment.
  secretKey: Buffer.alloc(32, 7).toString('base64'),
  fleet: {
    accounts: number('--accounts', setting(flags.accounts, 'BENCH_ACCOUNTS', '200'), 1), firstSeed: 1,
    historyCalls: 100, historyHours: 24, callsPerMinute: number('--calls-per-minute', setting(flags['calls-per-minute'], 'BENCH_CALLS_PER_MINUTE', '3'), 0),
  },
} as const;

installCleanup(async () => {
  await current.database?.drop();
});

if (mode === 'worker') {
  console.error('building dist/ (workers run compiled callsync, as in production)…');
  const built = spawnSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

console.log(`bench:accounts on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GB; workers: ${mode === 'worker' ? 'callsync worker (bin/callsync.js)' : 'the bench stand-in (connectAccount + syncAll, not callsync worker)'}`);
console.log(`${options.fleet.accounts} accounts, each its own simulator: ~10 users, ${options.fleet.historyCalls} calls over ${options.fleet.historyHours} h, ${options.fleet.callsPerMinute} live calls/min, rate limits ON;`
  + ` schedule "${options.schedule}" per account, backfill ${options.backfillDays} days, LINK_WINDOW_MINUTES=${options.linkWindowMinutes}, concurrency per worker: ${options.concurrency ?? "the worker's default"}`);
console.log(`each run: ${options.measureMs / 60_000} min measured + ${options.drainMs / 60_000} min drain, on a fresh database\n`);

const runs: RunFigures[] = [];
let failed = false;
try {
  for (const workers of workerCounts) {
    const figures = await runOnce({ ...options, workers });
    runs.push(figures);
    console.error(`[${workers} worker(s)] done: ${figures.claims} passes, ${figures.doubleClaims.length} double claims, ${figures.rateLimited} rate-limited requests`);
  }
} catch (error) {
  // Interrupted: the cleanup handler stops what is left and exits 130; its stopping the workers is no failure.
  if (isInterrupted()) await new Promise(() => {});
  console.error(`bench:accounts failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  failed = true;
}
if (runs.length > 0) printFigures(runs, options);
const doubles = runs.reduce((n, r) => n + r.doubleClaims.length, 0);
const limited = runs.reduce((n, r) => n + Math.max(r.rateLimited, r.status429), 0);
if (doubles > 0) console.error(`FAIL: ${doubles} double claim(s): an account was held by two claims at once`);
if (limited > 0) console.error(`FAIL: ${limited} request(s) answered 429: an account's rate budget was exceeded`);
process.exit(failed || doubles > 0 || limited > 0 ? 1 : 0);
