import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { createEmptyPostgresDatabase, dropPostgresDatabase, testServerUrl } from './database.ts';
import { simulatorEnv } from './harness.ts';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const CLI_SOURCE = path.resolve('src/cli/index.ts');

/**
 * Node's arguments for `callsync <args>` run from the sources through tsx. Not bin/callsync.js, which runs the
 * compiled dist/: a stale build must never hide a change to src/ (test/cli/build.int.test.ts tests the build).
 */
export function sourceCliArgs(args: string[]): string[] {
  return ['--import', 'tsx', CLI_SOURCE, ...args];
}

/**
 * Runs `callsync <args>` from the sources in a child process, with exactly `env` as its environment.
 * Asynchronous, because the simulator it talks to lives in this process. Each run starts Node and tsx
 * (seconds on a busy machine): keep one per command wiring and run the rest in process.
 */
export function spawnCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, sourceCliArgs(args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs a command's action in this process, as `callsync <args>` would with exactly `env` as its environment:
 * a fresh commander program with only the commands `register` adds, process.env swapped for `env`, and
 * what the action writes to stdout/stderr and sets as process.exitCode captured (and restored afterwards).
 * Commander's own usage errors throw instead of exiting. Not concurrency-safe: await each run.
 */
export async function runCommandInProcess(register: (program: Command) => void, args: string[], env: Record<string, string>): Promise<CliResult> {
  const program = new Command().name('callsync').exitOverride();
  register(program);
  const saved = { env: process.env, exitCode: process.exitCode, out: process.stdout.write, err: process.stderr.write };
  let stdout = '';
  let stderr = '';
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  process.env = { ...env };
  process.exitCode = undefined;
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  try {
    await program.parseAsync(args, { from: 'user' });
    const status = process.exitCode ?? 0;
    return { status: typeof status === 'number' ? status : Number(status), stdout, stderr };
  } finally {
    process.env = saved.env;
    process.exitCode = saved.exitCode;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}

/** A simulator and a database for `callsync` child processes: a data directory for PGlite, or a fresh Postgres database. */
export interface CliRig {
  sim: Simulator;
  /** The whole environment of a child process (nothing else of this process's leaks in but PATH and HOME). */
  env: Record<string, string>;
  /** The Postgres database the children use, when the suite runs on Postgres. */
  dbUrl: string | undefined;
  close(): Promise<void>;
}

export async function startCliRig(simOptions: SimulatorOptions, extraEnv: Record<string, string>): Promise<CliRig> {
  const sim = await startSimulator({ rateLimits: false, ...simOptions });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-cli-'));
  const dbUrl = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
  const env = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? '/tmp',
    CALLSYNC_DATA_DIR: dataDir,
    ...simulatorEnv(sim),
    ...extraEnv,
    ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
  };
  return {
    sim, env, dbUrl,
    async close() {
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (dbUrl) await dropPostgresDatabase(dbUrl);
    },
  };
}
