import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { UsageError } from '../errors.ts';
import { apiKeys } from '../schema/index.ts';
import type { Database, Db } from './db.ts';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Creates a key named `name` and returns it: the only time it is ever shown. A revoked key's name can be
 * given to a new key (rotating an integration's key keeps its name); an active key's cannot.
 */
export async function createApiKey(db: Db, name: string): Promise<string> {
  if (!/^[\w.@-]{1,64}$/.test(name)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "-", "." or "@" (got "${name}")`);
  const key = `cs_${randomBytes(32).toString('base64url')}`;
  const inserted = await db
    .insert(apiKeys)
    .values({ name, keyHash: hash(key), prefix: key.slice(0, 7) })
    .onConflictDoUpdate({
      target: apiKeys.name,
      set: { keyHash: hash(key), prefix: key.slice(0, 7), createdAt: sql`now()`, lastUsedAt: null, revokedAt: null },
      setWhere: sql`${apiKeys.revokedAt} is not null`,
    })
    .returning({ name: apiKeys.name });
  if (inserted.length === 0) throw new UsageError(`an active API key named "${name}" already exists (revoke it first, or pick another name)`);
  return key;
}

export async function listApiKeys(db: Db) {
  return db.select({ name: apiKeys.name, prefix: apiKeys.prefix, createdAt: apiKeys.createdAt, lastUsedAt: apiKeys.lastUsedAt, revokedAt: apiKeys.revokedAt }).from(apiKeys).orderBy(apiKeys.name);
}

/** Revokes a key by name; false when there is no such active key. */
export async function revokeApiKey(db: Db, name: string): Promise<boolean> {
  const revoked = await db.update(apiKeys).set({ revokedAt: sql`now()` }).where(and(eq(apiKeys.name, name), isNull(apiKeys.revokedAt))).returning({ name: apiKeys.name });
  return revoked.length > 0;
}

/**
 * The name of the active key `key`, recording its use; undefined for an unknown or revoked key. Use is
 * recorded to the minute: a write (and its commit flush) on every request would cost more than the query
 * it admits, so a key already marked within the last minute is only read.
 */
export async function useApiKey(database: Database, key: string): Promise<string | undefined> {
  // database.query, not drizzle's execute: prepared, so one round trip instead of a describe first.
  const rows = await database.query<{ name: string }>(sql`
    with active as (select name, last_used_at from api_keys where key_hash = ${hash(key)} and revoked_at is null),
    marked as (
      update api_keys set last_used_at = now()
      where name in (select name from active where last_used_at is null or last_used_at < now() - interval '1 minute'))
    select name from active`);
  return rows[0]?.name;
}
