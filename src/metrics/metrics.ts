import type { Registry } from 'prom-client';
import type { RingCentralObserver } from '../ringcentral/observer.ts';
import type { SyncObserver } from '../sync/runner.ts';
import { apiMetrics, type ApiMetrics } from './api-metrics.ts';
import { createRegistry } from './registry.ts';
import { ringCentralMetrics } from './ringcentral-metrics.ts';
import { streamMetrics, type StreamMetrics } from './stream-metrics.ts';
import { syncMetrics } from './sync-metrics.ts';

/**
 * One process's metrics: its registry, and the observers that feed it. `start` hands `ringcentral` and
 * `sync` to the app and the whole to the API server, which serves the registry at /metrics.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly ringcentral: RingCentralObserver;
  readonly sync: SyncObserver;
  readonly api: ApiMetrics;
  readonly streams: StreamMetrics;
}

/** A fresh registry with every callsync metric and Node's process metrics. */
export function createMetrics(): Metrics {
  const registry = createRegistry();
  return { registry, ringcentral: ringCentralMetrics(registry), sync: syncMetrics(registry), api: apiMetrics(registry), streams: streamMetrics(registry) };
}
