import { Counter, Histogram, type Registry } from 'prom-client';
import type { SyncObserver } from '../sync/runner.ts';
import { PREFIX } from './registry.ts';

export const METRIC_NAMES = {
  runs: `${PREFIX}sync_runs_total`,
  runDuration: `${PREFIX}sync_run_duration_seconds`,
  passes: `${PREFIX}sync_passes_total`,
  passDuration: `${PREFIX}sync_pass_duration_seconds`,
} as const;

// From a quiet incremental run (under a second) to a first backfill that waits for the rate budget (an hour).
const DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Runs and passes this process made, fed by the sync runner's observer (src/sync/runner.ts). */
export function syncMetrics(registry: Registry): SyncObserver {
  const registers = [registry];
  const runs = new Counter({ name: METRIC_NAMES.runs, help: 'Stream runs this process finished, by stream and outcome (success, error, aborted)', labelNames: ['stream', 'outcome'], registers });
  const runDuration = new Histogram({ name: METRIC_NAMES.runDuration, help: 'How long a stream run took, rate-budget waits included, by stream', labelNames: ['stream'], buckets: DURATION_BUCKETS, registers });
  const passes = new Counter({ name: METRIC_NAMES.passes, help: 'Sync passes (every stream once, then derive) this process finished, by outcome: the worst of its runs', labelNames: ['outcome'], registers });
  const passDuration = new Histogram({ name: METRIC_NAMES.passDuration, help: 'How long a whole sync pass took', buckets: DURATION_BUCKETS, registers });
  return (event) => {
    const seconds = event.durationMs / 1000;
    if (event.type === 'run') {
      runs.inc({ stream: event.stream, outcome: event.outcome });
      runDuration.observe({ stream: event.stream }, seconds);
    } else {
      passes.inc({ outcome: event.outcome });
      passDuration.observe(seconds);
    }
  };
}
