import { RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type ApiServerLimits } from '../../src/api/server.ts';
import { statusPageUrl } from '../../src/api/status-page/link.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { credentialKey, syncAll, type App } from '../../src/main.ts';
import { mediaForServe } from '../../src/media/connect.ts';
import type { SecretKeyring } from '../../src/secrets/box.ts';
import { createApiKey, revokeApiKey } from '../../src/store/api-keys.ts';
import { databaseKind, testServerUrl } from '../helpers/database.ts';
import { feedSettled } from '../helpers/feed.ts';
import { feedPage, outOfOrder, type Delivery } from '../helpers/feed-follower.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * Several `serve` processes on one database behind a load balancer: each request may land on any of them.
 * They hold no state a client depends on — the feed's cursor, an API key, a signed link are all answered
 * alike by every one — and the only per-process things are the admission limits and the metrics.
 */

const SECRET = randomBytes(32).toString('base64');
let harness: Harness;
let apps: App[];
let key: string;
let keyring: SecretKeyring;
const servers: ApiServer[] = [];

/** A `serve` as the CLI builds it: its own pool (Postgres), media from the RingCentral credentials, the shared key. */
async function serve(secret = SECRET, limits?: Partial<ApiServerLimits>): Promise<ApiServer> {
  const config = loadConfig({ ...harness.env, CALLSYNC_SECRET_KEY: secret });
  const media = await mediaForServe(config, harness.testDb.database, credentialKey, () => new RateBudget(), silentLogger);
  keyring ??= media.keyring;
  const server = await startApiServer({ database: harness.testDb.database, databaseUrl: harness.testDb.url, port: 0, logger: silentLogger, keyring: media.keyring, media, ...(limits ? { limits } : {}) });
  servers.push(server);
  return server;
}

let a: ApiServer;
let b: ApiServer;

beforeAll(async () => {
  harness = await startHarness(
    { seed: 57, history: history(300, 2), recordingBytes: 8_000, late: { heldFraction: 0.15, modifiedFraction: 0.2, deletedFraction: 0.05 } },
    { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '50', SYNC_LOOKBACK_HOURS: '72', SYNC_FAST_PATH: 'off', CALLSYNC_SECRET_KEY: SECRET },
  );
  apps = [await harness.app(), await harness.app()];
  key = await createApiKey(harness.testDb.database.db, 'crm');
  [a, b] = [await serve(), await serve()];
}, 180_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  await harness?.close();
});

const gql = async (server: ApiServer, query: string, apiKey = key) => {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
};

describe(`two serve processes on one database (${databaseKind})`, () => {
  it('a CRM whose polls alternate between them gets every change once, in order, while two syncs write', async () => {
    const deliveries: Delivery[] = [];
    const perServer = [0, 0];
    let cursor: string | null = null;
    let syncing = true;
    const follower = (async () => {
      for (let poll = 0, quiet = 0; syncing || quiet < 2; poll++) {
        const page = await feedPage([a, b][poll % 2]!.url, key, cursor, 20);
        expect(page.errors).toBeUndefined();
        perServer[poll % 2]!++;
        deliveries.push(...page.deliveries);
        cursor = page.endCursor!;
        quiet = page.deliveries.length === 0 && !syncing ? quiet + 1 : 0;
        if (!page.hasNextPage) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all([syncAll(apps[0]!, { streams: ['extensions', 'call-log'] }), syncAll(apps[1]!, { streams: ['voicemails', 'derive'] })]);
        for (const r of results.flat()) expect(r.error, r.stream).toBeUndefined();
        harness.sim.release();
      }
      for (const r of await syncAll(apps[0]!)) expect(r.error, r.stream).toBeUndefined();
    } finally {
      await feedSettled(harness.testDb.database).finally(() => (syncing = false));
      await follower;
    }
    expect(perServer.every((n) => n > 5)).toBe(true);
    expect(outOfOrder(deliveries)).toEqual([]);
    // Each call's last copy is the call as it is now (updatedAt moves with every change to its data).
    const now = new Map<string, string>();
    for (let after: string | null = null; ; ) {
      const res: any = await gql(a, `{ calls(first: 500, filter: { includeDeleted: true }${after ? `, after: "${after}"` : ''}) { edges { node { id updatedAt } } pageInfo { hasNextPage endCursor } } }`);
      for (const e of res.body.data.calls.edges) now.set(e.node.id, e.node.updatedAt);
      if (!res.body.data.calls.pageInfo.hasNextPage) break;
      after = res.body.data.calls.pageInfo.endCursor;
    }
    const last = new Map<string, string>();
    for (const x of deliveries) last.set(x.id, x.updatedAt);
    expect(now.size).toBeGreaterThan(250);
    expect(last).toEqual(now);
  });

  it('an audio link one signed opens on the other (the same CALLSYNC_SECRET_KEY), and on no server with another key', async () => {
    const [vm] = await harness.testDb.database.query<{ id: string }>(sql`select id from voicemails where readable and availability = 'Alive' and audio_uri is not null order by id limit 1`);
    const link = (await gql(a, `{ voicemail(id: "${vm!.id}") { audioUrl } }`)).body.data.voicemail.audioUrl as string;
    expect(link.startsWith(`${a.url}/media/`)).toBe(true);
    const path = link.slice(a.url.length);
    const [fromA, fromB] = [await fetch(`${a.url}${path}`), await fetch(`${b.url}${path}`)];
    const [bytesA, bytesB] = [Buffer.from(await fromA.arrayBuffer()), Buffer.from(await fromB.arrayBuffer())];
    expect([fromA.status, fromB.status, fromB.headers.get('content-type')?.startsWith('audio/')]).toEqual([200, 200, true]);
    expect(bytesB.length > 0 && bytesB.equals(bytesA)).toBe(true);
    const other = await serve(randomBytes(32).toString('base64'));
    const refused = await fetch(`${other.url}${path}`);
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([403, 'LINK_INVALID']);
  });

  it('a status link (`callsync status --link`) opens on both', async () => {
    const link = statusPageUrl(keyring, 'http://callsync.example', new Date(Date.now() + 3_600_000)).slice('http://callsync.example'.length);
    for (const server of [a, b]) {
      const res = await fetch(`${server.url}${link}`);
      expect([res.status, res.headers.get('content-type')?.startsWith('text/html')]).toEqual([200, true]);
      await res.body?.cancel();
    }
  });

  it('a key works on both, and once revoked is refused by both at the next request (nothing cached per process)', async () => {
    const other = await createApiKey(harness.testDb.database.db, 'crm-2');
    for (const server of [a, b]) expect((await gql(server, '{ extensions { id } }', other)).status).toBe(200);
    await revokeApiKey(harness.testDb.database.db, 'crm-2');
    for (const server of [a, b]) expect((await gql(server, '{ extensions { id } }', other)).status).toBe(401);
  });

  // PGlite is one connection: a request cannot be held in flight while others are answered.
  it.skipIf(!testServerUrl)('admission limits are per process: N servers admit N times one key\'s limit', async () => {
    const limits = { maxConcurrentPerKey: 1, maxQueuedPerKey: 0, poolSize: 2 };
    const [one, two] = [await serve(SECRET, limits), await serve(SECRET, limits)];
    const locker = postgres(harness.testDb.url!, { max: 1, onnotice: () => {} });
    /** Statements of this database waiting for a lock (nothing but these requests runs now). */
    const waiting = async () => (await locker<Array<{ n: number }>>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and wait_event_type = 'Lock'`)[0]!.n;
    const holder = postgres(harness.testDb.url!, { max: 1, onnotice: () => {} });
    try {
      // Requests that read extensions wait behind this lock, each holding its server's one place for the key.
      let release!: () => void;
      const locked = holder.begin(async (tx) => {
        await tx`lock table extensions in access exclusive mode`;
        await new Promise<void>((resolve) => (release = resolve));
      });
      await expect.poll(() => typeof release, { timeout: 30_000 }).toBe('function');
      const first = gql(one, '{ extensions { id } }');
      await expect.poll(waiting, { timeout: 30_000 }).toBe(1);
      const refused = await gql(one, '{ extensions { id } }');
      const second = gql(two, '{ extensions { id } }');
      await expect.poll(waiting, { timeout: 30_000 }).toBe(2);
      release();
      await locked;
      expect([(await first).status, refused.status, refused.body.errors?.[0]?.extensions?.code, (await second).status]).toEqual([200, 429, 'TOO_MANY_REQUESTS', 200]);
    } finally {
      await holder.end({ timeout: 1 });
      await locker.end({ timeout: 1 });
    }
  });
});
