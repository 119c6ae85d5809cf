// RingCentral's user-level rate limits (api-notes §6): one sliding-window bucket per API group shared
// by every caller of the simulator (they all act as one user+app). Exceeding a limit starts a penalty
// during which every request of the group is refused, and each refused request restarts the penalty
// clock — the "429 trap" clients must avoid by waiting Retry-After.

import { RATE_GROUPS, type RateGroup, type RateLimitSpec } from './types.ts';

export const DEFAULT_LIMITS: Readonly<Record<RateGroup, RateLimitSpec>> = {
  Heavy: { limit: 10, windowSec: 60, penaltySec: 60 },
  Medium: { limit: 40, windowSec: 60, penaltySec: 60 },
  Light: { limit: 50, windowSec: 60, penaltySec: 60 },
  Auth: { limit: 5, windowSec: 60, penaltySec: 60 },
};

export interface LimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

interface Bucket {
  spec: RateLimitSpec;
  /** Arrival times of counted requests inside the window. */
  hits: number[];
  penaltyUntil: number;
}

/** The X-Rate-Limit-Group value: RingCentral may send it lower-case, so Heavy always is. */
export function groupHeaderValue(group: RateGroup): string {
  return group === 'Heavy' ? 'heavy' : group;
}

const UNLIMITED = 1_000_000;

/** Per-group sliding windows with penalties. */
export class RateLimiter {
  private readonly buckets: Record<RateGroup, Bucket>;

  constructor(
    specs: Partial<Record<RateGroup, Partial<RateLimitSpec>>> | false | undefined,
    private readonly enabled = specs !== false,
  ) {
    const overrides = specs === false || specs === undefined ? {} : specs;
    // Without limits the headers announce a plan no client will exhaust, like a custom high-volume plan.
    const base = (g: RateGroup) => (specs === false ? { ...DEFAULT_LIMITS[g], limit: UNLIMITED } : DEFAULT_LIMITS[g]);
    const entries = RATE_GROUPS.map((g) => [g, { spec: { ...base(g), ...overrides[g] }, hits: [], penaltyUntil: 0 }]);
    this.buckets = Object.fromEntries(entries) as Record<RateGroup, Bucket>;
  }

  spec(group: RateGroup): RateLimitSpec {
    return this.buckets[group].spec;
  }

  /** Counts a request and decides whether it may proceed. */
  take(group: RateGroup, now: number): LimitDecision {
    const b = this.buckets[group];
    this.expire(b, now);
    if (this.enabled && b.penaltyUntil > now) {
      b.penaltyUntil = now + b.spec.penaltySec * 1000;
      return { allowed: false, headers: this.rejectHeaders(group) };
    }
    if (this.enabled && b.hits.length >= b.spec.limit) {
      b.penaltyUntil = now + b.spec.penaltySec * 1000;
      return { allowed: false, headers: this.rejectHeaders(group) };
    }
    b.hits.push(now);
    return { allowed: true, headers: this.headers(group, now) };
  }

  /** Headers for a response that did not count against the bucket (e.g. 401 before identifying the user). */
  peek(group: RateGroup, now: number): Record<string, string> {
    this.expire(this.buckets[group], now);
    return this.headers(group, now);
  }

  /** Headers of a forced 429 (rate-limit storm fault). */
  rejectHeaders(group: RateGroup): Record<string, string> {
    const { spec } = this.buckets[group];
    return { ...this.baseHeaders(group), 'X-Rate-Limit-Remaining': '0', 'Retry-After': String(Math.ceil(spec.penaltySec)) };
  }

  private headers(group: RateGroup, now: number): Record<string, string> {
    const b = this.buckets[group];
    const remaining = b.penaltyUntil > now && this.enabled ? 0 : Math.max(0, b.spec.limit - b.hits.length);
    return { ...this.baseHeaders(group), 'X-Rate-Limit-Remaining': String(remaining) };
  }

  private baseHeaders(group: RateGroup): Record<string, string> {
    const { spec } = this.buckets[group];
    return {
      'X-Rate-Limit-Group': groupHeaderValue(group),
      'X-Rate-Limit-Limit': String(spec.limit),
      'X-Rate-Limit-Window': String(spec.windowSec),
    };
  }

  private expire(b: Bucket, now: number): void {
    const cutoff = now - b.spec.windowSec * 1000;
    let drop = 0;
    while (drop < b.hits.length && (b.hits[drop] as number) <= cutoff) drop++;
    if (drop > 0) b.hits.splice(0, drop);
  }
}
