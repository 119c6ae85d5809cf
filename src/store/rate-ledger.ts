import { sql } from 'drizzle-orm';
import type { RateGroup } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { SharedRateBudget, type BudgetLedger, type GroupLimits, type Reservation, type SharedBudgetOptions } from '../ringcentral/shared-rate-budget.ts';
import type { Database } from './db.ts';

interface ReserveRow {
  wait_ms: number;
  request_limit: number;
  window_ms: number;
}

/**
 * The rate ledger of one credential in `rate_ledger`, a row per rate group: shared by every process on the
 * database, on PostgreSQL across machines, on PGlite within its one process. A reservation is one
 * statement, rate_ledger_reserve() (migration rate_ledger_reserve), deciding under the row's lock by the
 * database's clock; reports are one upsert each.
 */
export function rateLedger(database: Database, credentialKey: string): BudgetLedger {
  return {
    async reserve(group: RateGroup, fallback: GroupLimits, marginMs: number): Promise<Reservation> {
      const [row] = await database.query<ReserveRow>(sql`select wait_ms, request_limit, window_ms from rate_ledger_reserve(
        ${credentialKey}::text, ${group}::text, ${whole(fallback.limit)}::integer, ${whole(fallback.windowMs)}::integer,
        ${whole(marginMs)}::integer)`);
      const { wait_ms: waitMs, request_limit: limit, window_ms: windowMs } = row!;
      return waitMs > 0 ? { ok: false, waitMs, limit, windowMs } : { ok: true, limit, windowMs };
    },
    async block(group: RateGroup, forMs: number): Promise<void> {
      await database.query(sql`insert into rate_ledger as l (credential_key, rate_group, blocked_until)
        values (${credentialKey}, ${group}, clock_timestamp() + ${whole(forMs)}::integer * interval '1 millisecond')
        on conflict (credential_key, rate_group) do update
        set blocked_until = greatest(l.blocked_until, excluded.blocked_until), updated_at = excluded.updated_at`);
    },
    async adopt(group: RateGroup, limits: GroupLimits): Promise<void> {
      await database.query(sql`insert into rate_ledger as l (credential_key, rate_group, request_limit, window_ms)
        values (${credentialKey}, ${group}, ${whole(limits.limit)}::integer, ${whole(limits.windowMs)}::integer)
        on conflict (credential_key, rate_group) do update
        set request_limit = excluded.request_limit, window_ms = excluded.window_ms, updated_at = excluded.updated_at`);
    },
  };
}

/** Integer columns: a header's "1.5" or an absurd Retry-After must not fail the statement. */
const whole = (n: number) => Math.min(2_147_483_647, Math.max(0, Math.round(n)));

export interface SharedRateBudgetOptions extends Omit<SharedBudgetOptions, 'onLedgerError'> {
  logger?: Logger;
}

/**
 * The rate budget of the credential `credentialKey` (main.ts credentialKey) shared through `database` with
 * every process that uses it: the client's `budget` where several processes sync one account.
 */
export function sharedRateBudget(database: Database, credentialKey: string, options: SharedRateBudgetOptions = {}): SharedRateBudget {
  const { logger, ...rest } = options;
  return new SharedRateBudget(rateLedger(database, credentialKey), {
    ...rest,
    onLedgerError: (error, group) =>
      logger?.warn({ err: error instanceof Error ? error.message : String(error), group }, 'could not record a RingCentral rate limit in the shared ledger; this process still honours it, other processes will learn of it from RingCentral'),
  });
}
