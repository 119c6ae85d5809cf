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

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Upserts rows (column-name keyed) in one statement, writing a row only when one of its non-key columns
 * differs, and bumping updated_at when the table has one. Returns the counts, so a dry run can report
 * what would change.
 */
export async function upsertChanged(
  tx: { execute(query: SQL): Promise<unknown> },
  table: PgTable,
  keyColumns: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
  rowsOf: <T>(result: unknown) => T[],
): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { name } = getTableConfig(table);
  const all = recordsetColumns(table, ['updated_at']);
  const hasUpdatedAt = getTableConfig(table).columns.some((c) => c.name === 'updated_at');
  const values = all.names.filter((n) => !keyColumns.includes(n));
  const set = sql.raw([...values.map((n) => `"${n}" = excluded."${n}"`), ...(hasUpdatedAt ? ['"updated_at" = now()'] : [])].join(', '));
  const differs = sql.raw(`(${values.map((n) => `t."${n}"`).join(', ')}) is distinct from (${values.map((n) => `excluded."${n}"`).join(', ')})`);
  const written = rowsOf<{ inserted: boolean }>(await tx.execute(sql`
    insert into ${sql.raw(`"${name}"`)} as t (${columnList(all.names)})
    select ${columnList(all.names)} from json_to_recordset(${JSON.stringify(rows)}::json) as r(${all.definition})
    on conflict (${columnList(keyColumns)}) do update set ${set} where ${differs}
    returning (xmax = 0) as inserted`));
  const inserted = written.filter((w) => w.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: rows.length - written.length };
}

/**
 * A JSON array of rows, each with its `raw` column spliced in as the JSON text RingCentral sent, so int64
 * values reach the jsonb column exactly (they would not survive a round trip through a JS number).
 */
export function rowsWithRawJson(rows: ReadonlyArray<{ row: object; rawJson: string }>): string {
  return `[${rows.map(({ row, rawJson }) => `${JSON.stringify(row).slice(0, -1)},"raw":${rawJson}}`).join(',')}]`;
}
