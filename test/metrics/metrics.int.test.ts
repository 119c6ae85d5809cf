import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { syncAll, type App } from '../../src/main.ts';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.ts';
import { RATE_GROUPS } from '../../src/ringcentral/rate-budget.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { grantStatements } from '../../src/store/roles.ts';
import type { RunResult } from '../../src/sync/runner.ts';
import { databaseKind, testServerUrl } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';
import { parseExposition, type Scrape } from '../helpers/prometheus.ts';

const DAY = 86_400_000;
const TOKEN = 'scrape-token-0123456789abcdef';

let harness: Harness;
let metrics: Metrics;
let app: App;
let server: ApiServer;
let key: string;

beforeAll(async () => {
  // History ending a day ago: the newest call and voicemail are at least a day old, whatever the clock.
  // A 1 s penalty, so the forced 429s below cost a second each, not RingCentral's minute.
  harness = await startHarness({ seed: 31, history: history(250, 2, DAY), rateLimits: { Heavy: { limit: 1000, windowSec: 1, penaltySec: 1 } } }, { SYNC_FAST_PATH: 'off' });
  metrics = createMetrics();
  app = await harness.app({}, { observers: { ringcentral: metrics.ringcentral, sync: metrics.sync } });
  key = await createApiKey(harness.testDb.database.db, 'crm');
  // On PostgreSQL the API reads through its own pool, as `start` and `serve` do: the pool gauges have a pool.
  server = await startApiServer({ database: harness.testDb.database, databaseUrl: harness.testDb.url, port: 0, logger: silentLogger, metrics, metricsToken: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

const get = (s: ApiServer, auth?: string) => fetch(`${s.url}/metrics`, auth ? { headers: { authorization: auth } } : {});

async function scrape(s: ApiServer = server, auth = `Bearer ${key}`): Promise<Scrape> {
  const res = await get(s, auth);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

const gql = (query: string, auth = `Bearer ${key}`, operationName?: string) =>
  fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ query, operationName }) });

const total = (results: RunResult[], pick: (r: RunResult) => number) => results.reduce((n, r) => n + pick(r), 0);

describe(`/metrics (${databaseKind})`, () => {
  it('refuses a scrape without credentials, with a wrong token or a revoked-looking key (401)', async () => {
    for (const auth of [undefined, 'Bearer not-the-token-nor-a-key', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`]) {
      const res = await get(server, auth);
      expect(res.status, auth).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers an API key and the scrape token with the text exposition format, process metrics included', async () => {
    for (const auth of [`Bearer ${key}`, `Bearer ${TOKEN}`]) {
      const res = await get(server, auth);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const parsed = parseExposition(await res.text());
      expect(parsed.types.get('process_cpu_user_seconds_total')).toBe('counter');
      expect(parsed.types.get('callsync_ringcentral_requests_total')).toBe('counter');
      expect(parsed.types.get('callsync_api_request_duration_seconds')).toBe('histogram');
      expect(parsed.types.get('callsync_stream_freshness_seconds')).toBe('gauge');
    }
  });

  it('counts a sync pass: requests per rate group as the runs metered them, 429s, retries, logins, runs', async () => {
    const before = await scrape();
    const statsBefore = harness.sim.stats();
    // Two forced 429s in the call log's group, and a revoked session: the pass must log in again.
    harness.sim.faults.set({ rateLimitStorm: { group: 'Heavy', count: 2 } });
    harness.sim.faults.revokeTokens();
    const results = await syncAll(app);
    for (const r of results) expect(r.error, r.stream).toBeUndefined();
    const after = await scrape();
    const stats = harness.sim.stats();
    const delta = (name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);

    for (const group of RATE_GROUPS) expect(delta('callsync_ringcentral_requests_total', { group }), group).toBe(total(results, (r) => r.requests[group]));
    expect(total(results, (r) => r.requests.Heavy)).toBeGreaterThan(0);
    expect(delta('callsync_ringcentral_rate_limited_total', { group: 'Heavy' })).toBe(2);
    expect(delta('callsync_ringcentral_rate_limited_total')).toBe(total(results, (r) => r.rateLimited));
    expect(delta('callsync_ringcentral_rate_limited_total')).toBe(stats.rateLimitedTotal - statsBefore.rateLimitedTotal);
    expect(delta('callsync_ringcentral_retries_total', { group: 'Heavy', reason: 'rate_limited' })).toBe(2);
    expect(delta('callsync_ringcentral_retries_total', { reason: 'unauthorized' })).toBeGreaterThan(0);
    // The simulator granted every login and refresh this process asked for, and counted every refusal.
    expect(delta('callsync_ringcentral_logins_total', { outcome: 'granted' })).toBe(stats.tokenGrants.jwt - statsBefore.tokenGrants.jwt);
    expect(delta('callsync_ringcentral_logins_total', { outcome: 'granted' })).toBeGreaterThan(0);
    expect(delta('callsync_ringcentral_refreshes_total', { outcome: 'granted' })).toBe(stats.tokenGrants.refresh_token - statsBefore.tokenGrants.refresh_token);
    expect(delta('callsync_ringcentral_logins_total', { outcome: 'failed' }) + delta('callsync_ringcentral_refreshes_total', { outcome: 'failed' })).toBe(stats.tokenErrors - statsBefore.tokenErrors);
    // Since the process started, the logins it made: the app's first (account lookup) included.
    expect(after.value('callsync_ringcentral_logins_total', { outcome: 'granted' })).toBe(stats.tokenGrants.jwt);

    for (const r of results) {
      expect(delta('callsync_sync_runs_total', { stream: r.stream, outcome: 'success' }), r.stream).toBe(1);
      expect(delta('callsync_sync_run_duration_seconds_count', { stream: r.stream }), r.stream).toBe(1);
    }
    expect(delta('callsync_sync_passes_total', { outcome: 'success' })).toBe(1);
    expect(delta('callsync_sync_pass_duration_seconds_count')).toBe(1);
  });

  it("reads each stream's last success and freshness from the database", async () => {
    const db = harness.testDb.database;
    const [newest] = await db.query<{ call: Date | string; voicemail: Date | string }>(sql`
      select (select max(start_time) from calls) as call, (select max(creation_time) from voicemails) as voicemail`);
    const ms = (v: Date | string) => new Date(v).getTime();
    const ages = () => ({ call: (Date.now() - ms(newest!.call)) / 1000, voicemail: (Date.now() - ms(newest!.voicemail)) / 1000 });
    const low = ages();
    const scraped = await scrape(server, `Bearer ${TOKEN}`);
    const high = ages();
    const account = app.accountId;
    const freshness = (stream: string) => scraped.value('callsync_stream_freshness_seconds', { account, stream })!;
    // The database's clock and this process's are the same machine's: a second of slack either way.
    expect(freshness('call-log')).toBeGreaterThanOrEqual(low.call - 1);
    expect(freshness('call-log')).toBeLessThanOrEqual(high.call + 1);
    expect(freshness('voicemails')).toBeGreaterThanOrEqual(low.voicemail - 1);
    expect(freshness('voicemails')).toBeLessThanOrEqual(high.voicemail + 1);
    expect(freshness('call-log')).toBeGreaterThan(DAY / 1000);
    // Streams without a table of their own report no freshness, and per-mailbox checkpoints no series.
    expect(scraped.value('callsync_stream_freshness_seconds', { stream: 'extensions' })).toBeUndefined();
    expect(scraped.samples.some((s) => s.labels.stream?.includes(':'))).toBe(false);

    const states = await db.query<{ stream: string; last_success_at: Date | string }>(sql`
      select stream, last_success_at from sync_state where account_id = ${account} and position(':' in stream) = 0`);
    expect(states.length).toBeGreaterThanOrEqual(4);
    for (const s of states) {
      expect(scraped.value('callsync_stream_last_success_timestamp_seconds', { account, stream: s.stream }), s.stream).toBeCloseTo(ms(s.last_success_at) / 1000, 3);
      expect(scraped.value('callsync_stream_failing', { account, stream: s.stream }), s.stream).toBe(0);
    }
    expect(scraped.value('callsync_stream_metrics_up')).toBe(1);
  });

  it('a server of its own (as `serve` runs) reports the streams from the database, and no sync of its own', async () => {
    const serve = await startApiServer({ database: harness.testDb.database, databaseUrl: harness.testDb.url, port: 0, logger: silentLogger });
    try {
      const scraped = await scrape(serve);
      expect(scraped.value('callsync_stream_last_success_timestamp_seconds', { account: app.accountId, stream: 'call-log' })).toBeGreaterThan(0);
      expect(scraped.sum('callsync_ringcentral_requests_total')).toBe(0);
      expect(scraped.sum('callsync_sync_runs_total')).toBe(0);
    } finally {
      await serve.close();
    }
  });

  it('counts API requests and their latency by operation name, and errors by code', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await gql('query RecentCalls { calls(first: 2) { edges { node { id } } } }')).status).toBe(200);
    expect((await gql('{ extensions { id } }')).status).toBe(200);
    expect((await gql('query Broken { calls(first: 2) { edges { node { noSuchField } } } }')).status).toBe(400);
    expect((await gql('query RecentCalls { extensions { id } }', 'Bearer wrong-key')).status).toBe(401);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => after.sum(name, labels) - before.sum(name, labels);

    expect(delta('callsync_api_requests_total', { operation: 'RecentCalls', status: '200' })).toBe(3);
    expect(delta('callsync_api_request_duration_seconds_count', { operation: 'RecentCalls' })).toBe(3);
    expect(delta('callsync_api_request_duration_seconds_bucket', { operation: 'RecentCalls', le: '+Inf' })).toBe(3);
    expect(delta('callsync_api_request_duration_seconds_sum', { operation: 'RecentCalls' })).toBeGreaterThan(0);
    expect(delta('callsync_api_requests_total', { operation: '(anonymous)', status: '200' })).toBe(1);
    // Invalid documents never run, so their names are never taken as labels.
    expect(delta('callsync_api_requests_total', { operation: '(unknown)', status: '400' })).toBe(1);
    expect(delta('callsync_api_requests_total', { operation: '(unknown)', status: '401' })).toBe(1);
    expect(after.samples.some((s) => s.labels.operation === 'Broken')).toBe(false);
    expect(delta('callsync_api_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(delta('callsync_api_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
  });

  it('reports admission, and the API pool where it has one of its own (PostgreSQL)', async () => {
    const scraped = await scrape();
    // The scrape itself is no GraphQL request: nothing is running or queued.
    expect(scraped.value('callsync_api_requests_running')).toBe(0);
    expect(scraped.value('callsync_api_requests_queued')).toBe(0);
    if (testServerUrl) {
      expect(scraped.value('callsync_api_pool_size')).toBe(5);
      expect(scraped.value('callsync_api_pool_connections_open')).toBeGreaterThan(0);
      expect(scraped.value('callsync_api_pool_waiting')).toBe(0);
    } else {
      // PGlite: the API shares the process's one embedded session; there is no pool to report.
      expect(scraped.value('callsync_api_pool_size')).toBeUndefined();
    }
  });
});

describe.skipIf(!testServerUrl)(`/metrics under the read-only API role (${testServerUrl ? 'PostgreSQL' : 'skipped: roles and GRANTs need a PostgreSQL server (set TEST_DATABASE_URL)'})`, () => {
  it('reads the streams\' health with nothing but the grants `callsync db-grants` prints', async () => {
    const suffix = randomBytes(4).toString('hex');
    const [apiRole, syncRole] = [`callsync_api_${suffix}`, `callsync_sync_${suffix}`];
    const url = harness.testDb.url!;
    const superuser = postgres(url, { max: 1, onnotice: () => {} });
    let serve: ApiServer | undefined;
    try {
      await superuser.unsafe(`create role ${apiRole} login; create role ${syncRole} login`).simple();
      const grants = grantStatements({ apiRole, syncRole, database: new URL(url).pathname.slice(1) });
      await superuser.unsafe([...grants.setup, ...grants.tables].join('\n')).simple();
      const asApi = Object.assign(new URL(url), { username: apiRole, password: '' }).toString();
      serve = await startApiServer({ database: harness.testDb.database, databaseUrl: asApi, port: 0, logger: silentLogger, metricsToken: TOKEN });
      const scraped = await scrape(serve, `Bearer ${TOKEN}`);
      expect(scraped.value('callsync_stream_metrics_up')).toBe(1);
      expect(scraped.value('callsync_stream_freshness_seconds', { account: app.accountId, stream: 'call-log' })).toBeGreaterThan(DAY / 1000);
      expect(scraped.value('callsync_stream_last_success_timestamp_seconds', { account: app.accountId, stream: 'voicemails' })).toBeGreaterThan(0);
    } finally {
      await serve?.close();
      await superuser.unsafe(`drop owned by ${apiRole}; drop owned by ${syncRole}; drop role ${apiRole}; drop role ${syncRole}`).simple().catch(() => undefined);
      await superuser.end();
    }
  });
});
