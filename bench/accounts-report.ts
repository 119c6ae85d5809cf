/**
 * bench:accounts' output: one table with a column per run, then how throughput grows with workers and
 * what the figures say limits it.
 */
import { cpus } from 'node:os';
import { seconds, table, type Bounded } from './accounts-figures.ts';
import type { RunFigures } from './accounts-run.ts';

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const pct = (cpuSeconds: number, wallSeconds: number) => `${Math.round((cpuSeconds / wallSeconds) * 100)}%`;
const pair = (a: Bounded | undefined, b: Bounded | undefined) => `${seconds(a)} / ${seconds(b)}`;
const each = (r: RunFigures, f: (w: RunFigures['perWorker'][number]) => string) => r.perWorker.map(f).join(' ');
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

export function printFigures(runs: RunFigures[], o: { fleet: { accounts: number }; measureMs: number }): void {
  const accounts = o.fleet.accounts;
  const rows: Array<[string, ...string[]]> = [
    ['load average 1/5/15 min, at start', ...runs.map((r) => load(r.loadStart))],
    ['load average 1/5/15 min, at end', ...runs.map((r) => load(r.loadEnd))],
    ['passes completed / min (measured window)', ...runs.map((r) => r.throughput.passesPerMinute.toFixed(1))],
    ['  after every account\'s first sync', ...runs.map((r) => r.throughput.steadyPerMinute?.toFixed(1) ?? '–')],
    ['  passes that did not succeed', ...runs.map((r) => String(r.throughput.failedPasses))],
    ['accounts first synced (of ' + accounts + ')', ...runs.map((r) => String(r.throughput.firstSyncs))],
    ['  half of them by / all by', ...runs.map((r) => `${seconds(r.throughput.firstSyncP50)} / ${seconds(r.throughput.allSyncedAt)}`)],
    ['visible → final, over calls: p50 / p99', ...runs.map((r) => pair(r.calls.p50, r.calls.p99))],
    ['  calls visible after the first sweep', ...runs.map((r) => pair(r.calls.steadyP50, r.calls.steadyP99))],
    ['  calls visible in window / final by stop', ...runs.map((r) => `${r.calls.visible} / ${r.calls.final}`)],
    ['per account p50: median / p99 account', ...runs.map((r) => pair(r.accounts.p50.p50, r.accounts.p50.p99))],
    ['per account p99: median / p99 account', ...runs.map((r) => pair(r.accounts.p99.p50, r.accounts.p99.p99))],
    ['double claims', ...runs.map((r) => String(r.doubleClaims.length))],
    ['429s (rate-limited requests)', ...runs.map((r) => `${r.status429} (${r.rateLimited})`)],
    ['busiest account, Heavy req/min (limit 10)', ...runs.map((r) => r.heaviestPerMinute.toFixed(1))],
    ['peak RSS per worker (VmHWM)', ...runs.map((r) => each(r, (w) => mb(w.peakRss)))],
    ['CPU per worker (% of one core)', ...runs.map((r) => each(r, (w) => pct(w.cpuSeconds, r.wallSeconds)))],
    ['DB connections per worker, peak', ...runs.map((r) => each(r, (w) => String(w.peakDbConnections)))],
    ['DB connections, all workers, peak', ...runs.map((r) => String(r.peakDbConnections))],
    ['simulator fleet CPU (% of one core)', ...runs.map((r) => pct(r.fleetCpuSeconds, r.wallSeconds))],
    ['workers stopped within 30 s of SIGTERM', ...runs.map((r) => r.perWorker.every((w) => w.exitedCleanly) ? 'yes' : 'NO')],
  ];
  console.log(table(['', ...runs.map((r) => `${r.workers} worker${r.workers === 1 ? '' : 's'}`)], rows));
  console.log('\n"≥": a lower bound (some calls were not final when the workers stopped). Final = call_dispositions.final, at its updated_at;');
  console.log('visible = when the simulator made the call\'s first record visible in the call log (its own timing, Simulator.visibility()).');

  const ceiling = accounts; // schedule "* * * * *": each account is due once a minute
  const base = runs[0]!.throughput.steadyPerMinute ?? runs[0]!.throughput.passesPerMinute;
  const rate = (r: RunFigures) => r.throughput.steadyPerMinute ?? r.throughput.passesPerMinute;
  console.log(`\nthroughput ${runs.map((r) => `${r.workers} worker${r.workers === 1 ? '' : 's'}: ${rate(r).toFixed(1)}/min (×${(rate(r) / base).toFixed(2)})`).join(' → ')}; the schedule allows at most ${ceiling} passes/min`);
  for (const r of runs) console.log(`  ${r.workers} worker(s): ${limitOf(r, ceiling)}`);
}

/** What the run's figures say bounded its throughput. */
function limitOf(r: RunFigures, ceiling: number): string {
  const cores = cpus().length;
  const workerCpu = r.perWorker.reduce((n, w) => n + w.cpuSeconds, 0) / r.wallSeconds;
  const busiest = Math.max(...r.perWorker.map((w) => w.cpuSeconds)) / r.wallSeconds;
  const facts = `workers ${Math.round(workerCpu * 100)}% of a core together (busiest ${Math.round(busiest * 100)}%), fleet ${pct(r.fleetCpuSeconds, r.wallSeconds)}, load ${r.loadEnd[0]!.toFixed(2)} on ${cores} cores`;
  const rate = r.throughput.steadyPerMinute ?? r.throughput.passesPerMinute;
  if (r.throughput.steadyPerMinute !== undefined && rate >= 0.9 * ceiling) return `kept pace with the schedule (${rate.toFixed(0)} of ${ceiling}/min): the schedule limits it, not the workers (${facts})`;
  if (r.loadEnd[0]! >= cores * 0.9) return `the machine's CPU: load ${r.loadEnd[0]!.toFixed(2)} on ${cores} cores (${facts})`;
  if (busiest >= 0.85) return `a worker's one CPU core (its event loop) (${facts})`;
  if (r.heaviestPerMinute >= 8) return `the per-account rate budget (busiest account ${r.heaviestPerMinute.toFixed(1)} Heavy req/min of 10) (${facts})`;
  return `neither CPU nor rate budget is saturated: waiting on the database or the simulators, or on the claim loop itself (${facts})`;
}
