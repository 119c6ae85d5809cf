import type { Command } from 'commander';
import pino from 'pino';
import pretty from 'pino-pretty';
import { loadConfig, type Config } from '../../config.ts';
import { formatReport } from '../../doctor/format.ts';
import { runDoctor } from '../../doctor/run.ts';
import type { DoctorReport, DoctorTarget } from '../../doctor/types.ts';
import { createLogger, type Logger } from '../../logger.ts';
import { withConnections } from '../../main.ts';
import { RingCentralClient, type RetryPolicy } from '../../ringcentral/client.ts';
import { ringCentralApi } from '../../ringcentral/endpoints.ts';
import { RateBudget } from '../../ringcentral/rate-budget.ts';
import type { SimulatorOptions } from '../../simulator/index.ts';
import { sharedAuthSession } from '../../store/auth-sessions.ts';
import type { Database } from '../../store/db.ts';
import { action } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/**
 * A diagnosis should answer within a minute: a few quick retries of a 5xx instead of the sync's patient
 * backoff, and one wait of Retry-After at most when another process has spent the budget.
 */
const DOCTOR_RETRY: RetryPolicy = { retries: 2, minTimeoutMs: 1_000, maxTimeoutMs: 4_000 };
const DOCTOR_REQUEST_TIMEOUT_MS = 30_000;

export interface DoctorOptions {
  logger: Logger;
  retry?: RetryPolicy;
  /** An already open database owned by the caller (tests); default the configured one. */
  database?: Database;
  /** Simulator settings for demo mode; default what `callsync sync` uses. */
  demo?: SimulatorOptions;
  signal?: AbortSignal;
}

/**
 * What the checks run against, built the way createApp builds a sync's (same database, same credential key,
 * so the session stored there is the one every callsync process shares), but without its account request:
 * whether the credentials work at all is the first thing the doctor reports.
 */
export async function openDoctorTarget(config: Config, options: DoctorOptions): Promise<{ target: DoctorTarget; close(): Promise<void> }> {
  return withConnections(config, options, async ({ database, credentials, credentialKey: key, keyring, close }) => {
    const budget = new RateBudget();
    const client = new RingCentralClient({
      credentials,
      budget,
      logger: options.logger.child({ component: 'ringcentral' }),
      session: sharedAuthSession(database, key, { keyring, logger: options.logger }),
      retry: options.retry ?? DOCTOR_RETRY,
      requestTimeoutMs: DOCTOR_REQUEST_TIMEOUT_MS,
      maxRateLimitRetries: 1,
    });
    return {
      target: {
        api: ringCentralApi(client),
        grant: () => client.grant(),
        announced: () => budget.announced(),
        database,
        credentialKey: key,
        keyring,
        serverUrl: credentials.serverUrl,
        fastPath: config.sync.fastPath,
        demo: !config.ringcentral,
      },
      close,
    };
  });
}

/** Opens the target, runs every check, closes it. */
export async function doctor(config: Config, options: DoctorOptions): Promise<DoctorReport> {
  const { target, close } = await openDoctorTarget(config, options);
  try {
    return await runDoctor(target, { signal: options.signal });
  } finally {
    await close();
  }
}

/** 0 when nothing failed (warnings allowed), 1 when a check failed. */
export function doctorExitCode(report: DoctorReport): number {
  return report.ok ? ExitCode.ok : ExitCode.syncFailed;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the RingCentral account, app and user against what callsync needs; print what holds and what to fix (non-zero if something is missing)')
    .option('--json', 'print the report as JSON')
    .action(action(async (flags: { json?: boolean }) => {
      const config = loadConfig();
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGTERM', stop).once('SIGINT', stop);
      const report = await doctor(config, { logger: doctorLogger(config), signal: controller.signal });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      return doctorExitCode(report);
    }));
}

/**
 * Logs go to stderr, so stdout holds only the report (and --json stays parseable); at the default level
 * only warnings, since the report already says what info lines would (a login, the demo simulator).
 */
function doctorLogger(config: Config): Logger {
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  const destination = process.stderr.isTTY
    ? pretty({ colorize: true, sync: true, destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
    : pino.destination({ dest: 2, sync: true });
  return createLogger(level, destination);
}
