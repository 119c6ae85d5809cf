import type { Command } from 'commander';
import { createApp, syncAll, type App } from '../../main.ts';
import type { RunResult } from '../../sync/runner.ts';
import { action, commandContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** One line per stream run: what it wrote and what it cost. */
export function formatRun(r: RunResult): string {
  const req = Object.entries(r.requests).filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`).join(', ') || 'none';
  const tail = r.outcome === 'error' ? ` — error: ${r.error}` : r.outcome === 'aborted' ? ' — stopped' : '';
  return `${r.stream}: ${r.outcome}; ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged; requests ${req}; 429s ${r.rateLimited}${tail}`;
}

/** Runs one pass over every stream; returns the exit code. */
export async function runSyncCommand(app: App, signal?: AbortSignal): Promise<number> {
  const results = await syncAll(app, { signal });
  for (const r of results) process.stdout.write(`${formatRun(r)}\n`);
  return results.every((r) => r.outcome === 'success') ? ExitCode.ok : ExitCode.syncFailed;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('run one sync pass over all streams, then exit (non-zero if a stream failed)')
    .action(action(async () => {
      const { config, logger } = commandContext();
      const app = await createApp(config, { logger });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGTERM', stop).once('SIGINT', stop);
      try {
        return await runSyncCommand(app, controller.signal);
      } finally {
        await app.close();
      }
    }));
}
