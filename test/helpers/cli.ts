import { spawn } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const BIN = path.resolve('bin/callsync.js');

/**
 * Runs `callsync <args>` through bin/callsync.js in a child process, with exactly `env` as its environment.
 * Asynchronous, because the simulator it talks to lives in this process. Each run starts Node and tsx
 * (seconds on a busy machine): keep one per command wiring and run the rest in process.
 */
export function spawnCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
