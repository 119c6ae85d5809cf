import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { createEmptyPostgresDatabase, dropPostgresDatabase, testServerUrl } from './database.ts';
import { simulatorEnv } from './harness.ts';

const CLI = path.resolve('src/cli/index.ts');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A simulator and a database (its own Postgres database, or a PGlite data directory) for `callsync` child processes that get killed. */
export interface CrashRig {
  sim: Simulator;
  /**
   * Runs `callsync <args>` in a child process; with `killAfterHeavy`, SIGKILLs it once the simulator has
   * served that many more Heavy requests (a kill during a request, between the response and the commit,
   * or inside the page transaction).
   */
  run(args: string[], killAfterHeavy?: number): Promise<CliRun>;
  /** The database the child processes write (close it before the next run on PGlite). */
  open(): Promise<Database>;
  close(): Promise<void>;
}

export async function startCrashRig(simOptions: SimulatorOptions, env: Record<string, string>): Promise<CrashRig> {
  const sim = await startSimulator({ rateLimits: false, ...simOptions });
  const dbUrl = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
  const dataDir = dbUrl ? undefined : mkdtempSync(path.join(tmpdir(), 'callsync-crash-'));
  const childEnv = {
    ...process.env as Record<string, string>,
    ...simulatorEnv(sim),
    LOG_LEVEL: 'error',
    ...env,
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { CALLSYNC_DATA_DIR: dataDir! }),
  };
  return {
    sim,
    run(args, killAfterHeavy) {
      const startHeavy = sim.stats().requests.Heavy;
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      let timer: NodeJS.Timeout | undefined;
      if (killAfterHeavy !== undefined) {
        timer = setInterval(() => {
          if (sim.stats().requests.Heavy - startHeavy >= killAfterHeavy) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 2);
      }
      return new Promise((resolve) =>
        child.on('close', (code, signal) => {
          clearInterval(timer);
          resolve({ code, signal, stderr });
        }),
      );
    },
    open: () => openDatabase({ url: dbUrl, dataDir: dataDir ? path.join(dataDir, 'pgdata') : undefined }),
    async close() {
      await sim.close();
      if (dbUrl) await dropPostgresDatabase(dbUrl);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
