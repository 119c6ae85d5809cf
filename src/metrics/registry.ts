import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every metric of ours starts with this (Node's process and runtime metrics keep their standard names). */
export const PREFIX = 'callsync_';

/**
 * A registry of its own with Node's default process metrics (CPU, memory, event loop, GC): never
 * prom-client's global one, so several servers in one process (tests) each count only their own.
 */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A label value from outside (an operation name a client chose, an error code) kept to a bounded set: the
 * first `limit` distinct values that look right are kept as they are, anything after or else is `other`.
 * Unbounded label values would grow the registry, and Prometheus, without end.
 */
export function boundedLabel(limit: number, pattern: RegExp, other: string): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= limit || !pattern.test(value)) return other;
    seen.add(value);
    return value;
  };
}
