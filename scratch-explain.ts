// Scratch (not committed): EXPLAIN ANALYZE of the scoped reads on PostgreSQL with a large account A and a small B.
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openDatabase, type Database } from './src/store/db.ts';
import { migrate } from './src/store/migrate.ts';
import { findCalls, callsById } from './src/store/call-reads.ts';
import { readCallChanges, FEED_START } from './src/store/call-feed.ts';
import { createEmptyPostgresDatabase, dropPostgresDatabase } from './test/helpers/database.ts';

const url = await createEmptyPostgresDatabase();
const db = await openDatabase({ url });
await migrate(db);
const fill = async (account: string, n: number, every: number) => db.query(sql`
  insert into calls (account_id, id, start_time, end_time, direction, raw, content_hash, from_e164, to_e164, session_id)
  select ${account}, ${account} || '-' || g, now() - g * ${every} * interval '1 second', now() - g * ${every} * interval '1 second' + interval '1 minute',
    case when g % 2 = 0 then 'Inbound' else 'Outbound' end, '{}'::jsonb, md5(g::text), '+1650555' || lpad((g % 10000)::text, 4, '0'), '+14155550000', g::text
  from generate_series(1, ${n}) g`);
await fill('A', 300_000, 10);
await fill('B', 3_000, 1000);
console.log(await db.query(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, (select max(xid)::text from call_changes) as maxxid, (select count(*) from call_changes) as n`));
await db.query(sql`analyze`);
const dialect = new PgDialect();
const explain = (label: string): Database => ({
  ...db,
  query: async (statement: SQL) => {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    const rows = await db.query<{ 'QUERY PLAN': string }>(sql.raw(`explain (analyze, costs off, timing off, summary on) ${inline(text, params)}`));
    console.log(`\n=== ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    return db.query(statement);
  },
});
function inline(text: string, params: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, i) => {
    const v = params[Number(i) - 1];
    if (Array.isArray(v)) return `'{${v.map((x) => `"${x}"`).join(',')}}'`;
    return v === null ? 'null' : `'${String(v).replace(/'/g, "''")}'`;
  });
}
const sel = { id: true, startTime: true } as const;
await findCalls(explain('calls page, scope [A]'), ['A'], {}, 'desc', null, 50, sel);
await findCalls(explain('calls page, scope [B] (small among big)'), ['B'], {}, 'desc', null, 50, sel);
await findCalls(explain('calls page, scope [A,B]'), ['A', 'B'], {}, 'desc', null, 50, sel);
await findCalls(explain('calls page, unscoped (all)'), 'all', {}, 'desc', null, 50, sel);
const mid = await db.query<{ us: string; id: string }>(sql`select (extract(epoch from start_time) * 1000000)::bigint::text as us, id from calls where account_id = 'A' order by start_time desc limit 1 offset 1000`);
await findCalls(explain('calls page after a cursor, scope [A]'), ['A'], {}, 'desc', { startUs: mid[0]!.us, id: mid[0]!.id, accountId: 'A' }, 50, sel);
await findCalls(explain('calls page after a cursor, scope [A,B]'), ['A', 'B'], {}, 'desc', { startUs: mid[0]!.us, id: mid[0]!.id, accountId: 'A' }, 50, sel);
await findCalls(explain('calls by phone, scope [A]'), ['A'], { phoneNumber: '+16505550042' }, 'desc', null, 50, sel);
await callsById(explain('call by id, scope [A]'), ['A'], ['A-77']);
await readCallChanges(explain('feed from start, scope [A]'), ['A'], FEED_START, 100);
await readCallChanges(explain('feed from start, scope [B]'), ['B'], FEED_START, 100);
await readCallChanges(explain('feed from start, all'), 'all', FEED_START, 100);
await db.close();
await dropPostgresDatabase(url);
