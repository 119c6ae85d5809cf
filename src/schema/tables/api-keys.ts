import { pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** Keys for the GraphQL API. Only a sha256 of each key is kept: the key itself is shown once, at creation. */
export const apiKeys = pgTable('api_keys', {
  name: text('name').primaryKey(),
  keyHash: text('key_hash').notNull().unique(),
  /** The key's first characters, so a list can tell keys apart without revealing them. */
  prefix: text('prefix').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
  /**
   * The RingCentral account ids (accounts.id) the key may read. NULL: a key created without `--account`
   * (every key made before accounts were data): it reads the database's sole account, and is refused once
   * the database holds two or more (store/api-keys.ts).
   */
  accountIds: text('account_ids').array(),
});
