/**
 * What bench:accounts samples every second during a run: each worker process (/proc: memory, CPU, its
 * TCP connections to PostgreSQL) and the PostgreSQL server processes serving the run's database (their
 * count, and their CPU from /proc, as the server runs on this machine).
 */
import { cpus } from 'node:os';
import { backendsNow, type BenchDatabase } from './accounts-database.ts';
import { machineBusySeconds, sampleProcess, type ProcSample } from './accounts-processes.ts';

export interface Sampled {
  /** The last sample of each worker (VmHWM and CPU are cumulative, so the last is the figure). */
  workers: Array<ProcSample | undefined>;
  /** Each worker's most connections to PostgreSQL at once. */
  workerPeakConnections: number[];
  /** Most connections to the run's database at once (all workers). */
  peakConnections: number;
  /** CPU seconds of the server processes of the run's database, each counted until last seen. */
  databaseCpuSeconds: number;
  /** Mean over the samples of its backends running a statement, and of those waiting on a lock. */
  meanActive: number;
  meanLockWaits: number;
  /** Share of the machine's cores busy (all processes) between two instants, from the samples (undefined: too few). */
  machineBusyShare(from: number, to: number): number | undefined;
}

export function startSampling(pids: readonly number[], db: BenchDatabase): { sample(): Promise<void>; result(): Sampled } {
  const dbPort = Number(new URL(db.url).port || 5432);
  const workers: Array<ProcSample | undefined> = pids.map(() => undefined);
  const workerPeakConnections = pids.map(() => 0);
  let peakConnections = 0;
  const totals = { samples: 0, active: 0, lockWaits: 0 };
  const machine: Array<{ at: number; busy: number }> = [{ at: Date.now(), busy: machineBusySeconds() }];
  const backendCpu = new Map<number, number>();
  return {
    async sample() {
      machine.push({ at: Date.now(), busy: machineBusySeconds() });
      pids.forEach((pid, i) => {
        const s = sampleProcess(pid, dbPort);
        if (!s) return;
        workers[i] = s;
        workerPeakConnections[i] = Math.max(workerPeakConnections[i]!, s.dbConnections);
      });
      const backends = await backendsNow(db).catch(() => []);
      peakConnections = Math.max(peakConnections, backends.length);
      totals.samples++;
      totals.active += backends.filter((b) => b.active).length;
      totals.lockWaits += backends.filter((b) => b.lockWait).length;
      for (const { pid } of backends) {
        // All of a backend's CPU counts: the connections to the run's database are opened by its workers.
        const cpu = sampleProcess(pid, dbPort)?.cpuSeconds;
        if (cpu !== undefined) backendCpu.set(pid, cpu);
      }
    },
    result: () => ({
      workers, workerPeakConnections, peakConnections,
      databaseCpuSeconds: [...backendCpu.values()].reduce((n, cpu) => n + cpu, 0),
      meanActive: totals.active / Math.max(1, totals.samples),
      meanLockWaits: totals.lockWaits / Math.max(1, totals.samples),
      machineBusyShare(from, to) {
        const a = machine.find((m) => m.at >= from);
        const b = machine.findLast((m) => m.at <= to);
        return a && b && b.at - a.at >= 2_000 ? (b.busy - a.busy) / ((b.at - a.at) / 1000) / cpus().length : undefined;
      },
    }),
  };
}
