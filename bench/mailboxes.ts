/**
 * npm run bench:mailboxes — a 1,000-user account (≈1,040 mailboxes: users, queues, shared and disabled) with
 * 10,000 calls a day, synced pass by pass on a simulated clock that moves five minutes a pass. For each pass:
 * the requests per rate group, the least time those requests need under RingCentral's real limits (Heavy 10,
 * Medium 40, Light 50, Auth 5 a minute), the pass's own time, and how fresh the voicemail calls are: how
 * many passes after the call log and message store both showed a voicemail its call was linked and final.
 *
 * Rate limits are counted, not waited out (the clock is simulated); BENCH_DATABASE_URL=postgres://… runs on
 * PostgreSQL instead of embedded PGlite. BENCH_PASSES (default 48: four hours) incremental passes follow the backfill.
 */
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { createLogger, silentLogger } from '../src/logger.ts';
import { createApp, syncAll } from '../src/main.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import type { RequestCounts } from '../src/schema/index.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const PASS_MS = 5 * MINUTE;
const PASSES = Number(process.env.BENCH_PASSES ?? 48);
const CALLS_PER_DAY = 10_000;
const LIMITS: RequestCounts = { Heavy: 10, Medium: 40, Light: 50, Auth: 5 };

/** Back-to-back requests of one group need this long at least: a full window per `limit` beyond the first. */
const leastSeconds = (requests: RequestCounts) =>
  Math.max(...(Object.keys(LIMITS) as Array<keyof RequestCounts>).map((g) => Math.floor(Math.max(0, requests[g] - 1) / LIMITS[g]) * 60));

let clock = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * PASS_MS;
const t0 = clock;
const sim = await startSimulator({
  seed: 11, rateLimits: false, clock: () => clock, company: { users: 1000 },
  history: { from: new Date(t0 - DAY), to: new Date(t0 + (PASSES + 1) * PASS_MS), calls: Math.round(CALLS_PER_DAY * (1 + ((PASSES + 1) * PASS_MS) / DAY)) },
});
const database = await openDatabase({ url: process.env.BENCH_DATABASE_URL });
await migrate(database);
const config = loadConfig({
  RC_SERVER_URL: sim.url, RC_CLIENT_ID: sim.credentials.clientId, RC_CLIENT_SECRET: sim.credentials.clientSecret, RC_JWT: sim.credentials.jwt,
  SYNC_BACKFILL_DAYS: '1', LOG_LEVEL: 'silent',
});
const app = await createApp(config, { logger: process.env.BENCH_LOG ? createLogger('info') : silentLogger, rateLimitsEnabled: false, database });

/** Per voicemail call: the pass after which truth first expected the link, and the pass after which we had it. */
const expectedAt = new Map<string, { pass: number; messageId: string; reference: boolean }>();
const linkedAt = new Map<string, number>();

const mailboxCount = sim.truth().extensions.filter((e) => e.type === 'User' || e.type === 'Department').length;
console.log(`${mailboxCount} mailboxes, ${CALLS_PER_DAY.toLocaleString('en')} calls a day, a pass every ${PASS_MS / MINUTE} minutes (simulated clock)\n`);
console.log('| pass | Heavy | Medium | Light | Auth | least time under real limits | pass time | mailboxes read so far | voicemail calls due | linked and final this pass | late after the backfill (passes) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
const incremental: Array<{ least: number; wall: number; light: number; allRead: boolean }> = [];
const receiving = sim.truth().extensions.filter((e) => (e.type === 'User' || e.type === 'Department') && e.status !== 'Disabled').length;
let rateLimited = 0;
for (let pass = 0; pass <= PASSES; pass++) {
  clock += PASS_MS;
  const started = performance.now();
  const results = await syncAll(app, { now: () => new Date(clock) });
  const wall = (performance.now() - started) / 1000;
  for (const r of results) if (r.error) throw new Error(`pass ${pass}, ${r.stream}: ${r.error}`);
  const requests: RequestCounts = { Heavy: 0, Medium: 0, Light: 0, Auth: 0 };
  for (const r of results) for (const g of Object.keys(requests) as Array<keyof RequestCounts>) requests[g] += r.requests[g];
  rateLimited += results.reduce((n, r) => n + r.rateLimited, 0);

  const truth = sim.truth();
  const references = new Set(truth.messages.filter((m) => m.expected.method === 'CALL_LOG_REFERENCE').map((m) => m.id));
  let due = 0;
  // Calls before the coverage instant (the simulator's history reaches a little further back) are not synced.
  const [coverage] = await database.query<{ t: string }>(sql`select coverage_from::text as t from accounts`);
  const coveredFrom = Date.parse(coverage!.t);
  for (const call of truth.calls) {
    const id = call.expected.voicemailMessageId;
    if (id && !expectedAt.has(call.id) && Date.parse(String(call.record.startTime)) >= coveredFrom) {
      expectedAt.set(call.id, { pass, messageId: id, reference: references.has(id) });
      due++;
    }
  }
  const linked = await database.query<{ call_id: string; voicemail_id: string }>(sql`
    select l.call_id, l.voicemail_id from voicemail_links l join call_dispositions d on d.account_id = l.account_id and d.call_id = l.call_id where d.final`);
  let fresh = 0;
  const late: number[] = [];
  for (const { call_id, voicemail_id } of linked) {
    const expected = expectedAt.get(call_id);
    if (linkedAt.has(call_id) || !expected || expected.messageId !== voicemail_id) continue;
    linkedAt.set(call_id, pass);
    fresh++;
    if (pass > expected.pass && expected.pass > 0) late.push(pass - expected.pass);
  }
  const least = leastSeconds(requests);
  const [read] = await database.query<{ n: number }>(sql`select count(*)::int as n from mailboxes where read_started_at is not null`);
  if (pass > 0) incremental.push({ least, wall, light: requests.Light, allRead: read!.n >= receiving });
  console.log(`| ${pass === 0 ? 'backfill' : pass} | ${requests.Heavy} | ${requests.Medium} | ${requests.Light} | ${requests.Auth} | ${least} s | ${wall.toFixed(1)} s | ${read!.n} | ${due} | ${fresh} | ${late.length ? late.join(', ') : '—'} |`);
}

const lags = [...expectedAt].map(([callId, e]) => ({ ...e, lag: linkedAt.has(callId) ? linkedAt.get(callId)! - e.pass : undefined }));
const summary = (list: typeof lags) => {
  const onTime = list.filter((l) => l.lag === 0).length;
  const never = list.filter((l) => l.lag === undefined).length;
  const worst = Math.max(0, ...list.map((l) => l.lag ?? 0));
  return `${list.length} calls: ${onTime} linked and final in the first pass after both were visible, ${list.length - onTime - never} later (at most ${worst} passes), ${never} not yet`;
};
const worst = incremental.reduce((w, p) => (p.least + p.wall > w.least + w.wall ? p : w), { least: 0, wall: 0, light: 0 });
console.log(`\nincremental passes: at most ${worst.least + worst.wall} s (${worst.least} s of rate-limit windows + ${worst.wall.toFixed(1)} s of work, ${worst.light} Light requests); target ≤ 60 s`);
const steady = incremental.filter((p) => p.allRead).map((p) => p.light).sort((a, b) => a - b);
console.log(steady.length
  ? `once every mailbox had been read (${steady.length} passes): Light ${steady[0]}–${steady.at(-1)} a pass, median ${steady[Math.floor(steady.length / 2)]}`
  : 'the first reads of every mailbox were still under way at the last pass');
console.log(`429s received: ${rateLimited} (the simulator's limits were off: requests are counted against RingCentral's above)`);
// The backfill's voicemails are a backlog (every mailbox's first read); freshness is about the calls after it.
const backlog = lags.filter((l) => l.pass === 0);
const drained = backlog.every((l) => l.lag !== undefined) ? `all linked by pass ${Math.max(...backlog.map((l) => l.lag!))}` : `${backlog.filter((l) => l.lag === undefined).length} not yet`;
console.log(`backfill: ${backlog.length} voicemail calls, ${drained}`);
console.log(`after it, voicemails the call log names — ${summary(lags.filter((l) => l.pass > 0 && l.reference))}`);
console.log(`after it, voicemails no call names — ${summary(lags.filter((l) => l.pass > 0 && !l.reference))}`);
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
await app.close();
await database.close();
await sim.close();
