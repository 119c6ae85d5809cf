import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from './db.ts';

/**
 * The earliest instant the sync covers on an account, fixed the first time anyone asks: the call log's first
 * backfill and every mailbox's first read start there, whichever stream runs first and however long the
 * other took (a slow first backfill must not leave a gap before the voicemails' first reads).
 */
export async function coverageStart(db: Db, accountId: string, proposed: Date): Promise<Date> {
  const [row] = rowsOf<{ t: string }>(await db.execute(sql`
    update accounts set coverage_from = coalesce(coverage_from, ${proposed.toISOString()}::timestamptz)
    where id = ${accountId} returning coverage_from::text as t`));
  return row ? new Date(row.t) : proposed;
}

/** Moves the coverage start earlier (a `backfill` of an older period), never later. */
export async function extendCoverage(db: Db, accountId: string, from: Date): Promise<void> {
  await db.execute(sql`
    update accounts set coverage_from = least(coalesce(coverage_from, ${from.toISOString()}::timestamptz), ${from.toISOString()}::timestamptz)
    where id = ${accountId}`);
}
