import type { RateGroup } from '../errors.ts';

export const RATE_GROUPS: readonly RateGroup[] = ['Heavy', 'Medium', 'Light', 'Auth'];

/** RingCentral's documented defaults per user and app (api-notes §6.1); headers override them. */
export const DEFAULT_LIMITS: Record<RateGroup, { limit: number; windowSec: number }> = {
  Heavy: { limit: 10, windowSec: 60 },
  Medium: { limit: 40, windowSec: 60 },
  Light: { limit: 50, windowSec: 60 },
  Auth: { limit: 5, windowSec: 60 },
};

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** What a response said about its group's budget (the X-Rate-Limit-* headers). */
export interface RateHeaders {
  limit?: number | undefined;
  remaining?: number | undefined;
  windowSec?: number | undefined;
}

/**
 * Safety margin added to every wait: RingCentral counts a request when it arrives, we count it when we
 * send it, and the two clocks are not the same.
 */
export const MARGIN_MS = 250;

/** A request about to wait for its group's budget (`ms` > 0), or done waiting (`ms` 0). */
export interface RateWait {
  group: RateGroup;
  ms: number;
}

interface Bucket {
  limit: number;
  windowMs: number;
  /** Times of requests still inside the window, oldest first. */
  sent: number[];
  blockedUntil: number;
  queue: Promise<void>;
}

/**
 * One proactive sliding-window budget per RingCentral rate group. `acquire` waits until a request fits the
 * window the server announced, so steady-state polling never trips the 60-second penalty (during which
 * every further request would restart the penalty). After a 429 the whole group waits out Retry-After.
 */
export class RateBudget {
  private readonly buckets = new Map<RateGroup, Bucket>();
  /** The last X-Rate-Limit-* values RingCentral sent per group, as received (for `callsync doctor`). */
  private readonly lastAnnounced = new Map<RateGroup, RateHeaders>();
  private readonly waitListeners = new Set<(wait: RateWait) => void>();

  constructor(
    private readonly clock: Clock = realClock,
    private readonly enabled = true,
    limits: Record<RateGroup, { limit: number; windowSec: number }> = DEFAULT_LIMITS,
  ) {
    for (const group of RATE_GROUPS) {
      const { limit, windowSec } = limits[group];
      this.buckets.set(group, { limit, windowMs: windowSec * 1000, sent: [], blockedUntil: 0, queue: Promise.resolve() });
    }
  }

  /** Waits for a slot in `group`, then counts the request as sent. Callers in one group go in turn. */
  acquire(group: RateGroup, signal?: AbortSignal): Promise<void> {
    const bucket = this.bucket(group);
    const turn = bucket.queue.then(() => this.waitForSlot(group, bucket, signal));
    bucket.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Milliseconds a request in `group` would wait now (for ETAs and tests). */
  delayFor(group: RateGroup): number {
    return this.enabled ? this.computeDelay(this.bucket(group), this.clock.now()) : 0;
  }

  /** Learns the group's real limit, window and remaining budget from a response's headers. */
  observe(group: RateGroup, headers: RateHeaders): void {
    this.lastAnnounced.set(group, { ...headers });
    const bucket = this.bucket(group);
    const now = this.clock.now();
    if (headers.limit && headers.limit > 0) bucket.limit = headers.limit;
    if (headers.windowSec && headers.windowSec > 0) bucket.windowMs = headers.windowSec * 1000;
    this.prune(bucket, now);
    if (headers.remaining === undefined) return;
    // Others (another app instance, the user's own tools) may share this budget: when the server says
    // fewer remain than we think, count the difference as requests made just now.
    const missing = bucket.limit - bucket.sent.length - headers.remaining;
    for (let i = 0; i < missing; i++) bucket.sent.push(now);
    if (headers.remaining <= 0) bucket.blockedUntil = Math.max(bucket.blockedUntil, now + bucket.windowMs);
  }

  /** What RingCentral last announced for each group it named in an X-Rate-Limit-Group header. Read-only. */
  announced(): Partial<Record<RateGroup, RateHeaders>> {
    return Object.fromEntries([...this.lastAnnounced].map(([group, headers]) => [group, { ...headers }]));
  }

  /** Tells `listener` when a request starts and stops waiting for its budget (a progress display's "waiting"); returns the unsubscribe. */
  onWait(listener: (wait: RateWait) => void): () => void {
    this.waitListeners.add(listener);
    return () => this.waitListeners.delete(listener);
  }

  /** After a 429: nothing in the group goes out until Retry-After has passed. */
  penalize(group: RateGroup, retryAfterMs: number): void {
    const bucket = this.bucket(group);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, this.clock.now() + retryAfterMs);
  }

  private bucket(group: RateGroup): Bucket {
    return this.buckets.get(group)!;
  }

  private prune(bucket: Bucket, now: number): void {
    while (bucket.sent.length > 0 && bucket.sent[0]! + bucket.windowMs + MARGIN_MS <= now) bucket.sent.shift();
  }

  private computeDelay(bucket: Bucket, now: number): number {
    this.prune(bucket, now);
    const blocked = bucket.blockedUntil > now ? bucket.blockedUntil - now + MARGIN_MS : 0;
    const full = bucket.sent.length >= bucket.limit ? bucket.sent[bucket.sent.length - bucket.limit]! + bucket.windowMs + MARGIN_MS - now : 0;
    return Math.max(blocked, full, 0);
  }

  private async waitForSlot(group: RateGroup, bucket: Bucket, signal?: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    let waited = false;
    try {
      for (;;) {
        const delay = this.computeDelay(bucket, this.clock.now());
        if (delay <= 0) break;
        waited = true;
        this.emitWait({ group, ms: delay });
        await this.clock.sleep(delay, signal);
      }
    } finally {
      if (waited) this.emitWait({ group, ms: 0 });
    }
    bucket.sent.push(this.clock.now());
  }

  private emitWait(wait: RateWait): void {
    for (const listener of this.waitListeners) listener(wait);
  }
}
