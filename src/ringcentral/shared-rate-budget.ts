import type { RateGroup } from '../errors.ts';
import { DEFAULT_LIMITS, MARGIN_MS, RateBudget, realClock, type Clock, type RateHeaders, type RateWait } from './rate-budget.ts';
import type { WatchedBudget } from './request-budget.ts';

/** A group's allowance: `limit` requests in any `windowMs`. */
export interface GroupLimits {
  limit: number;
  windowMs: number;
}

/** A reservation's answer, with the allowance it was decided by (announced to some process, or the fallback). */
export type Reservation = GroupLimits & ({ ok: true } | { ok: false; waitMs: number });

/**
 * One credential's rate budget, kept where every process using the credential sees it (store/rate-ledger.ts
 * keeps it in the database). Each call is atomic across processes, and measures time by the ledger's own
 * clock: processes whose clocks disagree never compare their instants.
 */
export interface BudgetLedger {
  /**
   * Counts a request of `group` sent now when the window has room and no block holds; otherwise counts
   * nothing and says how long until one of those changes. `fallback` applies while no process has adopted
   * an announced allowance; `marginMs` pads the window for the time a request takes to reach RingCentral.
   */
  reserve(group: RateGroup, fallback: GroupLimits, marginMs: number): Promise<Reservation>;
  /** Nothing of `group` goes out for `forMs` from now; a longer block already recorded stays. */
  block(group: RateGroup, forMs: number): Promise<void>;
  /** The allowance RingCentral announced for `group` (X-Rate-Limit-Limit, X-Rate-Limit-Window). */
  adopt(group: RateGroup, limits: GroupLimits): Promise<void>;
}

export interface SharedBudgetOptions {
  clock?: Clock;
  /** false: nothing waits and the ledger is never asked (a simulator without limits), as RateBudget's. */
  enabled?: boolean;
  /** The allowance until RingCentral announces one; default its documented limits. */
  limits?: Record<RateGroup, { limit: number; windowSec: number }>;
  /** A block or an allowance that could not be recorded in the ledger (this process honours it still). */
  onLedgerError?: (error: unknown, group: RateGroup) => void;
}

/**
 * A rate budget shared by every process that uses one credential: each request reserves its slot in the
 * ledger (one round trip when the window has room), so together they never send more than RingCentral
 * allows the user and app. What a process learns from an answer reaches the ledger for all: a 429's
 * Retry-After and a window announced spent block the group, an announced limit and window replace the
 * defaults. Within the process, a group's reservations go one at a time (the ledger's row lock would
 * serialise them anyway) and those of different groups side by side.
 *
 * The local RateBudget is fed what the answers said, for what must be answered without a round trip:
 * `announced()` (doctor) and `delayFor()` (ETAs, /media's quick refusals). It decides no admission: it
 * sees only this process's answers, and counts the others' requests as if sent when it heard of them.
 */
export class SharedRateBudget implements WatchedBudget {
  private readonly local: RateBudget;
  private readonly clock: Clock;
  private readonly enabled: boolean;
  private readonly defaults: Record<RateGroup, { limit: number; windowSec: number }>;
  /** The allowance per group as the ledger last applied it, or as this process last reported it. */
  private readonly known = new Map<RateGroup, GroupLimits>();
  /** Groups whose announced allowance this process has reported since it started. */
  private readonly reported = new Set<RateGroup>();
  private readonly turns = new Map<RateGroup, Promise<void>>();
  /** Per group, the reports to the ledger under way: a reservation waits for them. */
  private readonly writes = new Map<RateGroup, Promise<void>>();
  /** When a wait the ledger ordered ends (this process's clock), for delayFor(). */
  private readonly waitingUntil = new Map<RateGroup, number>();
  private readonly waitListeners = new Set<(wait: RateWait) => void>();

  constructor(
    private readonly ledger: BudgetLedger,
    private readonly options: SharedBudgetOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.enabled = options.enabled ?? true;
    this.defaults = options.limits ?? DEFAULT_LIMITS;
    this.local = new RateBudget(this.clock, this.enabled, this.defaults);
  }

  /** Waits until the ledger counts a request of `group`; callers of one group in this process go in turn. */
  acquire(group: RateGroup, signal?: AbortSignal): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const turn = (this.turns.get(group) ?? Promise.resolve()).then(() => this.reserve(group, signal));
    this.turns.set(group, turn.catch(() => undefined));
    return turn;
  }

  delayFor(group: RateGroup): number {
    if (!this.enabled) return 0;
    const ordered = (this.waitingUntil.get(group) ?? 0) - this.clock.now();
    return Math.max(this.local.delayFor(group), ordered, 0);
  }

  observe(group: RateGroup, headers: RateHeaders): void {
    this.local.observe(group, headers);
    if (!this.enabled) return;
    const known = this.allowance(group);
    const announced = {
      limit: headers.limit && headers.limit >= 1 ? Math.floor(headers.limit) : known.limit,
      windowMs: headers.windowSec && headers.windowSec > 0 ? Math.round(headers.windowSec * 1000) : known.windowMs,
    };
    // The first announcement is reported even when it matches: the ledger may hold another process's defaults.
    if (!this.reported.has(group) || announced.limit !== known.limit || announced.windowMs !== known.windowMs) {
      this.reported.add(group);
      this.known.set(group, announced);
      this.report(group, () => this.ledger.adopt(group, announced));
    }
    if (headers.remaining !== undefined && headers.remaining <= 0) this.report(group, () => this.ledger.block(group, announced.windowMs));
  }

  penalize(group: RateGroup, retryAfterMs: number): void {
    this.local.penalize(group, retryAfterMs);
    if (this.enabled) this.report(group, () => this.ledger.block(group, retryAfterMs));
  }

  announced(): Partial<Record<RateGroup, RateHeaders>> {
    return this.local.announced();
  }

  onWait(listener: (wait: RateWait) => void): () => void {
    this.waitListeners.add(listener);
    return () => this.waitListeners.delete(listener);
  }

  /** Resolves when every report made so far has reached the ledger (or failed): for shutdown and tests. */
  async settled(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  private allowance(group: RateGroup): GroupLimits {
    const fallback = this.defaults[group];
    return this.known.get(group) ?? { limit: fallback.limit, windowMs: fallback.windowSec * 1000 };
  }

  /** Reports to the ledger go in order per group, and never reject: a failure goes to onLedgerError. */
  private report(group: RateGroup, write: () => Promise<void>): void {
    const next = (this.writes.get(group) ?? Promise.resolve()).then(write).catch((error: unknown) => this.options.onLedgerError?.(error, group));
    this.writes.set(group, next);
  }

  private async reserve(group: RateGroup, signal?: AbortSignal): Promise<void> {
    let waited = false;
    try {
      for (;;) {
        signal?.throwIfAborted();
        // A block or an allowance this process reported decides this reservation too.
        await this.writes.get(group);
        const answer = await this.ledger.reserve(group, this.allowance(group), MARGIN_MS);
        this.known.set(group, { limit: answer.limit, windowMs: answer.windowMs });
        if (answer.ok) {
          this.waitingUntil.delete(group);
          return;
        }
        waited = true;
        this.waitingUntil.set(group, this.clock.now() + answer.waitMs);
        this.emitWait({ group, ms: answer.waitMs });
        await this.clock.sleep(answer.waitMs, signal);
      }
    } finally {
      if (waited) this.emitWait({ group, ms: 0 });
    }
  }

  private emitWait(wait: RateWait): void {
    for (const listener of this.waitListeners) listener(wait);
  }
}
