import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { statusPageUrl } from '../../src/api/status-page/link.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { databaseKind } from '../helpers/database.ts';
import { SETTLED, startTenancyRig, type TenancyRig, type Tenant } from '../helpers/tenancy.ts';

/*
 * Tenancy outside GraphQL: /media, /status and /metrics with keys of one account, of several, and a key
 * created without --account, on a database holding three accounts (C shares A's ids, as in tenancy.int).
 */

let rig: TenancyRig;
let A: Tenant, B: Tenant, C: Tenant;
let server: ApiServer;
const keys: Record<'a' | 'ac' | 'all' | 'legacy', string> = {} as never;

beforeAll(async () => {
  rig = await startTenancyRig();
  A = await rig.add({ seed: 303, history: SETTLED(60) });
  keys.legacy = await createApiKey(rig.database.db, 'legacy');
  B = await rig.add({ seed: 404, history: SETTLED(30) });
  C = await rig.add({ seed: 303, company: { users: 12 }, history: SETTLED(60) });
  keys.a = await createApiKey(rig.database.db, 'a', [A.accountId]);
  keys.ac = await createApiKey(rig.database.db, 'ac', [A.accountId, C.accountId]);
  keys.all = await createApiKey(rig.database.db, 'all', [A.accountId, B.accountId, C.accountId]);
  // /media reaches RingCentral through A's client: A's items are the ones that can open.
  server = await startApiServer({ database: rig.database, port: 0, logger: silentLogger, media: A.app.media, keyring: A.app.media.keyring, metricsToken: 'scrape-token' });
}, 600_000);

afterAll(async () => {
  await server?.close();
  await rig?.close();
});

const get = async (path: string, key?: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  return { status: res.status, text, json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
};

/** An item of the account with audio callsync may read. */
async function itemOf(kind: 'voicemails' | 'recordings', accountId: string, besides: string[] = []): Promise<string> {
  const rows = kind === 'voicemails'
    ? await rig.database.query<{ id: string }>(sql`select id from voicemails where account_id = ${accountId} and readable and audio_uri is not null and availability = 'Alive' order by id`)
    : await rig.database.query<{ id: string }>(sql`select distinct id from recordings where account_id = ${accountId} order by id`);
  const id = rows.map((r) => r.id).find((i) => !besides.includes(i));
  if (!id) throw new Error(`account ${accountId} has no ${kind} to test with`);
  return id;
}

/** Ids both accounts hold (of voicemails or recordings). */
async function sharedIds(kind: 'voicemails' | 'recordings'): Promise<string[]> {
  const rows = await rig.database.query<{ id: string }>(sql.raw(`select id from ${kind} where account_id = '${A.accountId}' intersect select id from ${kind} where account_id = '${C.accountId}'`));
  return rows.map((r) => r.id);
}

describe(`tenancy on /media, /status and /metrics (${databaseKind})`, () => {
  it('/media with a key: its own account\'s audio opens; another account\'s is 404 like an unknown id, by either path', async () => {
    for (const kind of ['voicemails', 'recordings'] as const) {
      const own = await itemOf(kind, A.accountId);
      expect((await get(`/media/${kind}/${A.accountId}/${own}`, keys.a)).status).toBe(200);
      const theirs = await itemOf(kind, B.accountId, await sharedIds(kind));
      const unknown = await get(`/media/${kind}/${A.accountId}/99999999999`, keys.a);
      for (const path of [`/media/${kind}/${B.accountId}/${theirs}`, `/media/${kind}/${theirs}`, `/media/${kind}/${A.accountId}/${theirs}`]) {
        const refused = await get(path, keys.a);
        expect(refused.status, path).toBe(404);
        expect(refused.json.error.code).toBe(unknown.json.error.code);
        // The answer names nothing the request did not: not the account that holds the item.
        if (!path.includes(B.accountId)) expect(refused.text).not.toContain(B.accountId);
      }
    }
  });

  it('/media by the old path: an id two of the key\'s accounts hold is 409 naming the new path; one it holds once opens', async () => {
    const kind = (await sharedIds('recordings')).length ? 'recordings' : 'voicemails';
    const [shared] = await sharedIds(kind);
    expect(shared).toBeDefined();
    const ambiguous = await get(`/media/${kind}/${shared}`, keys.ac);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json.error.code).toBe('AMBIGUOUS_ID');
    expect(ambiguous.json.error.message).toContain(`/media/${kind}/{accountId}/${shared}`);
    expect((await get(`/media/${kind}/${A.accountId}/${shared}`, keys.ac)).status).toBe(200);
    // Key a holds the id in A only: the old path is A's item.
    expect((await get(`/media/${kind}/${shared}`, keys.a)).status).toBe(200);
  });

  it('audioUrl names the account, and its signed link opens without a key', async () => {
    const id = await itemOf('voicemails', A.accountId);
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.a}` },
      body: JSON.stringify({ query: `{ voicemail(id: "${id}") { accountId audioUrl } }` }),
    });
    const { data } = (await res.json()) as any;
    expect(data.voicemail.audioUrl).toMatch(new RegExp(`/media/voicemails/${A.accountId}/${id}\\?exp=\\d+&sig=`));
    expect((await fetch(data.voicemail.audioUrl)).status).toBe(200);
  });

  it('/status with a key shows its accounts only; the operator\'s signed link shows all', async () => {
    const page = await get('/status', keys.a);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Account ${A.accountId}`);
    for (const other of [B, C]) expect(page.text).not.toContain(other.accountId);
    const extensionsOfB = await rig.database.query<{ id: string }>(sql`select id from extensions where account_id = ${B.accountId}`);
    expect(extensionsOfB.filter((e) => page.text.includes(e.id))).toEqual([]);
    const link = statusPageUrl(A.app.media.keyring, server.url, new Date(Date.now() + 3_600_000));
    const operator = await fetch(link);
    const html = await operator.text();
    for (const t of [A, B, C]) expect(html).toContain(`Account ${t.accountId}`);
  });

  it('/metrics: METRICS_TOKEN or a key of every account; a key of some is 403 saying to use the token', async () => {
    expect((await get('/metrics', 'scrape-token')).status).toBe(200);
    expect((await get('/metrics', keys.all)).status).toBe(200);
    const some = await get('/metrics', keys.ac);
    expect(some.status).toBe(403);
    expect(some.json.errors[0].extensions.code).toBe('NOT_ALL_ACCOUNTS');
    expect(some.json.errors[0].message).toContain('METRICS_TOKEN');
    expect((await get('/metrics', 'cs_not-a-key')).status).toBe(401);
  });

  it('a key created without --account is refused on every route once the database holds three accounts', async () => {
    const refusals = [
      await get(`/media/voicemails/${A.accountId}/${await itemOf('voicemails', A.accountId)}`, keys.legacy),
      await get('/status', keys.legacy),
      await get('/metrics', keys.legacy),
    ];
    const graphql = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.legacy}` }, body: '{"query":"{ accounts { id } }"}' });
    expect(graphql.status).toBe(403);
    const codes = [(refusals[0]!.json.error.code), refusals[1]!.json.errors[0].extensions.code, refusals[2]!.json.errors[0].extensions.code, ((await graphql.json()) as any).errors[0].extensions.code];
    expect(refusals.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(codes).toEqual(['KEY_NOT_SCOPED', 'KEY_NOT_SCOPED', 'KEY_NOT_SCOPED', 'KEY_NOT_SCOPED']);
    expect(refusals[1]!.json.errors[0].message).toContain('now holds 3 accounts');
  });
});
