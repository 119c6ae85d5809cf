import { sql, type SQL } from 'drizzle-orm';

/** Pieces every API read shares: keys of many calls at once, and exact keyset positions in time. */

/** A call, identified across accounts. */
export interface CallKey {
  accountId: string;
  id: string;
}

/** The keys as a table `k(account_id, id)` to join: one parameter per column, whatever their number. */
export const keysTable = (keys: readonly CallKey[]) =>
  sql`unnest(${sql.param(keys.map((k) => k.accountId))}::text[], ${sql.param(keys.map((k) => k.id))}::text[]) as k(account_id, id)`;

/**
 * The keys of the scope's accounts. Reads by key start from rows already read within the scope (a page's
 * calls, a voicemail's call); dropping the others here keeps every read's rows in scope all the same.
 */
export const keysInScope = <K extends { accountId: string }>(keys: readonly K[], scope: AccountScope): readonly K[] =>
  scope === 'all' ? keys : keys.filter((k) => scope.includes(k.accountId));

/** An instant as whole microseconds since the epoch, as text: a cursor exact where a JS Date is not. */
export const micros = (instant: SQL) => sql`(extract(epoch from ${instant}) * 1000000)::bigint::text`;

/** The instant of a `micros` value. */
export const atMicros = (us: string) => sql`(timestamptz 'epoch' + ${us}::bigint * interval '1 microsecond')`;

/**
 * The accounts an API read may return rows of (the key's scope, store/api-keys.ts): their ids, or 'all' —
 * the operator's signed status link, and a key of every account the database holds (a single-account
 * deployment's keys). Every read of the API takes one; there is no default.
 */
export type AccountScope = readonly string[] | 'all';

/**
 * `column` limited to the scope, or undefined for 'all'. One account is an equality, which the planner
 * treats as a constant (an ORDER BY on it costs nothing, an index led by it is used); several are `= any`.
 */
export function scopeCondition(column: SQL, scope: AccountScope): SQL | undefined {
  if (scope === 'all') return undefined;
  if (scope.length === 0) return sql`false`;
  if (scope.length === 1) return sql`${column} = ${scope[0]!}`;
  return sql`${column} = any(${sql.param([...scope])}::text[])`;
}

/** Whether the scope holds the account. */
export const inScope = (scope: AccountScope, accountId: string) => scope === 'all' || scope.includes(accountId);
