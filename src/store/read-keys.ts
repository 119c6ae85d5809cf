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

/** An instant as whole microseconds since the epoch, as text: a cursor exact where a JS Date is not. */
export const micros = (instant: SQL) => sql`(extract(epoch from ${instant}) * 1000000)::bigint::text`;

/** The instant of a `micros` value. */
export const atMicros = (us: string) => sql`(timestamptz 'epoch' + ${us}::bigint * interval '1 microsecond')`;
