import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * RingCentral's rate budget per credential and rate group, shared by every process that uses the
 * credential (store/rate-ledger.ts): RingCentral counts requests per user and app, not per process.
 * Times are the database's clock, so processes on machines whose clocks disagree still agree here.
 * Holds no secret: `credential_key` is the hash that also names the stored session.
 */
export const rateLedger = pgTable(
  'rate_ledger',
  {
    credentialKey: text('credential_key').notNull(),
    /** Heavy, Medium, Light or Auth. */
    rateGroup: text('rate_group').notNull(),
    /** What RingCentral last announced (X-Rate-Limit-Limit, -Window); null: each process's defaults. */
    requestLimit: integer('request_limit'),
    windowMs: integer('window_ms'),
    /** When the requests still inside the window (plus a margin) were let through, oldest first. */
    sent: timestamp('sent', { withTimezone: true, mode: 'date' }).array().notNull().default([]),
    /** Nothing of the group goes out before this: a 429's Retry-After, or a window announced spent. */
    blockedUntil: ts('blocked_until'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.credentialKey, t.rateGroup] })],
);
