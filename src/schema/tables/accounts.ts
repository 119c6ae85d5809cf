import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** One row per RingCentral account synced into this database. */
export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  serverUrl: text('server_url').notNull(),
  name: text('name'),
  mainNumber: text('main_number'),
  raw: jsonb('raw'),
  /**
   * The earliest instant the sync covers on this account, fixed by its first pass: the call log's first
   * backfill and every mailbox's first read start here, so nothing falls between the two.
   */
  coverageFrom: ts('coverage_from'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * The SDK's auth data (access + refresh token) per credential, so restarts reuse a session instead of
 * logging in again: RingCentral allows 5 logins a minute and about 5 parallel sessions per user.
 * `credentialKey` is a hash of server URL, client id and JWT, never the JWT itself. `sealed` is the auth
 * data sealed (secrets/box.ts) with a key the database never holds, bound to its credential key.
 */
export const authSessions = pgTable('auth_sessions', {
  credentialKey: text('credential_key').primaryKey(),
  sealed: text('sealed').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
