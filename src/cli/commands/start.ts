import type { Command } from 'commander';
import cron from 'node-cron';
import { startApiServer } from '../../api/server.ts';
import type { Logger } from '../../logger.ts';
import { createApp, syncAll, type App } from '../../main.ts';
import { createMetrics } from '../../metrics/metrics.ts';
import { createApiKey } from '../../store/api-keys.ts';
import type { RunResult } from '../../sync/runner.ts';
import type { TerminalConsole } from '../console.ts';
import { action, commandContext, showsSummaries } from '../context.ts';
import { formatPassLine } from '../pass-line.ts';
import { formatRun } from './sync.ts';

export interface PassReporting {
  logger: Logger;
  /** The terminal, when stdout is one: the pass is then one line there. */
  terminal?: TerminalConsole | undefined;
  /** Whether summary lines are wanted (LOG_LEVEL info or more verbose). */
  summaries: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * One sync pass, reported: on a terminal as one line (problems show as their own warning and error lines),
 * otherwise as one log record per stream run for log collectors.
 */
export async function reportedPass(app: App, reporting: PassReporting): Promise<RunResult[]> {
  const startedAt = new Date();
  let rateWaitMs = 0;
  const unsubscribe = app.rateBudget.onWait((wait) => (rateWaitMs += wait.ms));
  try {
    const results = await syncAll(app, { signal: reporting.signal });
    if (reporting.terminal) {
      if (reporting.summaries) reporting.terminal.print(formatPassLine(results, { startedAt, finishedAt: new Date(), rateWaitMs }));
    } else {
      results.forEach((r) => reporting.logger.info(formatRun(r)));
    }
    return results;
  } finally {
    unsubscribe();
  }
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('migrate, serve the API, sync now, then keep syncing on SYNC_SCHEDULE; SIGTERM finishes the current page and exits')
    .action(action(async () => {
      const { config, logger, terminal } = commandContext();
      // One registry for the process: the sync's and the client's counters beside the API's, at /metrics.
      const metrics = createMetrics();
      const app = await createApp(config, { logger, observers: { ringcentral: metrics.ringcentral, sync: metrics.sync } });
      // On Postgres the API opens its own statement-timed pool; the sync keeps app.database untimed.
      let api;
      try {
        api = await startApiServer({ database: app.database, databaseUrl: config.databaseUrl, port: config.port, host: config.host, logger, limits: config.api, metrics, metricsToken: config.metricsToken, keyring: app.media.keyring, syncFastPath: config.sync.fastPath, media: app.media });
      } catch (error) {
        // The database pool and the demo simulator would keep the process alive after the message.
        await app.close();
        throw error;
      }
      if (app.simulator) {
        // Demo mode: hand the user a working key and a request to paste.
        const key = await createApiKey(app.database.db, `demo-${Date.now()}`);
        process.stdout.write(
          `\nDemo API key (shown once): ${key}\n` +
            `Try: curl -s ${api.url}/graphql -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' ` +
            `-d '{"query":"{ calls(first: 5) { edges { node { id startTime direction disposition final from { phoneNumber name } voicemail { id } } } } }"}'\n` +
            `GraphiQL: open ${api.url}/graphql in a browser and add the header {"Authorization": "Bearer ${key}"}\n\n`,
        );
      }
      const controller = new AbortController();
      let running: Promise<unknown> | undefined;
      const pass = async () => {
        if (running || controller.signal.aborted) return;
        running = reportedPass(app, { logger, terminal, summaries: showsSummaries(config.logLevel), signal: controller.signal })
          .catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'sync pass failed'))
          .finally(() => {
            running = undefined;
          });
        await running;
      };
      const task = cron.schedule(config.sync.schedule, pass, { noOverlap: true, name: 'callsync-sync' });
      logger.info({ schedule: config.sync.schedule, account: app.accountId, database: app.database.kind }, 'callsync started; syncing now and then on schedule');
      void pass();
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping: finishing the current page');
          controller.abort();
          void task.stop();
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
      });
      await running;
      await api.close();
      await app.close();
      logger.info('stopped cleanly');
    }));
}
