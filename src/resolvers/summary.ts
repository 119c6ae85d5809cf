import { summariseDispositions, type SummaryDimension } from '../store/summary.ts';
import { checkInterval } from './arguments.ts';
import type { ApiContext } from './context.ts';
import { badInput } from './errors.ts';

/** Query.dispositionSummary: the BI view, counts and talk time per disposition over a period. */
export const summaryResolvers = {
  Query: {
    async dispositionSummary(_: unknown, args: { from: Date; to: Date; groupBy?: SummaryDimension[] | null }, context: ApiContext) {
      checkInterval(args.from, args.to, ['from', 'to']);
      const groupBy = args.groupBy ?? [];
      const repeated = groupBy.find((d, i) => groupBy.indexOf(d) !== i);
      if (repeated) throw badInput(`groupBy names ${repeated} twice`, 'groupBy');
      const rows = await summariseDispositions(context.database, args.from, args.to, groupBy);
      return rows.map((r) => {
        const seconds = Number(r.total_duration_seconds);
        if (!Number.isSafeInteger(seconds) || seconds > 2 ** 31 - 1) {
          throw badInput('totalDurationSeconds of a bucket exceeds a GraphQL Int: split the period or group by DAY', 'from');
        }
        return {
          day: r.day,
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
