import { summariseDispositions, type SummaryGrouping } from '../store/summary.ts';
import { checkInterval } from './arguments.ts';
import type { ApiContext } from './context.ts';
import { badInput } from './errors.ts';

/** Query.dispositionSummary: the BI view, counts and talk time per disposition over a period. */
export const summaryResolvers = {
  Query: {
    async dispositionSummary(_: unknown, args: { from: Date; to: Date; groupBy?: SummaryGrouping[] | null }, context: ApiContext) {
      checkInterval(args.from, args.to, ['from', 'to']);
      const groupBy = args.groupBy ?? [];
      const repeated = groupBy.find((d, i) => groupBy.indexOf(d) !== i);
      if (repeated) throw badInput(`groupBy names ${repeated} twice`, 'groupBy');
      // An extension id names an extension within its account: grouped by extension, buckets are per account too.
      const dimensions: SummaryGrouping[] = groupBy.includes('EXTENSION') && !groupBy.includes('ACCOUNT') ? [...groupBy, 'ACCOUNT'] : groupBy;
      const rows = await summariseDispositions(context.database, context.scope, args.from, args.to, dimensions);
      return rows.map((r) => {
        const seconds = Number(r.total_duration_seconds);
        if (!Number.isSafeInteger(seconds) || seconds > 2 ** 31 - 1) {
          throw badInput('totalDurationSeconds of a bucket exceeds a GraphQL Int: split the period or group by DAY', 'from');
        }
        return {
          day: r.day,
          accountId: r.account_id ?? null,
          extensionId: r.extension_id,
          direction: r.direction === null ? null : r.direction === 'Outbound' ? 'OUTBOUND' : 'INBOUND',
          disposition: r.disposition,
          count: r.count,
          totalDurationSeconds: seconds,
        };
      });
    },
  },
};
