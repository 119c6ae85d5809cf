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
    .option('--to <date>', 'end of the period (exclusive); default now (or, re-run after a stop, the end the stopped run pinned)')
    .action(action(async (opts: { from: string; to?: string }) => {
      const from = parseDateFlag('--from', opts.from);
      // Without --to the period ends now, or where the stopped backfill of the same --from pinned it (resume).
      const to = opts.to ? parseDateFlag('--to', opts.to) : undefined;
      const end = to ?? new Date();
      if (from >= end) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${end.toISOString()})`);
      const { config, logger } = commandContext();
      const app = await createApp(config, { logger });
      const controller = new AbortController();
      process.once('SIGTERM', () => controller.abort()).once('SIGINT', () => controller.abort());
      const bar = new SingleBar(
        { format: 'backfill {phase} [{bar}] {percentage}% | {records} records | {heavy} Heavy, {light} Light requests | ETA {eta_text}', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(1000, 0, { phase: 'call log', records: 0, heavy: 0, light: 0, eta_text: 'estimating' });
      let first: Sample | undefined;
      let records = 0;
      let phase = 'call log';
      try {
        const results = await backfill(app, from, to, {
          signal: controller.signal,
          onProgress: (p) => {
            // The call log first, then the voicemails of the period (stream voicemails-backfill): each its own bar.
            const now = p.stream.startsWith('voicemails') ? 'voicemails' : 'call log';
            if (now !== phase) first = undefined;
            phase = now;
            if (phase === 'call log') records = p.records;
            const sample = { fraction: p.fraction ?? 0, heavy: p.requests.Heavy, at: Date.now() };
            first ??= sample;
            bar.update(Math.round(sample.fraction * 1000), { phase, records, heavy: p.requests.Heavy, light: p.requests.Light, eta_text: eta(first, sample) });
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

interface Sample {
  fraction: number;
  heavy: number;
  at: number;
}

/**
 * Remaining time from the Heavy requests still to make and the rate budget that paces them: the requests
 * made since the first report scaled by the work left, at no more than the budget's requests per minute
 * (and no faster than this run has managed so far). Measured from the first report, not from zero, so a
 * resumed backfill (which starts part-way) does not look nearly done.
 */
function eta(first: Sample, now: Sample): string {
  const progress = now.fraction - first.fraction;
  const requests = now.heavy - first.heavy;
  if (progress <= 0 || requests <= 0) return now.fraction >= 1 ? '0s' : 'estimating';
  const remainingRequests = Math.ceil((requests / progress) * (1 - now.fraction));
  const budgetMs = (remainingRequests * DEFAULT_LIMITS.Heavy.windowSec * 1000) / DEFAULT_LIMITS.Heavy.limit;
  const observedMs = ((now.at - first.at) / requests) * remainingRequests;
  const ms = Math.max(Math.min(budgetMs, observedMs), 0);
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s}s` : `${Math.round(s / 60)}m`;
}
