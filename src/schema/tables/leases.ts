import { bigint, bigserial, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { managedAccounts } from './managed-accounts.ts';

/**
 * One row per managed account: when its next pass is due and which `callsync worker` holds it (src/workers/).
 * An account is held while `expires_at` lies ahead; its holder renews that every few seconds, so a worker
 * that dies lets go of its accounts once the lease runs out. `token` grows by one at every claim: a page
 * transaction writes only while its worker's (owner, token) is still the row's and unexpired (the fence).
 */
export const syncLeases = pgTable(
  'sync_leases',
  {
    accountName: text('account_name').primaryKey().references(() => managedAccounts.name, { onDelete: 'cascade' }),
    /** When the next pass should start; a new account is due at once. */
    dueAt: ts('due_at').notNull().defaultNow(),
    /** The worker (--id) holding the account; null once it let go (account_passes keeps who held it). */
    owner: text('owner'),
    /** The fencing number: one more at every claim. */
    token: bigint('token', { mode: 'number' }).notNull().default(0),
    /** Held until then (the database's clock); null or past: free to claim. */
    expiresAt: ts('expires_at'),
    /** Failed passes in a row (the backoff's exponent); 0 after a pass that did its work. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    lastErrorCode: text('last_error_code'),
    /** How the last pass ended: success, sliced, error, locked, stopped, lost. */
    lastOutcome: text('last_outcome'),
    lastStartedAt: ts('last_started_at'),
    lastEndedAt: ts('last_ended_at'),
    lastSuccessAt: ts('last_success_at'),
  },
  (t) => [index('sync_leases_due_idx').on(t.dueAt)],
);

/**
 * Every claim of an account by a worker, from claim to release: the proof that no account was ever held
 * by two workers at once (intervals of one account never overlap), and what each pass came to.
 */
export const accountPasses = pgTable(
  'account_passes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountName: text('account_name').notNull().references(() => managedAccounts.name, { onDelete: 'cascade' }),
    workerId: text('worker_id').notNull(),
    /** The lease's fencing number for this claim. */
    token: bigint('token', { mode: 'number' }).notNull(),
    claimedAt: ts('claimed_at').notNull().defaultNow(),
    /** When the holder let go; for a lease that ran out (a dead worker), when it ran out. */
    endedAt: ts('ended_at'),
    /** success, sliced, error, locked, stopped, lost, expired (closed by the next claimer); null while held. */
    outcome: text('outcome'),
    error: text('error'),
    errorCode: text('error_code'),
  },
  (t) => [index('account_passes_account_idx').on(t.accountName, t.claimedAt)],
);
