import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../errors.ts';

/** The lock file in an embedded database's directory, naming the process that has it open. */
export const LOCK_FILE = 'callsync.lock';

/**
 * Takes the embedded database's directory for this process, or throws a SetupError naming the process that
 * has it. PGlite keeps no lock of its own: a second process opening the same files (`callsync status` beside
 * `npm start`, say) reads stale pages and writes over the first one's, silently. A lock left by a process
 * that is gone (killed, crashed) is taken over. Returns the release, which is also run at exit.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.resolve(dataDir, LOCK_FILE);
  // A lock naming this process's own pid is a previous life's (a container's pid 1 restarted): taken over,
  // unless this process really has the directory open already.
  if (heldHere.has(file)) throw new SetupError(`the embedded database in ${dataDir} is already open in this process`, ['CALLSYNC_DATA_DIR']);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n${process.argv.slice(2).join(' ')}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockProblem(error, file, dataDir);
      const holder = holderOf(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        const what = holder.command ? ` (callsync ${holder.command})` : '';
        throw new SetupError(
          `the embedded database in ${dataDir} is in use by another process, pid ${holder.pid}${what}: stop it first, `
            + `or use PostgreSQL (DATABASE_URL) to run several callsync processes on one database (if that process is not callsync, delete ${file})`,
          ['CALLSYNC_DATA_DIR', 'DATABASE_URL'],
        );
      }
      // Gone: its lock is stale. Removed and taken again once; a second EEXIST means a live race, refused.
      unlinkSync(file);
    }
  }
  heldHere.add(file);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    process.off('exit', release);
    try {
      unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', release);
  return release;
}

/** Lock files this process holds. */
const heldHere = new Set<string>();

function holderOf(file: string): { pid: number; command: string } | undefined {
  try {
    const [pid, command] = readFileSync(file, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, command: command?.trim() ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockProblem(error: unknown, file: string, dataDir: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return new SetupError(`another process took the embedded database in ${dataDir} at the same moment: try again`, ['CALLSYNC_DATA_DIR'], { cause: error });
  return new SetupError(`cannot write ${file} (${code ?? String(error)}): make CALLSYNC_DATA_DIR a writable directory`, ['CALLSYNC_DATA_DIR'], { cause: error });
}
