import type { RateGroup } from '../errors.ts';

/** Why a request to RingCentral was sent again. */
export type RetryReason = 'rate_limited' | 'unavailable' | 'unauthorized' | 'transient';

/**
 * Facts the client reports as they happen, for metrics: the client knows nothing of what listens
 * (src/metrics/ringcentral-metrics.ts turns them into counters).
 */
export type RingCentralEvent =
  /** A request left for RingCentral, charged to `group` (token requests are Auth). */
  | { type: 'request'; group: RateGroup }
  /** RingCentral answered 429. */
  | { type: 'rate-limited'; group: RateGroup }
  /** The same request goes out again (after Retry-After, a backoff, or re-reading the session). */
  | { type: 'retry'; group: RateGroup; reason: RetryReason }
  /** A token request ended: a JWT login or a refresh, granted or not. */
  | { type: 'token'; request: 'login' | 'refresh'; ok: boolean };

export type RingCentralObserver = (event: RingCentralEvent) => void;
