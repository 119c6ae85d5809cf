import type { Command } from 'commander';
import { createApp, backfill, type App } from '../../main.ts';
import { UsageError } from '../../errors.ts';
import { TerminalConsole } from '../console.ts';
import { action, commandContext, parseDateFlag } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { BackfillProgress, limitsFrom, renderBackfillLine } from '../progress.ts';
import { formatRun } from './sync.ts';

export interface BackfillOutput {
  /** Where the progress bar shows (a terminal); none without one. */
  status?: TerminalConsole | undefined;
  /** Writes the result lines; on a terminal through the console, so they land below the bar's last state. */
  print(text: string): void;
  signal?: AbortSignal | undefined;
}

/**
 * Backfills [from, to) with a progress bar on the terminal: the call log, then the voicemails of the period,
 * each its own bar, showing the rate-budget waits as they happen. Returns the exit code.
 */
export async function runBackfill(app: App, from: Date, to: Date | undefined, output: BackfillOutput): Promise<number> {
  const progress = new BackfillProgress();
  const { status } = output;
  const unsubscribe = app.rateBudget.onWait((wait) => {
    progress.rateWait(wait, Date.now());
    status?.refresh();
  });
  status?.showStatus((columns) => renderBackfillLine(progress.view(Date.now(), limitsFrom(app.rateBudget.announced())), columns));
  try {
    const results = await backfill(app, from, to, {
      signal: output.signal,
      onProgress: (p) => {
        progress.report(p, Date.now());
        status?.refresh();
      },
    });
    status?.hideStatus();
    for (const result of results) output.print(`${formatRun(result)}\n`);
    return results.every((r) => r.outcome === 'success') ? ExitCode.ok : ExitCode.syncFailed;
  } finally {
    unsubscribe();
    status?.hideStatus();
  }
}

export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description('read the call log of a past period (resumable: re-run the same command after a stop)')
    .requiredOption('--from <date>', 'start of the period, e.g. 2026-10-01 (UTC) or an ISO date-time')
    .option('--to <date>', 'end of the period (exclusive); default now (or, re-run after a stop, the end the stopped run pinned)')
    .action(action(async (opts: { from: string; to?: string }) => {
      const from = parseDateFlag('--from', opts.from);
      // Without --to the period ends now, or where the stopped backfill of the same --from pinned it (resume).
      const to = opts.to ? parseDateFlag('--to', opts.to) : undefined;
      const end = to ?? new Date();
      if (from >= end) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${end.toISOString()})`);
      const { config, logger, terminal } = commandContext();
      const app = await createApp(config, { logger });
      const controller = new AbortController();
      process.once('SIGTERM', () => controller.abort()).once('SIGINT', () => controller.abort());
      // With stdout piped to a log collector the bar can still show on a terminal's stderr (no logs go there).
      const status = terminal ?? (process.stderr.isTTY ? new TerminalConsole(process.stderr, { detail: false }) : undefined);
      try {
        return await runBackfill(app, from, to, {
          status,
          print: (text) => (terminal ? terminal.print(text) : process.stdout.write(text)),
          signal: controller.signal,
        });
      } finally {
        await app.close();
      }
    }));
}
