/**
 * The child processes of bench:accounts: every one is tracked so that an error, Ctrl-C or SIGTERM never
 * leaves a worker or the fleet behind; and what /proc says about each (memory, CPU, its connections to
 * PostgreSQL), read by the bench without the process' cooperation.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Each tracked child and whether it is stopped last (the fleet: workers still calling it would only log errors). */
const children = new Map<ChildProcess, { name: string; last: boolean }>();
let interrupted = false;

/** Whether Ctrl-C or SIGTERM is stopping the bench (then the cleanup handler, not the bench, exits). */
export const isInterrupted = () => interrupted;

/** Tracks a child until it exits. */
export function track(child: ChildProcess, name: string, options: { last?: boolean } = {}): void {
  children.set(child, { name, last: options.last ?? false });
  child.once('exit', () => children.delete(child));
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** SIGTERM, then SIGKILL when it has not exited within `graceMs`. True when it exited on its own. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<boolean> {
  if (!running(child)) return true;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  return child.signalCode !== 'SIGKILL';
}

/**
 * On Ctrl-C or SIGTERM: `cleanup` (drop the run's database), stop every child, exit 130. On any exit,
 * SIGKILL whatever is still running (an exception skipped the orderly stop).
 */
export function installCleanup(cleanup: () => Promise<void>): void {
  const onSignal = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping ${children.size} child process(es) and dropping the run's database…`);
    const hard = setTimeout(() => process.exit(130), 20_000);
    hard.unref();
    const stopAll = (last: boolean) => Promise.allSettled([...children].filter(([, c]) => c.last === last).map(([child]) => stopChild(child, 5_000)));
    void stopAll(false)
      .then(() => stopAll(true))
      .then(() => cleanup())
      .catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT')).once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('exit', () => {
    for (const child of children.keys()) if (running(child)) child.kill('SIGKILL');
  });
}

export interface ProcSample {
  /** Resident now and its high-water mark (VmRSS, VmHWM), bytes. */
  rss: number;
  peakRss: number;
  /** User + system CPU since the process started, seconds. */
  cpuSeconds: number;
  /** Its established TCP connections to `dbPort`. */
  dbConnections: number;
}

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const USER_HZ = 100;

/** One look at a process in /proc; undefined once it is gone. */
export function sampleProcess(pid: number, dbPort: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    // Fields after the command name (which may hold spaces or parentheses): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / USER_HZ;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM'), cpuSeconds, dbConnections: dbConnectionsOf(pid, dbPort) };
  } catch {
    return undefined;
  }
}

/** Sockets the process holds (by inode) that are established TCP connections to port `dbPort`. */
function dbConnectionsOf(pid: number, dbPort: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed between the listing and the read
    }
  }
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st … inode (10th column); st 01 = ESTABLISHED.
      if (cols.length < 10 || cols[3] !== '01') continue;
      const remotePort = parseInt(cols[2]!.split(':')[1]!, 16);
      if (remotePort === dbPort && inodes.has(cols[9]!)) count++;
    }
  }
  return count;
}

/** CPU seconds every process on the machine has used since boot (all cores; /proc/stat, idle and iowait excluded). */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const busy = ticks.slice(0, 8).reduce((n, t, i) => (i === 3 || i === 4 ? n : n + t), 0);
  return busy / USER_HZ;
}
