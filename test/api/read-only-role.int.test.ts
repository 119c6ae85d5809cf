import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { createApp, syncAll, type App } from '../../src/main.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { createApiKey, listApiKeys } from '../../src/store/api-keys.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { grantStatements, type GrantStatements } from '../../src/store/roles.ts';
import { requireServableSchema } from '../../src/store/schema-check.ts';
import { createEmptyPostgresDatabase, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';
import { FAST_RETRY, history, simulatorEnv } from '../helpers/harness.ts';
import { FULL_CALL } from './full-call.ts';

/*
 * `callsync serve` under the read-only API role, set up with exactly the statements `callsync db-grants`
 * prints: the sync role migrates and syncs, then every kind of API query answers as it does for the owner,
 * while the role can neither read RingCentral's tokens nor write calls.
 */

const SKIP_REASON = 'roles and GRANTs need a PostgreSQL server (set TEST_DATABASE_URL); embedded PGlite is one superuser session';

/** `url` logging in as `role` (the test server trusts local connections: no password). */
const as = (url: string, role: string) => Object.assign(new URL(url), { username: role, password: '' }).toString();

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}

/** A logger whose JSON lines are kept, to see what the server logged. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const SINCE = '2020-01-01T00:00:00Z';
const UNTIL = '2040-01-01T00:00:00Z';

/** A representative set of what CRMs ask: every root field, calls with legs, voicemail and callback. */
const QUERIES: Record<string, string> = {
  calls: `{ calls(first: 500, filter: { includeDeleted: true }) { edges { cursor node ${FULL_CALL} } pageInfo { hasNextPage endCursor } } }`,
  filtered: `{ a: calls(first: 100, filter: { hasVoicemail: true }) { edges { node { id } } }
    b: calls(first: 100, filter: { calledBack: true }) { edges { node { id } } } c: calls(first: 100, filter: { hasRecording: true }) { edges { node { id } } } }`,
  voicemails: '{ voicemails(first: 200) { edges { cursor node { id creationTime availability extension { id } link { method confidence } call { id disposition legs { position } } } } pageInfo { endCursor } } }',
  feed: '{ callChanges(first: 500) { edges { cursor node { id disposition final voicemail { id } callback { call { id } } } } pageInfo { hasNextPage endCursor } } }',
  summary: `{ dispositionSummary(from: "${SINCE}", to: "${UNTIL}", groupBy: [DAY, EXTENSION, DIRECTION]) { day extensionId direction disposition count totalDurationSeconds } }`,
  extensions: '{ extensions { id extensionNumber name type status } }',
  syncStatus: '{ syncStatus { streams { name lastRunAt lastSuccessAt lastError syncedThrough recordsSynced } } }',
};

describe.skipIf(!testServerUrl)(`serve under the read-only API role (${testServerUrl ? 'PostgreSQL' : `skipped: ${SKIP_REASON}`})`, () => {
  const suffix = randomBytes(4).toString('hex');
  const apiRole = `callsync_api_${suffix}`;
  const syncRole = `callsync_sync_${suffix}`;
  let url: string;
  let admin: postgres.Sql;
  let asSync: postgres.Sql;
  let asApi: postgres.Sql;
  let sim: Simulator;
  let owner: Database;
  let app: App;
  let grants: GrantStatements;
  let key: string;
  let ownerServer: ApiServer;
  let roleServer: ApiServer;
  const notices: string[] = [];

  /** Part 2 of the grants, exactly as printed, as the sync role (the tables' owner). */
  const applyTableGrants = () => asSync.unsafe(grants.tables.join('\n')).simple();

  const gql = async (server: ApiServer, query: string, apiKey = key) => {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
  };

  beforeAll(async () => {
    url = await createEmptyPostgresDatabase();
    const superuser = postgres(testServerUrl!, { max: 1, onnotice: () => {} });
    await superuser.unsafe(`create role ${apiRole} login; create role ${syncRole} login`).simple();
    await superuser.end();
    grants = grantStatements({ apiRole, syncRole, database: new URL(url).pathname.slice(1) });
    // A notice such as "no privileges were granted" means a statement did nothing: collect them all.
    const onnotice = (n: { message?: string }) => void notices.push(String(n.message));
    admin = postgres(url, { max: 1, onnotice });
    await admin.unsafe(grants.setup.join('\n')).simple();

    // The sync role migrates and syncs (createApp migrates), as `callsync start` run as that role would.
    owner = await openDatabase({ url: as(url, syncRole) });
    sim = await startSimulator({ rateLimits: false, seed: 404, history: history(560, 2) });
    const config = loadConfig({ ...simulatorEnv(sim), DATABASE_URL: as(url, syncRole), SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000', SYNC_LOOKBACK_HOURS: '72', LOG_LEVEL: 'silent' });
    app = await createApp(config, { logger: silentLogger, retry: FAST_RETRY, database: owner });
    sim.release();
    for (const r of await syncAll(app)) expect(r.error, r.stream).toBeUndefined();

    asSync = postgres(as(url, syncRole), { max: 1, onnotice });
    asApi = postgres(as(url, apiRole), { max: 1, onnotice: () => {} });
    await applyTableGrants();
    key = await createApiKey(owner.db, 'crm');
    ownerServer = await startApiServer({ database: owner, port: 0, logger: silentLogger });
    roleServer = await startApiServer({ database: owner, databaseUrl: as(url, apiRole), port: 0, logger: silentLogger });
  });

  afterAll(async () => {
    await ownerServer?.close();
    await roleServer?.close();
    await app?.close();
    await owner?.close();
    await sim?.close();
    for (const client of [admin, asSync, asApi]) await client?.end();
    if (url) await dropPostgresDatabase(url);
    const superuser = postgres(testServerUrl!, { max: 1, onnotice: () => {} });
    await superuser.unsafe(`drop role if exists ${apiRole}; drop role if exists ${syncRole}`).simple();
    await superuser.end();
  });

  it('every statement of both parts takes effect (PostgreSQL raised no notice such as "no privileges were granted")', () => {
    expect(notices).toEqual([]);
  });

  it('answers every kind of query exactly as it does for the owner, without a single error', async () => {
    const owners = await gql(ownerServer, QUERIES.calls!);
    const calls = owners.body.data.calls.edges.map((e: { node: any }) => e.node);
    // The comparison means something only if the data has every part the role must be able to read.
    expect(calls.some((c: any) => c.legs.length > 1)).toBe(true);
    const { a: voicemails, b: calledBack, c: recorded } = (await gql(ownerServer, QUERIES.filtered!)).body.data;
    for (const some of [voicemails, calledBack, recorded]) expect(some.edges.length).toBeGreaterThan(0);
    for (const [name, query] of Object.entries(QUERIES)) {
      const [mine, theirs] = [await gql(ownerServer, query), await gql(roleServer, query)];
      expect(theirs.status, name).toBe(200);
      expect(theirs.body.errors, name).toBeUndefined();
      expect(mine.body.errors, name).toBeUndefined();
      expect(theirs.body, name).toEqual(mine.body);
    }
    const one = calls.find((c: any) => c.voicemail);
    const single = `{ call(id: "${one.id}") ${FULL_CALL} voicemail(id: "${one.voicemail.id}") { id call { id } } }`;
    expect((await gql(roleServer, single)).body).toEqual((await gql(ownerServer, single)).body);
    const ready = await fetch(`${roleServer.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it("cannot read RingCentral tokens nor accounts' records (only their id and name), nor write calls, keys or tables", async () => {
    expect((await asSync`select count(*)::int as n from auth_sessions`)[0]!.n).toBeGreaterThan(0);
    expect(await outcome(() => asApi`select * from auth_sessions`)).toBe('42501');
    expect(await outcome(() => asApi`select * from accounts`)).toBe('42501');
    expect(await outcome(() => asApi`select raw from accounts`)).toBe('42501');
    expect(await outcome(() => asApi`update calls set deleted = true`)).toBe('42501');
    expect(await outcome(() => asApi`delete from call_changes`)).toBe('42501');
    expect(await outcome(() => asApi`insert into extensions (account_id, id) values ('x', 'y')`)).toBe('42501');
    expect(await outcome(() => asApi`update api_keys set revoked_at = now()`)).toBe('42501');
    expect(await outcome(() => asApi`create table public.intruder (i int)`)).toBe('42501');
    expect(await outcome(() => asApi`create schema intruder`)).toBe('42501');
    // What it may do: read the API's tables and record a key's last use.
    expect(await outcome(() => asApi`select count(*) from calls`)).toBe('ok');
    expect(await outcome(() => asApi`select id, name from accounts`)).toBe('ok');
    expect(await outcome(() => asApi`update api_keys set last_used_at = last_used_at where false`)).toBe('ok');
  });

  it('serves the status page from what the role may read, as it does for the owner', async () => {
    const page = async (server: ApiServer) => {
      const res = await fetch(`${server.url}/status`, { headers: { authorization: `Bearer ${key}` } });
      // The times and ages differ between two readings; every fact beside them must not.
      return { status: res.status, html: (await res.text()).replace(/<time datetime="[^"]*">[^<]*<\/time>( <span class="age">\([^)]*\)<\/span>)?/g, 'T') };
    };
    const [mine, theirs] = [await page(ownerServer), await page(roleServer)];
    expect(theirs.status).toBe(200);
    expect(theirs.html).toContain('data-stream="call-log" data-health="ok"');
    expect(theirs.html).toContain('<g class="bar"');
    expect(theirs.html).toEqual(mine.html);
  });

  it("records a key's last use through the role's one UPDATE grant", async () => {
    const fresh = await createApiKey(owner.db, 'fresh');
    expect((await gql(roleServer, '{ extensions { id } }', fresh)).status).toBe(200);
    const lastUse = async () => (await listApiKeys(owner.db)).find((k) => k.name === 'fresh')!.lastUsedAt;
    await vi.waitFor(async () => expect(await lastUse()).toBeInstanceOf(Date), { timeout: 30_000, interval: 20 });
  });

  it('without that grant every request is still answered, and the refusal is logged once with the fix', async () => {
    await asSync.unsafe(`revoke update (last_used_at) on api_keys from ${apiRole}`);
    const unrecorded = await createApiKey(owner.db, 'unrecorded');
    const { logger, lines } = recordingLogger();
    const server = await startApiServer({ database: owner, databaseUrl: as(url, apiRole), port: 0, logger });
    try {
      const expected = (await gql(ownerServer, QUERIES.extensions!)).body;
      const refusals = () => lines.filter((l) => String(l.msg).startsWith('API key last use is not recorded'));
      for (let i = 0; i < 3; i++) expect(await gql(server, QUERIES.extensions!, unrecorded)).toEqual({ status: 200, body: expected });
      await vi.waitFor(() => expect(refusals()).toHaveLength(1), { timeout: 30_000, interval: 20 });
      for (let i = 0; i < 3; i++) expect(await gql(server, QUERIES.extensions!, unrecorded)).toEqual({ status: 200, body: expected });
      expect(refusals()).toHaveLength(1);
      expect(refusals()[0]).toMatchObject({ level: 40, code: '42501' });
      expect(String(refusals()[0]!.msg)).toContain('GRANT UPDATE (last_used_at) ON api_keys');
      expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
      expect((await listApiKeys(owner.db)).find((k) => k.name === 'unrecorded')!.lastUsedAt).toBeNull();
    } finally {
      await server.close();
      await applyTableGrants();
    }
  });

  it("serve's start-up check passes for the role, and names the grants to re-run when a table is not granted", async () => {
    const apiDb = await openDatabase({ url: as(url, apiRole) });
    try {
      await expect(requireServableSchema(apiDb, silentLogger)).resolves.toBeUndefined();
      // What an upgrade adding a table the API reads looks like before the grants are re-run.
      await asSync.unsafe(`revoke select on voicemail_links from ${apiRole}`);
      await expect(requireServableSchema(apiDb, silentLogger)).rejects.toThrow(/^the role in DATABASE_URL may not read voicemail_links: re-run part 2 of the grants `callsync db-grants` prints/);
      await applyTableGrants();
      await expect(requireServableSchema(apiDb, silentLogger)).resolves.toBeUndefined();
      await asSync.unsafe(`revoke select (name) on accounts from ${apiRole}`);
      await expect(requireServableSchema(apiDb, silentLogger)).rejects.toThrow(/^the role in DATABASE_URL may not read accounts\.name: re-run part 2/);
      await applyTableGrants();
      await asSync.unsafe(`revoke usage on schema drizzle from ${apiRole}`);
      await expect(requireServableSchema(apiDb, silentLogger)).rejects.toThrow(/may not read the schema version \(drizzle.__drizzle_migrations\): apply the grants `callsync db-grants` prints/);
    } finally {
      await applyTableGrants();
      await apiDb.close();
    }
  });
});
