import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/db.ts';
import { readStreamHealth, type StreamHealth } from '../store/stream-health.ts';
import { CALL_LOG_STREAM } from '../sync/call-log.ts';
import { VOICEMAIL_STREAM } from '../sync/mailbox-access.ts';
import { PREFIX } from './registry.ts';

export const METRIC_NAMES = {
  up: `${PREFIX}stream_metrics_up`,
  lastSuccess: `${PREFIX}stream_last_success_timestamp_seconds`,
  syncedThrough: `${PREFIX}stream_synced_through_timestamp_seconds`,
  failing: `${PREFIX}stream_failing`,
  freshness: `${PREFIX}stream_freshness_seconds`,
} as const;

export interface StreamMetrics {
  /** The database the gauges are read from at each scrape (the API's own handle: read-only role, timeouts). */
  watch(database: Database, logger: Logger): void;
}

/**
 * Gauges read from the database at scrape time, so every process that serves /metrics (`serve` too)
 * reports every stream, whichever process synced it. One statement per scrape (store/stream-health.ts),
 * shared by all the gauges; a failed read is logged and reported as callsync_stream_metrics_up 0, not as
 * a failed scrape, so the process's own metrics still arrive.
 */
export function streamMetrics(registry: Registry): StreamMetrics {
  let source: { database: Database; logger: Logger } | undefined;
  let reading: Promise<StreamHealth[] | undefined> | undefined;
  // prom-client calls every collect() of a scrape in the same tick: the first starts the read, the rest share it.
  const read = () =>
    (reading ??= (async () => {
      if (!source) return undefined;
      try {
        return await readStreamHealth(source.database, { calls: CALL_LOG_STREAM, voicemails: VOICEMAIL_STREAM });
      } catch (error) {
        source.logger.warn({ err: error }, 'metrics: could not read the streams\' state from the database');
        return undefined;
      } finally {
        setImmediate(() => (reading = undefined));
      }
    })());

  const registers = [registry];
  const labelNames = ['account', 'stream'] as const;
  const gauge = (name: string, help: string, value: (s: StreamHealth) => number | null) =>
    new Gauge({
      name, help, labelNames, registers,
      async collect() {
        this.reset();
        for (const s of (await read()) ?? []) {
          const v = value(s);
          if (v !== null) this.set({ account: s.accountId, stream: s.stream }, v);
        }
      },
    });
  new Gauge({
    name: METRIC_NAMES.up,
    help: 'Whether the streams\' state could be read from the database at this scrape (1) or not (0)',
    registers,
    async collect() {
      this.set((await read()) === undefined ? 0 : 1);
    },
  });
  gauge(METRIC_NAMES.lastSuccess, 'When the stream\'s last successful run ended', (s) => s.lastSuccessAt);
  gauge(METRIC_NAMES.syncedThrough, 'Every record that started before this instant has been read (call-log streams); alert on time() minus this', (s) => s.syncedThrough);
  gauge(METRIC_NAMES.failing, 'Whether the stream\'s last run ended with an error or a standing problem (1) or not (0)', (s) => (s.failing ? 1 : 0));
  gauge(
    METRIC_NAMES.freshness,
    'Seconds from the newest record synced to now: newest call start (call-log), newest voicemail creation (voicemails). Grows in quiet hours too',
    (s) => s.freshnessSeconds,
  );
  return {
    watch(database, logger) {
      source = { database, logger };
    },
  };
}
