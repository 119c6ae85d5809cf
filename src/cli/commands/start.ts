import type { Command } from 'commander';
import cron from 'node-cron';
import { startApiServer } from '../../api/server.ts';
import { createApp, syncAll } from '../../main.ts';
import { createMetrics } from '../../metrics/metrics.ts';
import { createApiKey } from '../../store/api-keys.ts';
import { action, commandContext } from '../context.ts';
import { formatRun } from './sync.ts';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('migrate, serve the API, sync now, then keep syncing on SYNC_SCHEDULE; SIGTERM finishes the current page and exits')
    .action(action(async () => {
      const { config, logger } = commandContext();
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
        running = syncAll(app, { signal: controller.signal })
          .then((results) => results.forEach((r) => logger.info(formatRun(r))))
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
