import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { parseInstant, type Instant } from '../core/instant.ts';

/** What Date.prototype.toISOString gives for years 0–9999. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The contract's DateTime: RFC 3339 in (an offset required: a bare local time would mean different
 * instants on different servers), kept to the microsecond; always UTC ISO-8601 with milliseconds out.
 * A malformed or impossible value (2026-11-31) is a clear GraphQL error, never a rolled-over date.
 */
export const DateTime = new GraphQLScalarType<Instant, string>({
  name: 'DateTime',
  // The contract's own description: the resolver's scalar replaces the schema's.
  description: 'An instant, ISO-8601 with offset, always emitted in UTC (e.g. 2026-10-26T16:44:41.829Z).',
  serialize(value) {
    // Read models build instants in SQL already in this form (store/call-json.ts): pass them through.
    if (typeof value === 'string' && CANONICAL.test(value)) return value;
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue: (value) => instant(value),
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string such as "2026-11-01T08:00:00Z"');
    return instant(ast.value);
  },
});

function instant(value: unknown): Instant {
  const parsed = typeof value === 'string' ? parseInstant(value) : { error: 'a DateTime is a string such as "2026-11-01T08:00:00Z"' };
  if ('error' in parsed) throw new GraphQLError(`${JSON.stringify(value)} is not a DateTime: ${parsed.error}`);
  return parsed;
}
