import { Counter, type Registry } from 'prom-client';
import type { RingCentralObserver } from '../ringcentral/observer.ts';
import { RATE_GROUPS } from '../ringcentral/rate-budget.ts';
import { PREFIX } from './registry.ts';

export const METRIC_NAMES = {
  requests: `${PREFIX}ringcentral_requests_total`,
  rateLimited: `${PREFIX}ringcentral_rate_limited_total`,
  retries: `${PREFIX}ringcentral_retries_total`,
  logins: `${PREFIX}ringcentral_logins_total`,
  refreshes: `${PREFIX}ringcentral_refreshes_total`,
} as const;

/** Counters of what this process's RingCentral client did, fed by its observer (src/ringcentral/observer.ts). */
export function ringCentralMetrics(registry: Registry): RingCentralObserver {
  const registers = [registry];
  const requests = new Counter({ name: METRIC_NAMES.requests, help: 'Requests sent to RingCentral (each attempt), by rate group; token requests are Auth', labelNames: ['group'], registers });
  const rateLimited = new Counter({ name: METRIC_NAMES.rateLimited, help: 'RingCentral answers 429 (rate limit exceeded), by rate group', labelNames: ['group'], registers });
  const retries = new Counter({
    name: METRIC_NAMES.retries,
    help: 'Requests sent again, by rate group and reason: rate_limited (429, after Retry-After), unavailable (503 with Retry-After), unauthorized (401, session re-read), transient (5xx or network, backoff)',
    labelNames: ['group', 'reason'],
    registers,
  });
  const logins = new Counter({ name: METRIC_NAMES.logins, help: 'JWT logins to RingCentral (new sessions), by outcome (granted, failed)', labelNames: ['outcome'], registers });
  const refreshes = new Counter({ name: METRIC_NAMES.refreshes, help: 'RingCentral session refreshes, by outcome (granted, failed)', labelNames: ['outcome'], registers });
  // Every series from the start at 0: rate() and increase() need a first sample before the first event.
  for (const group of RATE_GROUPS) {
    requests.inc({ group }, 0);
    rateLimited.inc({ group }, 0);
  }
  for (const outcome of ['granted', 'failed']) {
    logins.inc({ outcome }, 0);
    refreshes.inc({ outcome }, 0);
  }
  return (event) => {
    switch (event.type) {
      case 'request':
        return requests.inc({ group: event.group });
      case 'rate-limited':
        return rateLimited.inc({ group: event.group });
      case 'retry':
        return retries.inc({ group: event.group, reason: event.reason });
      case 'token':
        return (event.request === 'login' ? logins : refreshes).inc({ outcome: event.ok ? 'granted' : 'failed' });
    }
  };
}
