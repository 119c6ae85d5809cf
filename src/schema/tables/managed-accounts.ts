import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * RingCentral accounts added with `callsync account add`, synced by `callsync worker` processes. The
 * environment-configured account (RC_*) is not here: it keeps working as before, without a row.
 * `sealed_credentials` holds the client secret and the JWT sealed (secrets/box.ts) with a key the database
 * never holds, bound to the row's name; the API role is never granted this table.
 */
export const managedAccounts = pgTable('managed_accounts', {
  /** callsync's own name for the account (`--account NAME`): 1-64 letters, digits, "_", "-", ".". */
  name: text('name').primaryKey(),
  /** RingCentral's account id, learned when `account add` checked the credentials (GET /account/~). */
  accountId: text('account_id').unique(),
  serverUrl: text('server_url').notNull(),
  clientId: text('client_id').notNull(),
  sealedCredentials: text('sealed_credentials').notNull(),
  /** The hash that names its stored session and its rate budget (main.ts credentialKey). */
  credentialKey: text('credential_key').notNull(),
  /** Per-account settings; null takes the deployment's default (SYNC_SCHEDULE, SYNC_BACKFILL_DAYS, VOICEMAIL_SWEEP_HOURS). */
  schedule: text('schedule'),
  backfillDays: integer('backfill_days'),
  sweepHours: integer('sweep_hours'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
