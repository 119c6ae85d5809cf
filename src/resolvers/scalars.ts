import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** What Date.prototype.toISOString gives for years 0–9999. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The contract's DateTime: ISO-8601 in, always UTC ISO-8601 out. A malformed value is a clear GraphQL error. */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    // Read models build instants in SQL already in this form (store/call-json.ts): pass them through.
    if (typeof value === 'string' && CANONICAL.test(value)) return value;
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue: (value) => parseInstant(value),
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string such as "2026-11-01T08:00:00Z"');
    return parseInstant(ast.value);
  },
});

function parseInstant(value: unknown): Date {
  // An offset is required: a bare local time would mean different instants on different servers.
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new GraphQLError(`"${String(value)}" is not a DateTime: use ISO-8601 with an offset, e.g. 2026-11-01T08:00:00Z`);
  }
  return new Date(value);
}
