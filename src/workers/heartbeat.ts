import { describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renewLeases, type Lease } from '../store/leases.ts';
import type { Database } from '../store/db.ts';

/** A lease the heartbeat keeps, and what to do when it is gone. */
export interface HeldLease {
  lease: Lease;
  /** performance.now() when the last renewal that covered it was sent (its lease runs at least ttl from then). */
  renewedAt: number;
  /** Stops the pass: the lease is no one's or someone else's now. */
  lose(why: string): void;
}

/**
 * Renews every lease this worker holds in one statement every `everyMs`. A lease the answer leaves out was
 * taken over or its account removed; while renewals fail (the database unreachable), a lease whose ttl has
 * passed since its last renewal may be someone else's: either way its pass stops at the next page boundary
 * (and the fence refuses its pages meanwhile).
 */
export class Heartbeat {
  private readonly held = new Map<string, HeldLease>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    private readonly worker: string,
    private readonly ttlMs: number,
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.beat(), this.everyMs);
  }

  hold(lease: Lease, lose: (why: string) => void): void {
    this.held.set(lease.accountName, { lease, renewedAt: performance.now(), lose });
  }

  release(accountName: string): void {
    this.held.delete(accountName);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  /** One renewal of everything held (skipped while the previous one is still out). */
  beat(): Promise<void> {
    this.beating ??= this.renew().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async renew(): Promise<void> {
    const leases = [...this.held.values()];
    if (leases.length === 0) return;
    const sentAt = performance.now();
    let renewed: Set<string>;
    try {
      renewed = await renewLeases(this.database, this.worker, leases.map((h) => h.lease), this.ttlMs);
    } catch (error) {
      this.logger.warn({ err: describeError(error), leases: leases.length }, 'cannot renew leases');
      for (const h of leases) {
        if (performance.now() - h.renewedAt >= this.ttlMs) h.lose(`its lease could not be renewed for ${Math.round(this.ttlMs / 1000)} s`);
      }
      return;
    }
    for (const h of leases) {
      if (renewed.has(h.lease.accountName)) h.renewedAt = sentAt;
      // Released meanwhile (the pass ended while the statement ran): not a loss.
      else if (this.held.get(h.lease.accountName) === h) h.lose('its lease was taken over or the account removed');
    }
  }
}
