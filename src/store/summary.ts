import { sql, type SQL } from 'drizzle-orm';
import { Instant, instantText } from '../core/instant.ts';
import type { Database } from './db.ts';
import { scopeCondition, type AccountScope } from './read-keys.ts';

export type SummaryDimension = 'DAY' | 'EXTENSION' | 'DIRECTION';
/** The dimensions a summary can be grouped by: the contract's, and the account (Query.dispositionSummary's ACCOUNT). */
export type SummaryGrouping = SummaryDimension | 'ACCOUNT';

export interface SummaryRow {
  day: string | null;
  /** Present only when grouped by ACCOUNT. */
  account_id?: string;
  extension_id: string | null;
  direction: string | null;
  disposition: string;
  count: number;
  total_duration_seconds: number;
}

const DAY_MS = 86_400_000;

/** The grouping expressions over the daily aggregate and over raw calls: the same text for the same call. */
const DIMENSIONS: Record<SummaryDimension, { days: SQL; calls: SQL }> = {
  DAY: { days: sql`to_char(a.day, 'YYYY-MM-DD')`, calls: sql`to_char(c.start_time at time zone 'UTC', 'YYYY-MM-DD')` },
  // The aggregate keeps "none" as '' (a key column); raw calls are read the same way.
  EXTENSION: { days: sql`nullif(a.extension_id, '')`, calls: sql`nullif(d.extension_id, '')` },
  DIRECTION: { days: sql`nullif(a.direction, '')`, calls: sql`nullif(c.direction, '')` },
};

/** A stretch of raw calls [from, to) counted with `sign`: +1 adds it, -1 takes it out of a whole day. */
interface RawPiece {
  from: Date;
  to: Date;
  sign: 1 | -1;
}

/** How [from, to) is answered: whole UTC days [firstDay, endDay) from the aggregate, plus or minus raw pieces. */
export interface SummaryPlan {
  firstDay: Date;
  endDay: Date;
  raw: RawPiece[];
}

/**
 * Splits [from, to) into whole UTC days and the partial days at its edges. Each edge is counted from the
 * side with fewer calls to read: the part inside the period added to the whole days, or the whole edge
 * day from the aggregate less the part outside. Time after `now` holds no calls yet, so `to = now` reads
 * none, and no edge reads more than half a day of calls, however long the period or the history. Either
 * side gives the same answer: `now` only decides the cost.
 */
export function planSummary(from: Date, to: Date, now: Date): SummaryPlan {
  // Milliseconds of [a, b) that can hold calls.
  const cost = (a: number, b: number) => Math.max(0, Math.min(b, now.getTime()) - a);
  const floorDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
  // In fractional ms: an Instant 0.5 µs past midnight is not on the day's boundary.
  const [start, end] = [from.getTime() + microsOf(from) / 1000, to.getTime() + microsOf(to) / 1000];
  const [fromDay, toDay] = [floorDay(start), floorDay(end)];
  // Within one day: the raw calls themselves (at most a day of them).
  if (fromDay === toDay) return { firstDay: new Date(fromDay), endDay: new Date(fromDay), raw: start < end ? [{ from, to, sign: 1 }] : [] };
  const raw: RawPiece[] = [];
  let firstDay = fromDay;
  if (start > fromDay) {
    if (cost(start, fromDay + DAY_MS) <= cost(fromDay, start)) {
      firstDay = fromDay + DAY_MS;
      raw.push({ from, to: new Date(firstDay), sign: 1 });
    } else raw.push({ from: new Date(fromDay), to: from, sign: -1 });
  }
  let endDay = toDay;
  if (end > toDay) {
    if (cost(toDay, end) < cost(end, toDay + DAY_MS)) raw.push({ from: new Date(toDay), to, sign: 1 });
    else {
      endDay = toDay + DAY_MS;
      raw.push({ from: to, to: new Date(endDay), sign: -1 });
    }
  }
  return { firstDay: new Date(firstDay), endDay: new Date(endDay), raw };
}

const microsOf = (date: Date) => (date instanceof Instant ? date.microsPastMs : 0);

const dayText = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Calls per disposition over [from, to) by start time, tombstones left out, grouped by the requested
 * dimensions (UTC day, the disposition's extension, direction, account), of the scope's accounts only.
 * Calls not derived yet count as UNKNOWN.
 * Whole days come from disposition_days, the edges from calls (planSummary): the same answer as counting
 * every call, at the cost of the days in the period rather than of their calls.
 */
export async function summariseDispositions(database: Database, scope: AccountScope, from: Date, to: Date, groupBy: readonly SummaryGrouping[], now = new Date()): Promise<SummaryRow[]> {
  const plan = planSummary(from, to, now);
  const by = (dimension: SummaryDimension, side: 'days' | 'calls') => (groupBy.includes(dimension) ? DIMENSIONS[dimension][side] : sql`null::text`);
  // The account column only when asked for: rows keep their shape otherwise.
  const byAccount = groupBy.includes('ACCOUNT');
  const account = (alias: 'a' | 'c') => (byAccount ? sql`, ${sql.raw(alias)}.account_id` : sql``);
  const dims = (side: 'days' | 'calls') => sql`${by('DAY', side)} as day, ${by('EXTENSION', side)} as extension_id, ${by('DIRECTION', side)} as direction`;
  const within = (alias: 'a' | 'c') => {
    const condition = scopeCondition(sql.raw(`${alias}.account_id`), scope);
    return condition ? sql` and ${condition}` : sql``;
  };
  const parts: SQL[] = [];
  if (plan.firstDay < plan.endDay) {
    parts.push(sql`
      select ${dims('days')}, a.disposition, a.calls as n, a.duration_seconds as seconds${account('a')}
      from disposition_days a
      where a.day >= ${dayText(plan.firstDay)}::date and a.day < ${dayText(plan.endDay)}::date${within('a')}`);
  }
  for (const piece of plan.raw) {
    parts.push(sql`
      select ${dims('calls')}, coalesce(d.disposition, 'UNKNOWN') as disposition, ${sql.raw(String(piece.sign))} as n,
        ${sql.raw(String(piece.sign))} * coalesce(c.duration_seconds, 0)::bigint as seconds${account('c')}
      from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
      where c.start_time >= ${instantText(piece.from)} and c.start_time < ${instantText(piece.to)} and not c.deleted${within('c')}`);
  }
  if (parts.length === 0) return [];
  const accountColumn = byAccount ? sql`, account_id` : sql``;
  return database.query<SummaryRow>(sql`
    select day, extension_id, direction, disposition, sum(n)::int as count, sum(seconds)::bigint::text as total_duration_seconds${accountColumn}
    from (${sql.join(parts, sql` union all `)}) as buckets
    group by day, extension_id, direction, disposition${accountColumn}
    having sum(n) > 0
    order by day nulls first${accountColumn}, extension_id nulls first, direction nulls first, disposition`);
}
