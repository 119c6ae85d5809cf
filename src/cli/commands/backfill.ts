import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { createApp, backfill } from '../../main.ts';
import { UsageError } from '../../errors.ts';
import { DEFAULT_LIMITS } from '../../ringcentral/rate-budget.ts';
import { action, commandContext, parseDateFlag } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatRun } from './sync.ts';

export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description('read the call log of a past period (resumable: re-run the same command after a stop)')
    .requiredOption('--from <date>', 'start of the period, e.g. 2026-10-01 (UTC) or an ISO date-time')
    .option('--to <date>', 'end of the period (exclusive); default now')
    .action(action(async (opts: { from: string; to?: string }) => {
      const from = parseDateFlag('--from', opts.from);
      const to = opts.to ? parseDateFlag('--to', opts.to) : new Date();
      if (from >= to) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
      const { config, logger } = commandContext();
      const app = await createApp(config, { logger });
      const controller = new AbortController();
      process.once('SIGTERM', () => controller.abort()).once('SIGINT', () => controller.abort());
      const bar = new SingleBar(
        { format: 'backfill [{bar}] {percentage}% | {records} records | {heavy} Heavy requests | ETA {eta_text}', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(1000, 0, { records: 0, heavy: 0, eta_text: 'estimating' });
      const started = Date.now();
      let records = 0;
      try {
        const results = await backfill(app, from, to, {
          signal: controller.signal,
          onProgress: (p) => {
            records = p.records;
            bar.update(Math.round((p.fraction ?? 0) * 1000), { records, heavy: p.requests.Heavy, eta_text: eta(p.fraction, p.requests.Heavy, started) });
          },
        });
        bar.update(1000, { eta_text: 'done' });
        bar.stop();
        for (const result of results) process.stdout.write(`${formatRun(result)}\n`);
        return results.every((r) => r.outcome === 'success') ? ExitCode.ok : ExitCode.syncFailed;
      } finally {
        bar.stop();
        await app.close();
      }
    }));
}

/**
 * Remaining time from the Heavy requests still to make and the rate budget that paces them: requests
 * so far scaled by the work left, at no more than the budget's requests per minute (and no faster than
 * this run has managed so far).
 */
function eta(fraction: number | undefined, heavySoFar: number, startedMs: number): string {
  if (!fraction || fraction <= 0 || heavySoFar === 0) return 'estimating';
  const remainingRequests = Math.ceil((heavySoFar / fraction) * (1 - fraction));
  const budgetMs = (remainingRequests * DEFAULT_LIMITS.Heavy.windowSec * 1000) / DEFAULT_LIMITS.Heavy.limit;
  const observedMs = ((Date.now() - startedMs) / heavySoFar) * remainingRequests;
  const ms = Math.max(Math.min(budgetMs, observedMs), 0);
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s}s` : `${Math.round(s / 60)}m`;
}
