import type { RateGroup } from '../errors.ts';
import type { RateHeaders, RateWait } from './rate-budget.ts';

/**
 * What the client needs of a rate budget: a slot before each request, and what each answer said about the
 * group's budget. RateBudget keeps it in this process's memory; SharedRateBudget keeps it with every process
 * that uses the same credential (RingCentral counts per user and app, not per process).
 */
export interface RequestBudget {
  /** Waits until a request in `group` may go out, and counts it. */
  acquire(group: RateGroup, signal?: AbortSignal): Promise<void>;
  /** Milliseconds a request in `group` would wait now, as far as known without asking anyone (an estimate for ETAs). */
  delayFor(group: RateGroup): number;
  /** An answer's X-Rate-Limit-* headers. */
  observe(group: RateGroup, headers: RateHeaders): void;
  /** A 429 (or a 503 with Retry-After): nothing in the group goes out for `retryAfterMs`. */
  penalize(group: RateGroup, retryAfterMs: number): void;
}

/** A budget as progress displays and `callsync doctor` read it: its waits, and what RingCentral announced. */
export interface WatchedBudget extends RequestBudget {
  announced(): Partial<Record<RateGroup, RateHeaders>>;
  onWait(listener: (wait: RateWait) => void): () => void;
}
