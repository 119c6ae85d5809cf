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
});
