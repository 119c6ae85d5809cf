import { sql, type SQL } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';

/**
 * Column definitions of a table for `jsonb_to_recordset`, taken from the drizzle schema so the bulk
 * statements cannot drift from the tables. Sending a page as one JSON parameter keeps a 1000-record page
 * to one statement per table, far from Postgres' 65,535-parameter limit.
 */
export function recordsetColumns(table: PgTable, skip: readonly string[] = []): { names: string[]; definition: SQL } {
  const columns = getTableConfig(table).columns.filter((c) => !skip.includes(c.name));
  const names = columns.map((c) => c.name);
  const definition = sql.raw(columns.map((c) => `"${c.name}" ${c.getSQLType()}`).join(', '));
  return { names, definition };
}

export const columnList = (names: readonly string[]) => sql.raw(names.map((n) => `"${n}"`).join(', '));
