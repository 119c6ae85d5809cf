import { isDeepStrictEqual } from 'node:util';
import type postgres from 'postgres';

/*
 * The summary part of bench:api: `dispositionSummary` as a BI dashboard's tiles ask it, through the running
 * `callsync serve`, one request at a time (a request's own latency), beside the raw statement over calls
 * that answered it before the daily aggregate (prepared, as postgres.js runs it). Each answer is first
 * checked against that raw statement's.
 */

const SUMMARY_QUERY = `query Summary($from: DateTime!, $to: DateTime!, $groupBy: [SummaryDimension!]) {
  dispositionSummary(from: $from, to: $to, groupBy: $groupBy) { day extensionId direction disposition count totalDurationSeconds } }`;

/** The statement dispositionSummary ran over calls before the aggregate, grouped by day and extension. */
const RAW_BY_DAY_AND_EXTENSION = `
  select to_char(c.start_time at time zone 'UTC', 'YYYY-MM-DD') as day, d.extension_id, null::text as direction,
    coalesce(d.disposition, 'UNKNOWN') as disposition, count(*)::int as count,
    coalesce(sum(c.duration_seconds), 0)::bigint::text as total_duration_seconds
  from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
  where c.start_time >= $1::timestamptz and c.start_time < $2::timestamptz and not c.deleted
  group by 1, 2, 3, 4
  order by 1 nulls first, 2 nulls first, 3 nulls first, 4`;

const WARM_UP = 10;
const RUNS = 100;

interface Tile {
  label: string;
  from: Date;
  to: Date;
}

/** Quantile of sorted milliseconds. */
const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) await fn(); // past PostgreSQL's 5 custom plans of a prepared statement
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b);
}

/** Measures the tiles and prints p50/p95 of each; throws when an answer differs from the raw statement's. */
export async function benchSummary(graphqlUrl: string, headers: Record<string, string>, sql: postgres.Sql, now: Date): Promise<void> {
  const DAY = 86_400_000;
  const midnight = new Date(Math.floor(now.getTime() / DAY) * DAY);
  const tiles: Tile[] = [
    { label: 'last 30 days to now', from: new Date(now.getTime() - 30 * DAY), to: now },
    { label: '30 whole UTC days', from: new Date(midnight.getTime() - 29 * DAY), to: new Date(midnight.getTime() + DAY) },
  ];
  const ask = async (tile: Tile) => {
    const res = await fetch(graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query: SUMMARY_QUERY, variables: { from: tile.from, to: tile.to, groupBy: ['DAY', 'EXTENSION'] } }) });
    const text = await res.text();
    const parsed = JSON.parse(text) as { data?: { dispositionSummary: Array<Record<string, unknown>> }; errors?: unknown };
    if (res.status !== 200 || parsed.errors || !parsed.data) throw new Error(`dispositionSummary answered ${res.status}: ${text.slice(0, 500)}`);
    return parsed.data.dispositionSummary;
  };
  const raw = (tile: Tile) => sql.unsafe<Array<Record<string, unknown>>>(RAW_BY_DAY_AND_EXTENSION, [tile.from.toISOString(), tile.to.toISOString()], { prepare: true });

  console.log(`\ndispositionSummary(groupBy: [DAY, EXTENSION]), one request at a time, ${RUNS} runs after ${WARM_UP}:`);
  for (const tile of tiles) {
    const api = await ask(tile);
    const expected = (await raw(tile)).map((r) => ({
      day: r.day, extensionId: r.extension_id, direction: null, disposition: r.disposition, count: r.count, totalDurationSeconds: Number(r.total_duration_seconds),
    }));
    if (!isDeepStrictEqual(api, expected)) throw new Error(`${tile.label}: the API's ${api.length} buckets differ from the raw statement's ${expected.length}`);
    const calls = expected.reduce((n, b) => n + Number(b.count), 0);
    const viaApi = await timed(RUNS, () => ask(tile));
    const viaSql = await timed(RUNS, () => raw(tile));
    const f = (xs: number[]) => `p50 ${at(xs, 0.5).toFixed(1).padStart(7)} ms, p95 ${at(xs, 0.95).toFixed(1).padStart(7)} ms`;
    console.log(`  ${tile.label.padEnd(20)} ${String(expected.length).padStart(5)} buckets, ${calls.toLocaleString('en-US')} calls`);
    console.log(`    GraphQL (HTTP, callsync serve)     ${f(viaApi)}`);
    console.log(`    raw statement over calls (SQL)     ${f(viaSql)}`);
  }
}
