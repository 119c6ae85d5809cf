/**
 * bench:accounts' output: one table with a column per run, then how throughput grows with workers and
 * what the figures say limits it.
 */
import { cpus } from 'node:os';
import { DEFAULT_LIMITS, type RateGroup } from '../src/simulator/index.ts';
import { seconds, table, type Bounded } from './accounts-figures.ts';
import type { RunFigures } from './accounts-run.ts';

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const pct = (cpuSeconds: number, wallSeconds: number) => `${Math.round((cpuSeconds / wallSeconds) * 100)}%`;
const pair = (a: Bounded | undefined, b: Bounded | undefined) => `${seconds(a)} / ${seconds(b)}`;
const each = (r: RunFigures, f: (w: RunFigures['perWorker'][number]) => string) => r.perWorker.map(f).join(' ');
const GROUPS: RateGroup[] = ['Heavy', 'Medium', 'Light', 'Auth'];
/** CPU of the run's own processes: workers, the PostgreSQL backends of its database, the fleet. */
const ours = (r: RunFigures) => r.perWorker.reduce((n, w) => n + w.cpuSeconds, 0) + r.databaseCpuSeconds + r.fleetCpuSeconds;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

export function printFigures(runs: RunFigures[], o: { fleet: { accounts: number } }): void {
  const accounts = o.fleet.accounts;
  const rows: Array<[string, ...string[]]> = [
    ['load average 1/5/15 min, at start', ...runs.map((r) => load(r.loadStart))],
    ['load average 1/5/15 min, at end', ...runs.map((r) => load(r.loadEnd))],
    ['passes completed / min (measured window)', ...runs.map((r) => r.throughput.passesPerMinute.toFixed(1))],
    ['  passes that did not succeed', ...runs.map((r) => String(r.throughput.failedPasses))],
    ['first sweep (all due at once): accounts/min', ...runs.map((r) => r.throughput.firstSweepPerMinute.toFixed(1))],
    ['  machine\'s cores busy meanwhile (all processes)', ...runs.map((r) => r.firstSweepMachineBusy === undefined ? '–' : `${Math.round(r.firstSweepMachineBusy * 100)}%`)],
    ['  an account\'s first pass took, p50', ...runs.map((r) => seconds(r.throughput.firstPassP50))],
    ['accounts first synced (of ' + accounts + ')', ...runs.map((r) => String(r.throughput.firstSyncs))],
    ['  half of them by / all by', ...runs.map((r) => `${seconds(r.throughput.firstSyncP50)} / ${seconds(r.throughput.allSyncedAt)}`)],
    ['then account-minutes that had a pass (of min)', ...runs.map((r) => r.scheduleKept.kept === undefined ? '–' : `${(r.scheduleKept.kept * 100).toFixed(1)}% (${r.scheduleKept.minutes})`)],
    ['visible → final, over calls: p50 / p99', ...runs.map((r) => pair(r.calls.p50, r.calls.p99))],
    ['  calls visible after the first sweep', ...runs.map((r) => pair(r.calls.steadyP50, r.calls.steadyP99))],
    ['  calls visible in window / final by stop', ...runs.map((r) => `${r.calls.visible} / ${r.calls.final}`)],
    ['  not final at stop, why', ...runs.map((r) => r.notFinal.map(([why, n]) => `${n} ${why}`).join(', ') || '–')],
    ['per account p50: median / p99 account', ...runs.map((r) => pair(r.accounts.p50.p50, r.accounts.p50.p99))],
    ['per account p99: median / p99 account', ...runs.map((r) => pair(r.accounts.p99.p50, r.accounts.p99.p99))],
    ['double claims', ...runs.map((r) => String(r.doubleClaims.length))],
    ['429s (rate-limited requests)', ...runs.map((r) => `${r.status429} (${r.rateLimited})`)],
    ['pass duration p50 / p99', ...runs.map((r) => `${seconds(r.passes.p50)} / ${seconds(r.passes.p99)}`)],
    ['passes under way, mean (of slots)', ...runs.map((r) => `${r.passes.inFlight.toFixed(1)}${r.slots ? ` (of ${r.slots})` : ''}`)],
    ['busiest account req/min H/M/L/Auth', ...runs.map((r) => GROUPS.map((g) => r.busiestPerMinute[g].toFixed(1)).join('/'))],
    [`  (limits ${GROUPS.map((g) => DEFAULT_LIMITS[g].limit).join('/')} a minute)`, ...runs.map(() => '')],
    ['peak RSS per worker (VmHWM)', ...runs.map((r) => each(r, (w) => mb(w.peakRss)))],
    ['CPU per worker (% of one core)', ...runs.map((r) => each(r, (w) => pct(w.cpuSeconds, r.wallSeconds)))],
    ['DB connections per worker, peak', ...runs.map((r) => each(r, (w) => String(w.peakDbConnections)))],
    ['DB connections, all workers, peak', ...runs.map((r) => String(r.peakDbConnections))],
    ['PostgreSQL statements running / lock-waiting', ...runs.map((r) => `${r.databaseActive.toFixed(1)} / ${r.databaseLockWaits.toFixed(1)}`)],
    ['PostgreSQL backends CPU (% of one core)', ...runs.map((r) => pct(r.databaseCpuSeconds, r.wallSeconds))],
    ['simulator fleet CPU (% of one core)', ...runs.map((r) => pct(r.fleetCpuSeconds, r.wallSeconds))],
    ['machine CPU, all processes (% of one core)', ...runs.map((r) => pct(r.machineCpuSeconds, r.wallSeconds))],
    ['  of which outside this bench\'s processes', ...runs.map((r) => pct(Math.max(0, r.machineCpuSeconds - ours(r)), r.wallSeconds))],
    ['lines the workers logged (warn and above)', ...runs.map((r) => String(r.workerLogLines))],
    ['workers stopped within 30 s of SIGTERM', ...runs.map((r) => r.perWorker.every((w) => w.exitedCleanly) ? 'yes' : 'NO')],
  ];
  console.log(table(['', ...runs.map((r) => `${r.workers} worker${r.workers === 1 ? '' : 's'}`)], rows));
  console.log('\n"≥": a lower bound (some calls were not final when the workers stopped). Final = call_dispositions.final, at its updated_at;');
  console.log('visible = when the simulator made the call\'s first record visible in the call log (its own timing, Simulator.visibility()).');
  for (const r of runs) if (r.logDir) console.log(`${r.workers} worker(s): their logs are in ${r.logDir}`);

  const ceiling = accounts; // schedule "* * * * *": each account is due once a minute
  const growth = (f: (r: RunFigures) => number) => runs.map((r) => `${f(r).toFixed(1)} (×${(f(r) / f(runs[0]!)).toFixed(2)})`).join(' → ');
  console.log(`\nworkers ${runs.map((r) => r.workers).join(' → ')}: first sweep ${growth((r) => r.throughput.firstSweepPerMinute)} accounts/min;`
    + ` passes in the window ${growth((r) => r.throughput.passesPerMinute)}/min; the schedule asks for ${ceiling}/min once every account is synced`);
  for (const r of runs) console.log(`  ${r.workers} worker(s) limited by ${limitOf(r, ceiling)}`);
  for (const r of runs) {
    const first = r.throughput.firstPassP50;
    const busy = r.firstSweepMachineBusy;
    const slots = r.slots && first ? `: ${r.slots} slots / ${seconds(first)} a first pass allow ~${((r.slots * 60_000) / first).toFixed(0)} accounts/min` : ` (a first pass took ${seconds(first)})`;
    const cpuBound = busy === undefined ? '' : `; the machine's cores were ${Math.round(busy * 100)}% busy meanwhile${busy >= 0.85 ? ': CPU-bound' : ''}`;
    console.log(`  ${r.workers} worker(s), first sweep${slots}; it ran at ${r.throughput.firstSweepPerMinute.toFixed(0)}${cpuBound}`);
  }
}

/** What the run's figures say bounded its throughput: every finding that applies, most decisive first. */
function limitOf(r: RunFigures, ceiling: number): string {
  const cores = cpus().length;
  const share = (cpuSeconds: number) => Math.round((cpuSeconds / r.wallSeconds) * 100);
  const workerCpu = r.perWorker.reduce((n, w) => n + w.cpuSeconds, 0);
  const busiest = Math.max(...r.perWorker.map((w) => w.cpuSeconds)) / r.wallSeconds;
  const findings: string[] = [];
  const kept = r.scheduleKept.kept;
  if (kept !== undefined && kept >= 0.95) findings.push(`the schedule once every account was synced: ${(kept * 100).toFixed(1)}% of account-minutes had their pass (${ceiling} due a minute), so more workers cannot add passes`);
  if (r.slots && r.passes.inFlight >= 0.8 * r.slots) findings.push(`the workers' pass slots: ${r.passes.inFlight.toFixed(1)} of ${r.slots} busy on average, a pass taking ${seconds(r.passes.p50)} (p50)`);
  if (busiest >= 0.85) findings.push(`a worker's event loop: the busiest used ${Math.round(busiest * 100)}% of a core`);
  const others = Math.max(0, r.machineCpuSeconds - ours(r));
  if (r.machineCpuSeconds / r.wallSeconds >= 0.8 * cores) findings.push(`the machine's CPU: ${share(r.machineCpuSeconds)}% of a core busy on ${cores} cores, ${share(others)}% of it by processes outside this bench (load ${r.loadEnd[0]!.toFixed(2)})`);
  const budget = GROUPS.filter((g) => r.busiestPerMinute[g] >= 0.8 * DEFAULT_LIMITS[g].limit);
  if (r.databaseLockWaits >= 1) findings.push(`PostgreSQL locks: ${r.databaseLockWaits.toFixed(1)} statements waiting on a lock on average`);
  if (budget.length > 0) findings.push(`the per-account rate budget (${budget.join(', ')} near its limit)`);
  if (findings.length === 0) findings.push('nothing saturated: neither the schedule, the slots, CPU nor the rate budget');
  return `${findings.join('; ')}. [workers ${share(workerCpu)}% of a core together, PostgreSQL ${share(r.databaseCpuSeconds)}%, fleet ${share(r.fleetCpuSeconds)}%]`;
}
