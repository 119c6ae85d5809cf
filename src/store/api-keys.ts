import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { UsageError, describeError, postgresCodeOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { apiKeys } from '../schema/index.ts';
import type { Database, Db } from './db.ts';
import type { AccountScope } from './read-keys.ts';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Creates a key named `name` and returns it: the only time it is ever shown. A revoked key's name can be
 * given to a new key (rotating an integration's key keeps its name); an active key's cannot.
 * `accountIds`: the RingCentral accounts it may read (store/api-key-accounts.ts resolves them from
 * `--account`); null: the database's sole account (see ApiKeyAccess).
 */
export async function createApiKey(db: Db, name: string, accountIds: readonly string[] | null = null): Promise<string> {
  if (!/^[\w.@-]{1,64}$/.test(name)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "-", "." or "@" (got "${name}")`);
  const key = `cs_${randomBytes(32).toString('base64url')}`;
  const scope = accountIds === null ? null : [...new Set(accountIds)].sort();
  if (scope?.length === 0) throw new UsageError('a key must be able to read at least one account');
  const inserted = await db
    .insert(apiKeys)
    .values({ name, keyHash: hash(key), prefix: key.slice(0, 7), accountIds: scope })
    .onConflictDoUpdate({
      target: apiKeys.name,
      set: { keyHash: hash(key), prefix: key.slice(0, 7), accountIds: scope, createdAt: sql`now()`, lastUsedAt: null, revokedAt: null },
      setWhere: sql`${apiKeys.revokedAt} is not null`,
    })
    .returning({ name: apiKeys.name });
  if (inserted.length === 0) throw new UsageError(`an active API key named "${name}" already exists (revoke it first, or pick another name)`);
  return key;
}

export async function listApiKeys(db: Db) {
  return db.select({ name: apiKeys.name, prefix: apiKeys.prefix, accountIds: apiKeys.accountIds, createdAt: apiKeys.createdAt, lastUsedAt: apiKeys.lastUsedAt, revokedAt: apiKeys.revokedAt }).from(apiKeys).orderBy(apiKeys.name);
}

/** Revokes a key by name; false when there is no such active key. */
export async function revokeApiKey(db: Db, name: string): Promise<boolean> {
  const revoked = await db.update(apiKeys).set({ revokedAt: sql`now()` }).where(and(eq(apiKeys.name, name), isNull(apiKeys.revokedAt))).returning({ name: apiKeys.name });
  return revoked.length > 0;
}

/**
 * Gives every key created without `--account` the one account it has read so far: called when a second
 * account is added, so those keys keep reading what they read instead of being refused. Returns how many.
 */
export async function pinUnscopedKeys(tx: Db, accountId: string): Promise<number> {
  const pinned = await tx.update(apiKeys).set({ accountIds: [accountId] }).where(isNull(apiKeys.accountIds)).returning({ name: apiKeys.name });
  return pinned.length;
}

/**
 * What a key may read: the accounts of its scope, or — for a key created without `--account` (NULL
 * account_ids) on a database now holding two or more accounts — a refusal (`unscoped`: how many accounts
 * it would have to choose from). A key whose accounts include every account of the database (the sole
 * one, for a key without `--account`) reads 'all': nothing of another account exists to keep out, and its
 * reads keep the plans of one account, which a filter on account_id would change where the planner has no
 * statistics (embedded PGlite never analyses: it then reads all of an account's calls to sort a page).
 * The accounts table is what "every account" means: each account's row comes before any of its data.
 */
export type ApiKeyAccess = { name: string; scope: AccountScope } | { name: string; unscoped: { accounts: number } };

/**
 * Use is recorded to the minute: a write (and its commit flush) on every request would cost more than the
 * query it admits. A failed write is tried again after the same minute, not on the next request.
 */
const RECORD_EVERY_MS = 60_000;

/** 42501: the role may not write; 25006: its transactions are read-only. Neither passes by retrying. */
const NOT_ALLOWED = new Set(['42501', '25006']);

/**
 * The API's key lookup: `(key)` resolves to the active key's name and scope (ApiKeyAccess), undefined for an
 * unknown or revoked key. One statement, which also counts the database's accounts (a few rows).
 * Only the lookup is in the request's path. The key's last use is recorded to the minute by a separate
 * write that the request never waits for: `serve` may run under a role that may not write (then the
 * first refusal is logged with the grant that fixes it, and use is no longer recorded), and any other
 * failure of that write is logged once and tried again a minute later.
 */
export function createApiKeyLookup(database: Database, logger: Logger): (key: string) => Promise<ApiKeyAccess | undefined> {
  /** When recording a name's use last failed; Infinity while a write is under way. */
  const busy = new Map<string, number>();
  const reported = new Set<string>();
  let allowed = true;

  async function recordUse(name: string): Promise<void> {
    try {
      await database.query(sql`
        update api_keys set last_used_at = now()
        where name = ${name} and (last_used_at is null or last_used_at < now() - interval '1 minute')`);
      busy.delete(name);
    } catch (error) {
      busy.set(name, Date.now());
      const code = postgresCodeOf(error) ?? 'unknown';
      if (reported.has(code)) return;
      reported.add(code);
      if (NOT_ALLOWED.has(code)) {
        allowed = false;
        logger.warn({ code, error: describeError(error) }, code === '25006'
          ? 'API key last use is not recorded: DATABASE_URL is read-only (a hot standby, or default_transaction_read_only). Requests are answered all the same; `api-key list` shows the last use recorded by a serve on the primary'
          : 'API key last use is not recorded: the role in DATABASE_URL may not write api_keys.last_used_at. Requests are answered all the same; to record it, GRANT UPDATE (last_used_at) ON api_keys TO that role (`callsync db-grants` prints it) and restart serve');
      } else logger.warn({ code, error: describeError(error) }, 'recording an API key\'s last use failed (requests are answered all the same; logged once per error code)');
    }
  }

  return async (key) => {
    // database.query, not drizzle's execute: prepared, so one round trip instead of a describe first.
    // Arrays as JSON text: the same on PGlite and postgres.js, whatever array parsers a connection has.
    // `accounts`: how many the database holds, and how many of them the key's accounts leave out.
    const [row] = await database.query<{ name: string; stale: boolean; scope: string | null; accounts: string }>(sql`
      select k.name, (k.last_used_at is null or k.last_used_at < now() - interval '1 minute') as stale, array_to_json(k.account_ids)::text as scope,
        (select json_build_array(count(*), count(*) filter (where not (a.id = any(coalesce(k.account_ids, '{}')))))::text from accounts a) as accounts
      from api_keys k where k.key_hash = ${hash(key)} and k.revoked_at is null`);
    if (!row) return undefined;
    const since = busy.get(row.name) ?? -Infinity;
    if (row.stale && allowed && Date.now() - since >= RECORD_EVERY_MS) {
      busy.set(row.name, Infinity);
      void recordUse(row.name);
    }
    return accessOf(row.name, row.scope, row.accounts);
  };
}

function accessOf(name: string, scope: string | null, accounts: string): ApiKeyAccess {
  const [total, outside] = JSON.parse(accounts) as [number, number];
  if (scope === null) return total <= 1 ? { name, scope: 'all' } : { name, unscoped: { accounts: total } };
  return outside === 0 ? { name, scope: 'all' } : { name, scope: JSON.parse(scope) as string[] };
}
