import { sql, type SQL } from 'drizzle-orm';
import { instantText } from '../core/instant.ts';
import type { Database } from './db.ts';

export type SummaryDimension = 'DAY' | 'EXTENSION' | 'DIRECTION';

export interface SummaryRow {
  day: string | null;
  extension_id: string | null;
  direction: string | null;
  disposition: string;
  count: number;
  total_duration_seconds: number;
}

const DIMENSIONS: Record<SummaryDimension, SQL> = {
  DAY: sql`to_char(c.start_time at time zone 'UTC', 'YYYY-MM-DD')`,
  EXTENSION: sql`d.extension_id`,
  DIRECTION: sql`c.direction`,
};

/**
 * Calls per disposition over [from, to) by start time, tombstones left out, grouped by the requested
 * dimensions (UTC day, the disposition's extension, direction). Calls not derived yet count as UNKNOWN.
 */
export async function summariseDispositions(database: Database, from: Date, to: Date, groupBy: readonly SummaryDimension[]): Promise<SummaryRow[]> {
  const by = (dimension: SummaryDimension) => (groupBy.includes(dimension) ? DIMENSIONS[dimension] : sql`null::text`);
  return database.query<SummaryRow>(sql`
    select ${by('DAY')} as day, ${by('EXTENSION')} as extension_id, ${by('DIRECTION')} as direction,
      coalesce(d.disposition, 'UNKNOWN') as disposition, count(*)::int as count,
      coalesce(sum(c.duration_seconds), 0)::bigint::text as total_duration_seconds
    from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
    where c.start_time >= ${instantText(from)} and c.start_time < ${instantText(to)} and not c.deleted
    group by 1, 2, 3, 4
    order by 1 nulls first, 2 nulls first, 3 nulls first, 4`);
}
