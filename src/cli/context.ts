import pino from 'pino';
import { ConfigError, loadConfig, type AccountSource, type Config } from '../config.ts';
import { openConfiguredDatabase } from '../main.ts';
import type { Database } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { StreamLockedError, UsageError, describeError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { TerminalConsole } from './console.ts';
import { ExitCode } from './exit-codes.ts';

/**
 * Config and logger for a command. On a terminal the logs go through the console (pretty, one line each,
 * stream-run details summed up unless LOG_LEVEL is debug or trace, never written into a progress bar);
 * otherwise they are JSON lines for log collectors, every record kept.
 */
export function commandContext(options: { accounts?: AccountSource } = {}): { config: Config; logger: Logger; terminal: TerminalConsole | undefined } {
  const config = loadConfig(process.env, options);
  const terminal = process.stdout.isTTY ? new TerminalConsole(process.stdout, { detail: isDetailLevel(config.logLevel) }) : undefined;
  const destination = terminal ? terminal.destination : pino.destination({ dest: 1, sync: true });
  return { config, logger: createLogger(config.logLevel, destination), terminal };
}

/** Levels at which a terminal shows every record of a stream run, not just the summary. */
export function isDetailLevel(level: string): boolean {
  return level === 'debug' || level === 'trace';
}

/** Whether a summary line (a pass, a backfill's result) is wanted at this level: info or more verbose. */
export function showsSummaries(level: string): boolean {
  return level === 'info' || isDetailLevel(level);
}

/** Runs a command action, turning known failures into one clear line and the right exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      process.exitCode = (await fn(...args)) ?? ExitCode.ok;
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`callsync: configuration error\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
        process.exitCode = ExitCode.usage;
      } else if (error instanceof UsageError) {
        process.stderr.write(`callsync: ${error.message}\n`);
        process.exitCode = ExitCode.usage;
      } else if (error instanceof StreamLockedError) {
        process.stderr.write(`callsync: ${error.message}\n`);
        process.exitCode = ExitCode.locked;
      } else {
        process.stderr.write(`callsync: ${describeError(error)}\n`);
        process.exitCode = ExitCode.syncFailed;
      }
    }
  };
}

/** Parses a --from/--to value: an ISO date or date-time; names the flag when it is not one. */
export function parseDateFlag(flag: string, value: string): Date {
  const trimmed = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? Date.parse(`${trimmed}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be a date like 2026-11-01 or 2026-11-01T08:00:00Z (got "${value}")`);
  return new Date(ms);
}

/** Parses an integer flag within bounds, naming the flag when it is not one. */
export function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

/** Opens the configured database, applies pending migrations, runs `fn`, and always closes it. */
export async function withDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(config);
  try {
    await migrate(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}
