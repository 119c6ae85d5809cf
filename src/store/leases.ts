import { sql } from 'drizzle-orm';
import { LeaseLostError } from '../errors.ts';
import { rowsOf, type Database, type Db } from './db.ts';

/*
 * The leases of `callsync worker` (schema: tables/leases.ts). Every instant is the database's clock, so
 * workers on machines whose clocks differ still agree on who holds what.
 */

/** One account held by one worker: the fencing token of the claim and the pass log row it opened. */
export interface Lease {
  accountName: string;
  /** The fencing number (int8, kept as text). */
  token: string;
  /** The account_passes row of this claim. */
  passId: string;
  /** Failed passes in a row before this one. */
  attempts: number;
  /** How long the account had been due when claimed. */
  overdueMs: number;
}

/** Gives every managed account without a lease one, due at once (new accounts; removed ones cascade away). */
export async function seedLeases(database: Database): Promise<void> {
  await database.query(sql`
    insert into sync_leases (account_name)
    select name from managed_accounts m where not exists (select 1 from sync_leases l where l.account_name = m.name)
    on conflict do nothing`);
}

/**
 * Claims the most overdue account that is due and held by no one (its lease never taken, released, or run out),
 * for `ttlMs`. SKIP LOCKED: claimers pass over a row another is claiming, and over one whose holder is inside
 * a page transaction (the fence's lock), so a lease is never taken from under a write. A lease that ran out
 * leaves its pass open: it is closed here as `expired`, ending when the lease did.
 */
export async function claimNext(database: Database, worker: string, ttlMs: number): Promise<Lease | undefined> {
  const [row] = await database.query<{ account_name: string; token: string; pass_id: string; attempts: number; overdue_ms: number }>(sql`
    with candidate as (
      select account_name, token as old_token, expires_at as old_expires_at
      from sync_leases
      where due_at <= now() and (expires_at is null or expires_at <= now())
      order by due_at, account_name
      limit 1
      for update skip locked
    ), claimed as (
      update sync_leases l
      set owner = ${worker}, token = l.token + 1, expires_at = now() + ${ttlMs}::float8 * interval '1 millisecond', last_started_at = now()
      from candidate c
      where l.account_name = c.account_name
      returning l.account_name, l.token, l.attempts, l.due_at, c.old_token, c.old_expires_at
    ), closed as (
      update account_passes p set ended_at = c.old_expires_at, outcome = 'expired'
      from claimed c
      where p.account_name = c.account_name and p.token = c.old_token and p.ended_at is null
    ), logged as (
      insert into account_passes (account_name, worker_id, token)
      select account_name, ${worker}, token from claimed
      returning id, account_name
    )
    select c.account_name, c.token::text as token, g.id::text as pass_id, c.attempts,
      (extract(epoch from now() - c.due_at) * 1000)::float8 as overdue_ms
    from claimed c join logged g using (account_name)`);
  return row && { accountName: row.account_name, token: row.token, passId: row.pass_id, attempts: row.attempts, overdueMs: Math.max(0, row.overdue_ms) };
}

/**
 * Extends the leases this worker still holds by `ttlMs`; returns the names renewed. A lease missing from the
 * answer was taken over (its token moved on) or its account removed: its pass must stop.
 */
export async function renewLeases(database: Database, worker: string, leases: ReadonlyArray<Pick<Lease, 'accountName' | 'token'>>, ttlMs: number): Promise<Set<string>> {
  if (leases.length === 0) return new Set();
  const rows = await database.query<{ account_name: string }>(sql`
    update sync_leases l set expires_at = now() + ${ttlMs}::float8 * interval '1 millisecond'
    from unnest(${sql.param(leases.map((l) => l.accountName))}::text[], ${sql.param(leases.map((l) => l.token))}::bigint[]) as h(account_name, token)
    where l.account_name = h.account_name and l.token = h.token and l.owner = ${worker}
    returning l.account_name`);
  return new Set(rows.map((r) => r.account_name));
}

/**
 * The fence, first in every page transaction of a pass: the lease must still be this claim's and unexpired.
 * FOR KEY SHARE holds it so until the page commits (a claimer's FOR UPDATE skips the row meanwhile), yet
 * lets the heartbeat's UPDATE through.
 */
export async function assertLeaseHeld(tx: Db, worker: string, lease: Pick<Lease, 'accountName' | 'token'>): Promise<void> {
  const rows = rowsOf(await tx.execute(sql`
    select 1 from sync_leases
    where account_name = ${lease.accountName} and owner = ${worker} and token = ${lease.token}::bigint and expires_at > now()
    for key share`));
  if (rows.length === 0) throw new LeaseLostError(`account ${lease.accountName}: this worker's lease ran out or was taken over; the page is not written`);
}

/** How a pass ended, for the lease and the pass log. */
export interface PassRecord {
  outcome: string;
  /** The next pass is due this long after now. */
  delayMs: number;
  attempts: number;
  error?: string | undefined;
  errorCode?: string | undefined;
}

/**
 * Lets go of the lease (when it is still this claim's) with the next due time, and closes the pass log row.
 * The owner is cleared too, so a heartbeat already on its way cannot extend a lease let go.
 * A lease no longer ours is left alone and the pass logged as `lost`, unless its next holder closed it already.
 */
export async function releaseLease(database: Database, worker: string, lease: Pick<Lease, 'accountName' | 'token' | 'passId'>, end: PassRecord): Promise<boolean> {
  const success = end.outcome === 'success';
  const [row] = await database.query<{ released: boolean }>(sql`
    with released as (
      update sync_leases
      set owner = null, expires_at = now(), due_at = now() + ${end.delayMs}::float8 * interval '1 millisecond', attempts = ${end.attempts},
        last_outcome = ${end.outcome}, last_error = ${end.error ?? null}, last_error_code = ${end.errorCode ?? null}, last_ended_at = now(),
        last_success_at = case when ${success}::boolean then now() else last_success_at end
      where account_name = ${lease.accountName} and owner = ${worker} and token = ${lease.token}::bigint
      returning 1
    ), logged as (
      update account_passes
      set ended_at = now(), outcome = case when exists (select 1 from released) then ${end.outcome} else 'lost' end,
        error = ${end.error ?? null}, error_code = ${end.errorCode ?? null}
      where id = ${lease.passId}::bigint and ended_at is null
    )
    select exists (select 1 from released) as released`);
  return row?.released === true;
}
