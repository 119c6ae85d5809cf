/**
 * What bench:accounts samples every second during a run: each worker process (/proc: memory, CPU, its
 * TCP connections to PostgreSQL) and the PostgreSQL server processes serving the run's database (their
 * count, and their CPU from /proc, as the server runs on this machine).
 */
import { backendsNow, type BenchDatabase } from './accounts-database.ts';
import { sampleProcess, type ProcSample } from './accounts-processes.ts';

export interface Sampled {
  /** The last sample of each worker (VmHWM and CPU are cumulative, so the last is the figure). */
  workers: Array<ProcSample | undefined>;
  /** Each worker's most connections to PostgreSQL at once. */
  workerPeakConnections: number[];
  /** Most connections to the run's database at once (all workers). */
  peakConnections: number;
  /** CPU seconds of the server processes of the run's database, each counted until last seen. */
  databaseCpuSeconds: number;
}

export function startSampling(pids: readonly number[], db: BenchDatabase): { sample(): Promise<void>; result(): Sampled } {
  const dbPort = Number(new URL(db.url).port || 5432);
  const workers: Array<ProcSample | undefined> = pids.map(() => undefined);
  const workerPeakConnections = pids.map(() => 0);
  let peakConnections = 0;
  const backendCpu = new Map<number, number>();
  return {
    async sample() {
      pids.forEach((pid, i) => {
        const s = sampleProcess(pid, dbPort);
        if (!s) return;
        workers[i] = s;
        workerPeakConnections[i] = Math.max(workerPeakConnections[i]!, s.dbConnections);
      });
      const backends = await backendsNow(db).catch(() => []);
      peakConnections = Math.max(peakConnections, backends.length);
      for (const pid of backends) {
        // All of a backend's CPU counts: the connections to the run's database are opened by its workers.
        const cpu = sampleProcess(pid, dbPort)?.cpuSeconds;
        if (cpu !== undefined) backendCpu.set(pid, cpu);
      }
    },
    result: () => ({
      workers, workerPeakConnections, peakConnections,
      databaseCpuSeconds: [...backendCpu.values()].reduce((n, cpu) => n + cpu, 0),
    }),
  };
}
