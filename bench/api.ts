/**
 * npm run bench:api — the GraphQL API under load: `calls(first: 100)` with legs, voicemail and recording,
 * on 100,000 synced calls (~3 legs each, voicemails, recordings; links and dispositions derived) in
 * PostgreSQL, against a floor: the same page fetched by ONE hand-written SQL statement (json_agg of the
 * legs) behind a bare node:http server. Target: GraphQL p50 ≤ 1.5 × the floor's p50.
 *
 * The GraphQL API runs as `callsync serve` (bin/callsync.js, heap ceiling 256 MB) in a process of its own,
 * and the floor server in another process of the same kind (node + tsx, same heap ceiling, a postgres.js
 * pool of 5 like callsync's), so neither shares an event loop with autocannon, which runs here. Both get
 * the same 20 pages (the first and 19 spread over the whole table, each connection rotating through them
 * from its own offset), so neither one page's cache nor one plan is all that is measured. Before any load,
 * every page is checked: data without errors, 100 edges, and the same calls with the same field values
 * from both. Each contender is measured alone after a 3 s warm-up: with 1 connection (a request's own
 * latency) and with BENCH_CONNECTIONS (default 10: on 2 cores, enough to keep the server process and its
 * 5 pooled connections busy, i.e. throughput, without measuring mostly queueing). Beside req/s, p50 and
 * p99 it reports the CPU each request cost in the server process and in its PostgreSQL backends, a
 * `{ __typename }` run (authentication and GraphQL overhead alone), and which statements the GraphQL
 * server's connections are busy with (sampled from pg_stat_activity).
 *
 * Last, a flood: BENCH_FLOOD_CONNECTIONS (default 50) connections of one key send pages for BENCH_DURATION
 * while a second key sends light requests one at a time; its latency is reported alone and during the flood,
 * with how the flood's requests were answered (200, or 429 past the per-key limits).
 *
 * Before the pages, dispositionSummary as BI tiles ask it (bench/api-summary.ts; BENCH_SUMMARY_ONLY=1 stops there).
 *
 * BENCH_DATABASE_URL and BENCH_CALLS as for bench:sync. BENCH_DURATION (seconds, default 10) and
 * BENCH_CONNECTIONS shape the measured runs; BENCH_CPU_PROF=DIR writes a CPU profile of the GraphQL
 * server to DIR (profiling slows it: take the figures from a run without).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { benchSummary } from './api-summary.ts';

const PAGE_QUERY = `query Page($after: String) { calls(first: 100, after: $after) { edges { cursor node { id sessionId direction startTime endTime durationSeconds result disposition dispositionReason final from { phoneNumber name } to { phoneNumber name } legs { position legType direction action result startTime durationSeconds from { phoneNumber } to { phoneNumber } extension { id name } } voicemail { id creationTime durationSeconds audioContentUri } recording { id type contentUri } } } pageInfo { hasNextPage endCursor } } }`;
const WALK_QUERY = `query Walk($after: String) { calls(first: 500, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
const PAGES = 20;
const HEAP_MB = 256; // as bin/callsync.js

// ---------------------------------------------------------------------------------------------------------
// The floor: one statement per request, the page already serialised to the GraphQL response's JSON by SQL.
// ---------------------------------------------------------------------------------------------------------

/** ISO-8601 in UTC with milliseconds, as the DateTime scalar emits it. */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The floor's statement: the calls of every account, as Query.calls has them. For a later page $1 is the
 * start_time (text) and $2 the id of the call before it.
 */
function floorStatement(withCursor: boolean): string {
  return `
with page as (
  select c.account_id, c.id, c.session_id, c.direction, c.start_time, c.end_time, c.duration_seconds, c.result,
         c.from_e164, c.from_phone_number, c.from_name, c.to_e164, c.to_phone_number, c.to_name
  from calls c
  where not c.deleted ${withCursor ? 'and (c.start_time, c.id) < ($1::timestamptz, $2::text)' : ''}
  order by c.start_time desc, c.id desc
  limit 101
), shown as (
  select * from page order by start_time desc, id desc limit 100
)
select json_build_object('data', json_build_object('calls', json_build_object(
  'edges', coalesce((
    select json_agg(json_build_object(
      'cursor', p.start_time::text || '|' || p.id,
      'node', json_build_object(
        'id', p.id, 'sessionId', p.session_id, 'direction', case when p.direction = 'Outbound' then 'OUTBOUND' else 'INBOUND' end,
        'startTime', ${iso('p.start_time')}, 'endTime', ${iso('p.end_time')},
        'durationSeconds', coalesce(p.duration_seconds, 0), 'result', coalesce(p.result, 'Unknown'),
        'disposition', coalesce(d.disposition, 'UNKNOWN'), 'dispositionReason', coalesce(d.reason, 'The disposition has not been derived yet.'), 'final', coalesce(d.final, false),
        'from', json_build_object('phoneNumber', coalesce(p.from_e164, p.from_phone_number), 'name', p.from_name),
        'to', json_build_object('phoneNumber', coalesce(p.to_e164, p.to_phone_number), 'name', p.to_name),
        'legs', coalesce(legs.legs, '[]'::json),
        'voicemail', vm.voicemail,
        'recording', rec.recording)
    ) order by p.start_time desc, p.id desc)
    from shown p
    -- Every per-call piece is an index lookup (the limits keep the planner from turning them into hash
    -- joins over whole tables).
    left join lateral (
      select d.disposition, d.reason, d.final from call_dispositions d
      where d.account_id = p.account_id and d.call_id = p.id
      limit 1
    ) d on true
    left join lateral (
      select json_agg(json_build_object(
        'position', l.position, 'legType', coalesce(l.leg_type, 'Unknown'), 'direction', case when l.direction = 'Outbound' then 'OUTBOUND' else 'INBOUND' end,
        'action', coalesce(l.action, 'Unknown'), 'result', coalesce(l.result, 'Unknown'), 'startTime', ${iso('l.start_time')},
        'durationSeconds', coalesce(l.duration_seconds, 0),
        'from', json_build_object('phoneNumber', coalesce(l.from_e164, l.from_phone_number)),
        'to', json_build_object('phoneNumber', coalesce(l.to_e164, l.to_phone_number)),
        'extension', case when l.extension_id is null then null else json_build_object('id', l.extension_id,
          'name', (select e.name from extensions e where e.account_id = l.account_id and e.id = l.extension_id)) end
      ) order by l.position) as legs
      from call_legs l
      where l.account_id = p.account_id and l.call_id = p.id
    ) legs on true
    left join lateral (
      select json_build_object('id', v.id, 'creationTime', ${iso('coalesce(v.creation_time, p.end_time, v.first_seen_at)')}, 'durationSeconds', v.duration_seconds, 'audioContentUri', v.audio_uri) as voicemail
      from voicemail_links vl
      join voicemails v on v.account_id = vl.account_id and v.id = vl.voicemail_id
      where vl.account_id = p.account_id and vl.call_id = p.id
      limit 1
    ) vm on true
    left join lateral (
      select json_build_object('id', r.id, 'type', r.type, 'contentUri', coalesce(r.content_uri, r.uri, '')) as recording
      from recordings r
      where r.account_id = p.account_id and r.call_id = p.id
      order by r.leg_position
      limit 1
    ) rec on true
  ), '[]'::json),
  'pageInfo', json_build_object(
    'hasNextPage', (select count(*) from page) > 100,
    'endCursor', (select start_time::text || '|' || id from shown order by start_time, id limit 1))
)))::text as body`;
}

const FLOOR_FIRST = floorStatement(false);
const FLOOR_AFTER = floorStatement(true);

/** One page from the floor statement. `after` is the floor's own cursor, "start_time|id". */
async function floorPage(sql: postgres.Sql, after: string | null): Promise<string> {
  if (after === null) return (await sql.unsafe<{ body: string }[]>(FLOOR_FIRST, [], { prepare: true }))[0]!.body;
  const bar = after.lastIndexOf('|');
  return (await sql.unsafe<{ body: string }[]>(FLOOR_AFTER, [after.slice(0, bar), after.slice(bar + 1)], { prepare: true }))[0]!.body;
}

/** The floor server (a child process): POST /calls {"after": cursor|null} → the page as the GraphQL response. */
async function floorServer(): Promise<void> {
  const sql = postgres(process.env.DATABASE_URL!, { max: 5, onnotice: () => {}, connection: { application_name: 'callsync-floor' } });
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/calls') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const { after } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { after: string | null };
        const body = await floorPage(sql, after ?? null);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sql.end({ timeout: 5 });
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark.
// ---------------------------------------------------------------------------------------------------------

interface Served {
  url: string;
  child: ChildProcess;
  /** The child's VmHWM (peak resident memory) in MB, read while it runs. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Spawns a server process and waits for the JSON line naming its URL. */
async function serve(name: string, args: string[], env: NodeJS.ProcessEnv, urlOf: (line: Record<string, unknown>) => string | undefined): Promise<Served> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const found = urlOf(JSON.parse(line) as Record<string, unknown>);
      if (found) resolve(found);
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    child,
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Let requests still executing for clients autocannon already dropped finish first: `callsync serve`
      // does not wait for them on SIGTERM, and its database pool then never closes (it would need SIGKILL,
      // and a CPU profile would be lost).
      await untilIdle(child.pid!);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        console.error(`${name} did not exit within 15 s of SIGTERM: killing it`);
        child.kill('SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU time (user + system) process `pid` has used, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** Waits (at most 30 s) until process `pid` uses under 5% of a core over half a second. */
async function untilIdle(pid: number): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 500) {
    const before = cpuMs(pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (cpuMs(pid) - before < 30) return;
  }
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  bad: number;
  /** CPU per request of the server process and of its PostgreSQL backends, in ms. */
  serverCpu?: number;
  pgCpu?: number;
}

/**
 * autocannon: POSTs of `bodies`, each connection rotating through them from its own offset. Latencies are
 * taken from the per-response hrtime durations (sub-millisecond; autocannon's own histogram is whole ms).
 */
async function load(url: string, headers: Record<string, string>, bodies: string[], connections: number, duration: number): Promise<Load> {
  let client = 0;
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers,
        connections,
        duration,
        timeout: 30,
        setupClient: (c) => {
          const offset = (client++ * 7) % bodies.length;
          const rotated = [...bodies.slice(offset), ...bodies.slice(0, offset)];
          c.setRequests(rotated.map((body) => ({ method: 'POST', path: new URL(url).pathname, headers, body })));
        },
        // Every answer must be data: GraphQL reports failures with status 200 and an `errors` member.
        verifyBody: (body) => !String(body).includes('"errors"'),
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status === 200) latencies.push(ms);
    });
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    rps: result.requests.total / result.duration,
    p50: at(0.5),
    p99: at(0.99),
    requests: result.requests.total,
    bad: result.non2xx + result.errors + result.timeouts + result.mismatches,
  };
}

async function main(): Promise<void> {
  // Loaded here, not at the top: the floor server process needs none of it.
  const [{ benchSetup }, { silentLogger }, { createApp, syncAll }, { createApiKey }, { sql: dsql }] = await Promise.all([
    import('./setup.ts'), import('../src/logger.ts'), import('../src/main.ts'), import('../src/store/api-keys.ts'), import('drizzle-orm'),
  ]);
  const calls = Number(process.env.BENCH_CALLS ?? 100_000);
  const duration = Number(process.env.BENCH_DURATION ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const floodConnections = Number(process.env.BENCH_FLOOD_CONNECTIONS ?? 50);
  const cpuProfDir = process.env.BENCH_CPU_PROF;
  const bench = await benchSetup(calls, 7);
  const { config, dbUrl } = bench;
  const servers: Served[] = [];
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    // Data: sync calls, voicemails and the derived links and dispositions, as bench:rederive does.
    const app = await createApp(config, { logger: silentLogger, rateLimitsEnabled: false });
    console.error('syncing the simulated account…');
    const syncStarted = performance.now();
    for (const r of await syncAll(app)) if (r.outcome !== 'success') throw new Error(`${r.stream}: ${r.error}`);
    const syncS = (performance.now() - syncStarted) / 1000;
    const key = await createApiKey(app.database.db, 'bench');
    const lightKey = await createApiKey(app.database.db, 'bench-light');
    const [counts] = await app.database.query<Record<string, number>>(dsql`select
      (select count(*)::int from calls) as calls, (select count(*)::int from calls where not deleted) as live,
      (select count(*)::int from call_legs) as legs, (select count(*)::int from voicemails) as voicemails,
      (select count(*)::int from voicemail_links where call_id is not null) as linked,
      (select count(*)::int from recordings) as recordings, (select count(distinct call_id)::int from recordings) as recorded,
      (select count(*)::int from call_dispositions) as dispositions`);
    await app.close();
    const c = counts!;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`data: ${fmt(c.calls!)} calls (${fmt(c.live!)} not deleted), ${fmt(c.legs!)} legs (${(c.legs! / c.calls!).toFixed(2)} a call), ${fmt(c.voicemails!)} voicemails (${fmt(c.linked!)} linked to a call), ${fmt(c.recordings!)} recordings on ${fmt(c.recorded!)} calls, ${fmt(c.dispositions!)} dispositions; synced in ${syncS.toFixed(0)} s`);
    if (c.live! < PAGES * 100) throw new Error(`need at least ${PAGES * 100} calls for ${PAGES} distinct pages (BENCH_CALLS=${calls})`);
    // Steady state, as autovacuum would leave it: fresh statistics and visibility map for both contenders.
    await sql`vacuum analyze`;

    // The two servers, each in a process of its own.
    // CALLSYNC_DEMO=1: a DATABASE_URL without RingCentral credentials is refused otherwise; `serve` syncs nothing.
    const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: dbUrl, CALLSYNC_DEMO: '1', LOG_LEVEL: 'info', PORT: '0' };
    const graphql = await serve('callsync serve',
      [`--max-old-space-size=${HEAP_MB}`, ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), 'bin/callsync.js', 'serve'],
      childEnv, (line) => (line.msg === 'GraphQL API listening' ? String(line.url) : undefined));
    servers.push(graphql);
    const floor = await serve('floor server', [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', 'bench/api.ts'],
      { ...childEnv, BENCH_API_ROLE: 'floor' }, (line) => (typeof line.url === 'string' ? `${line.url}/calls` : undefined));
    servers.push(floor);
    console.error(`GraphQL at ${graphql.url} (callsync serve, pid ${graphql.child.pid}); floor at ${floor.url} (pid ${floor.child.pid})`);

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const post = async (url: string, body: string) => {
      const res = await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 500)}`);
      return text;
    };
    const gql = async <T>(query: string, variables: Record<string, unknown>) => {
      const text = await post(graphql.url, JSON.stringify({ query, variables }));
      const parsed = JSON.parse(text) as { data?: T; errors?: unknown[] };
      if (parsed.errors || !parsed.data) throw new Error(`GraphQL answered errors: ${text.slice(0, 800)}`);
      return parsed.data;
    };

    // dispositionSummary as BI tiles ask it (bench/api-summary.ts); BENCH_SUMMARY_ONLY=1 stops after it.
    await benchSummary(graphql.url, headers, sql, new Date());
    if (process.env.BENCH_SUMMARY_ONLY === '1') return;

    // Walk every call through the API (500 a page) for its cursors, and check it against the table's order.
    console.error('walking all calls through the API for cursors…');
    const walked: Array<{ cursor: string; id: string }> = [];
    type WalkPage = { calls: { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    for (let after: string | null = null; ;) {
      const conn: WalkPage['calls'] = (await gql<WalkPage>(WALK_QUERY, { after })).calls;
      for (const e of conn.edges) walked.push({ cursor: e.cursor, id: e.node.id });
      if (!conn.pageInfo.hasNextPage) break;
      if (!conn.pageInfo.endCursor || conn.edges.length === 0) throw new Error('hasNextPage without an endCursor or edges');
      after = conn.pageInfo.endCursor;
    }
    const ordered = await sql<{ id: string; t: string }[]>`select id, start_time::text as t from calls where not deleted order by start_time desc, id desc`;
    if (walked.length !== ordered.length || walked.some((w, i) => w.id !== ordered[i]!.id)) {
      const i = walked.findIndex((w, k) => w.id !== ordered[k]?.id);
      throw new Error(`walking calls() gave ${walked.length} calls, the table has ${ordered.length}; first difference at position ${i}`);
    }

    // 20 pages: the first, and 19 starting after evenly spread calls. The same pages for both contenders.
    const starts = [-1, ...Array.from({ length: PAGES - 1 }, (_, k) => Math.floor(((k + 1) * (ordered.length - 100)) / (PAGES - 1)) - 1)];
    const gqlBodies = starts.map((i) => JSON.stringify({ query: PAGE_QUERY, variables: { after: i < 0 ? null : walked[i]!.cursor } }));
    const floorAfters = starts.map((i) => (i < 0 ? null : `${ordered[i]!.t}|${ordered[i]!.id}`));
    const floorBodies = floorAfters.map((after) => JSON.stringify({ after }));

    // Before measuring: every page is data, 100 edges, and the same calls as the floor's page.
    let differences = 0;
    let firstDifference = '';
    let gqlBytes = 0;
    let floorBytes = 0;
    for (let k = 0; k < PAGES; k++) {
      const gText = await post(graphql.url, gqlBodies[k]!);
      const fText = await post(floor.url, floorBodies[k]!);
      gqlBytes += gText.length;
      floorBytes += fText.length;
      type Page = { data?: { calls: { edges: Array<{ node: Record<string, unknown> }> } }; errors?: unknown };
      const g = JSON.parse(gText) as Page;
      const f = JSON.parse(fText) as Page;
      if (g.errors || !g.data) throw new Error(`page ${k}: GraphQL answered errors: ${gText.slice(0, 800)}`);
      const gEdges = g.data.calls.edges;
      const fEdges = f.data!.calls.edges;
      if (gEdges.length !== 100 || fEdges.length !== 100) throw new Error(`page ${k}: ${gEdges.length} GraphQL edges and ${fEdges.length} floor edges, expected 100 each`);
      for (let i = 0; i < 100; i++) {
        const gn = gEdges[i]!.node;
        const fn = fEdges[i]!.node;
        if (gn.id !== fn.id) throw new Error(`page ${k} edge ${i}: GraphQL has call ${String(gn.id)}, the floor ${String(fn.id)}: not the same page`);
        for (const field of Object.keys(fn)) {
          if (!isDeepStrictEqual(gn[field], fn[field])) {
            differences++;
            firstDifference ||= `call ${String(fn.id)}.${field}: GraphQL ${JSON.stringify(gn[field])?.slice(0, 300)} vs floor ${JSON.stringify(fn[field])?.slice(0, 300)}`;
          }
        }
      }
    }
    console.log(`pages: ${PAGES} × 100 calls, checked: same calls in the same order; ${differences} field values differ${firstDifference ? ` (first: ${firstDifference})` : ''}`);
    console.log(`response size: GraphQL ${fmt(gqlBytes / PAGES / 1024)} KB a page, floor ${fmt(floorBytes / PAGES / 1024)} KB`);

    // The floor statement alone, sequentially, from here (no HTTP).
    const bare: number[] = [];
    for (let i = 0; i < 220; i++) {
      const started = performance.now();
      await floorPage(sql, floorAfters[i % PAGES]!);
      if (i >= 20) bare.push(performance.now() - started);
    }
    bare.sort((a, b) => a - b);

    // Load: warm up, then measure. One connection (latency of one request alone), then `connections`.
    const targets = {
      graphql: { url: graphql.url, bodies: gqlBodies },
      floor: { url: floor.url, bodies: floorBodies },
      typename: { url: graphql.url, bodies: [JSON.stringify({ query: '{ __typename }' })] },
    };
    const results: Record<string, Load> = {};
    // Where each request's CPU goes: the server process, and the PostgreSQL backends of its pool.
    const backendsCpu = async (applicationName: string) => {
      const pids = await sql<{ pid: number }[]>`select pid from pg_stat_activity where application_name = ${applicationName}`;
      return new Map(pids.map(({ pid }) => [pid, cpuMs(pid)]));
    };
    const measure = async (name: keyof typeof targets, conns: number) => {
      const t = targets[name];
      const server = name === 'floor' ? floor : graphql;
      const applicationName = name === 'floor' ? 'callsync-floor' : 'callsync';
      console.error(`autocannon ${name}: warm-up 3 s, then ${duration} s at ${conns} connection(s)…`);
      await load(t.url, headers, t.bodies, conns, 3);
      await untilIdle(server.child.pid!);
      const serverBefore = cpuMs(server.child.pid!);
      const pgBefore = await backendsCpu(applicationName);
      const r = await load(t.url, headers, t.bodies, conns, duration);
      await untilIdle(server.child.pid!); // requests still running when autocannon stopped count too (they are few)
      r.serverCpu = (cpuMs(server.child.pid!) - serverBefore) / r.requests;
      const pgAfter = await backendsCpu(applicationName);
      r.pgCpu = [...pgAfter].reduce((sum, [pid, ms]) => sum + ms - (pgBefore.get(pid) ?? 0), 0) / r.requests;
      if (r.bad > 0) throw new Error(`${name} at ${conns} connections: ${r.bad} failed requests (non-2xx, errors, timeouts or bodies with "errors")`);
      results[`${name}@${conns}`] = r;
    };
    await measure('floor', 1);
    await measure('graphql', 1);
    await measure('floor', connections);
    await measure('graphql', connections);
    await measure('typename', connections);

    // Where the GraphQL server's database time goes: sample its active statements during a short extra run.
    console.error('sampling the statements the GraphQL server runs…');
    const samples = new Map<string, number>();
    let sampling = true;
    let sampleCount = 0;
    const sampler = (async () => {
      const probe = postgres(dbUrl, { max: 1, onnotice: () => {} });
      while (sampling) {
        const rows = await probe<{ query: string; wait: string | null }[]>`select query, wait_event as wait from pg_stat_activity where datname = current_database() and application_name = 'callsync' and state = 'active' and pid <> pg_backend_pid()`;
        sampleCount++;
        for (const { query, wait } of rows) {
          // ClientWrite: the result is ready and waits for the server process to read it.
          const text = `${(wait ?? 'running').padEnd(11)} ${query.replace(/\s+/g, ' ').trim().slice(0, 120)}`;
          samples.set(text, (samples.get(text) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await probe.end();
    })();
    await load(targets.graphql.url, headers, targets.graphql.bodies, connections, 5);
    sampling = false;
    await sampler;

    // One key floods the API with page requests (more at once than its limits allow) while another key asks
    // for something light, one request after another: that key's latency, alone and during the flood.
    console.error(`flood: ${floodConnections} connections of one key for ${duration} s, a second key's light requests beside it…`);
    const lightHeaders = { ...headers, authorization: `Bearer ${lightKey}` };
    const lightBody = JSON.stringify({ query: '{ syncStatus { streams { name lastSuccessAt } } }' });
    const lightRun = async (ms: number) => {
      const latencies: number[] = [];
      for (const until = performance.now() + ms; performance.now() < until;) {
        const started = performance.now();
        const res = await fetch(graphql.url, { method: 'POST', headers: lightHeaders, body: lightBody });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"errors"')) throw new Error(`light request answered ${res.status}: ${text.slice(0, 300)}`);
        latencies.push(performance.now() - started);
      }
      return latencies.sort((a, b) => a - b);
    };
    const alone = await lightRun(3_000);
    const path = new URL(graphql.url).pathname;
    const flooding = new Promise<autocannon.Result>((resolve, reject) =>
      autocannon({ url: graphql.url, method: 'POST', headers, connections: floodConnections, duration, timeout: 60, requests: gqlBodies.map((body) => ({ method: 'POST', path, headers, body })) },
        (error, res) => (error ? reject(error) : resolve(res))));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const during = await lightRun((duration - 2) * 1_000);
    const floodResult = await flooding;
    await untilIdle(graphql.child.pid!);

    const gPeak = graphql.peakRssMb();
    const fPeak = floor.peakRssMb();
    const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(9);
    const row = (label: string, r: Load) => console.log(`  ${label.padEnd(34)} ${fmt(r.rps).padStart(7)} ${ms(r.p50)} ${ms(r.p99)}   ${ms(r.serverCpu!)} ${ms(r.pgCpu!)}`);
    const g1 = results['graphql@1']!, f1 = results['floor@1']!, g = results[`graphql@${connections}`]!, f = results[`floor@${connections}`]!;
    console.log(`\ncalls(first: 100) with legs, voicemail, recording: ${fmt(c.live!)} calls in PostgreSQL, ${PAGES} pages rotated, ${duration} s after a 3 s warm-up`);
    console.log(`  ${''.padEnd(34)} ${'req/s'.padStart(7)} ${'p50'.padStart(9)} ${'p99'.padStart(9)}   ${'node CPU'.padStart(9)} ${'PG CPU'.padStart(9)}  (CPU per request)`);
    row('floor (1 SQL statement), 1 conn', f1);
    row('GraphQL, 1 conn', g1);
    row(`floor (1 SQL statement), ${connections} conns`, f);
    row(`GraphQL, ${connections} conns`, g);
    row(`GraphQL { __typename }, ${connections} conns`, results[`typename@${connections}`]!);
    const ratio = g.p50 / f.p50;
    console.log(`  p50 GraphQL / floor at ${connections} conns     ${ratio.toFixed(2)} (target ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'}); at 1 conn ${(g1.p50 / f1.p50).toFixed(2)}`);
    console.log(`  bare floor SQL, sequential         p50 ${bare[Math.floor(bare.length / 2)]!.toFixed(1)} ms, p99 ${bare[Math.floor(bare.length * 0.99)]!.toFixed(1)} ms (200 runs, no HTTP)`);
    console.log(`  peak RSS                           GraphQL server ${gPeak.toFixed(0)} MB, floor server ${fPeak.toFixed(0)} MB (heap ceiling ${HEAP_MB} MB each)`);
    console.log(`\nGraphQL server's active statements, share of ${sampleCount} samples during 5 s at ${connections} conns (mean busy connections; wait event or running):`);
    for (const [text, n] of [...samples].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${(n / sampleCount).toFixed(2).padStart(5)}  ${text}`);
    const q = (xs: number[], at: number) => xs[Math.min(xs.length - 1, Math.floor(at * xs.length))]!;
    const statuses = Object.entries(floodResult.statusCodeStats ?? {}).map(([status, { count }]) => `${fmt(count ?? 0)} × ${status}`).join(', ');
    console.log(`\nflood: one key, ${floodConnections} connections of calls(first: 100) pages for ${duration} s: ${fmt(floodResult.requests.total / floodResult.duration)} req/s (${statuses}; ${floodResult.errors + floodResult.timeouts} errors or timeouts)`);
    console.log(`  another key's syncStatus, one at a time: alone p50 ${ms(q(alone, 0.5))}, p99 ${ms(q(alone, 0.99))} (${alone.length} requests); during the flood p50 ${ms(q(during, 0.5))}, p99 ${ms(q(during, 0.99))}, max ${ms(during.at(-1)!)} (${during.length} requests)`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await sql.end();
    await bench.close();
  }
}

if (process.env.BENCH_API_ROLE === 'floor') await floorServer();
else await main();
