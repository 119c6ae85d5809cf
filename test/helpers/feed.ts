import { sql } from 'drizzle-orm';
import type { Database } from '../../src/store/db.ts';

/**
 * Waits until every change-feed row written so far is released to readers. Release waits for every
 * transaction that began earlier to end — on the whole server, so another test file's open transaction
 * delays it (never loses a row). Tests that expect a change "now" wait for this first. The limit only turns
 * a transaction left open into a clear error before the test's own timeout: another file's page transaction
 * on a busy machine can take many seconds (20 s was too few).
 */
export async function feedSettled(database: Database, timeoutMs = 120_000): Promise<void> {
  const [last] = await database.query<{ xid: string }>(sql`select coalesce(max(xid), '0')::text as xid from call_changes`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await database.query<{ released: boolean }>(sql`select pg_snapshot_xmin(pg_current_snapshot()) > ${last!.xid}::xid8 as released`);
    if (row!.released) return;
    if (Date.now() > deadline) throw new Error(`change-feed rows up to xid ${last!.xid} not released after ${timeoutMs} ms: a transaction stays open on the server`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
