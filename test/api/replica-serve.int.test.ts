import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKey } from '../../src/media/archive.ts';
import { fileArchiveStore } from '../../src/media/archive-store.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { replicaSkipReason } from '../helpers/replica-cluster.ts';
import { startReplicaDeployment, type ReplicaDeployment } from '../helpers/replica-deployment.ts';
import { FULL_CALL } from './full-call.ts';

/*
 * `serve` on a hot standby: every read answers as on the primary, and what serve would write — an API key's
 * last use, a renewed RingCentral session for /media — is left to the primary, each with a clear answer.
 */

if (replicaSkipReason) console.warn(`[replica serve] skipped: ${replicaSkipReason}`);

let d: ReplicaDeployment;

beforeAll(async () => {
  if (replicaSkipReason) return;
  d = await startReplicaDeployment();
}, 180_000);

afterAll(() => d?.close());

async function gql(baseUrl: string, query: string, key = d.key) {
  const res = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
}

async function media(baseUrl: string, path: string, key: string | undefined = d.key) {
  const res = await fetch(`${baseUrl}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), bytes, json: () => JSON.parse(bytes.toString('utf8')) as { error: { code: string; message: string } } };
}

const QUERIES = {
  calls: `{ calls(first: 500, filter: { includeDeleted: true }) { edges { cursor node ${FULL_CALL} } pageInfo { hasNextPage endCursor } } }`,
  voicemails: '{ voicemails(first: 200) { edges { node { id availability audioUrl link { method } call { id } } } } }',
  feed: '{ callChanges(first: 500) { edges { cursor node { id disposition final } } pageInfo { endCursor } } }',
  summary: '{ dispositionSummary(from: "2020-01-01T00:00:00Z", to: "2040-01-01T00:00:00Z", groupBy: [DAY, EXTENSION]) { day extensionId disposition count totalDurationSeconds } }',
  extensions: '{ extensions { id extensionNumber name } }',
  syncStatus: '{ syncStatus { streams { name lastRunAt lastSuccessAt lastError syncedThrough recordsSynced } } }',
};

describe.skipIf(replicaSkipReason)(`serve on a streaming replica (${replicaSkipReason ? `skipped: ${replicaSkipReason}` : 'PostgreSQL primary + hot standby'})`, () => {
  it('answers every kind of query as the primary does, audio links included (they point at the primary)', async () => {
    await d.cluster.caughtUp();
    const some = (await gql(d.primaryServe.url, QUERIES.calls)).body.data.calls.edges.map((e: any) => e.node);
    expect(some.length).toBeGreaterThan(100);
    expect(some.some((c: any) => c.voicemail) && some.some((c: any) => c.legs.length > 1)).toBe(true);
    for (const [name, query] of Object.entries(QUERIES)) {
      const [onPrimary, onStandby] = [await gql(d.primaryServe.url, query), await gql(d.standbyServe.url, query)];
      expect([onStandby.status, onStandby.body.errors], name).toEqual([200, undefined]);
      expect(onStandby.body, name).toEqual(onPrimary.body);
    }
  });

  it('/readyz says the database is a standby, with its replay lag, and serve said so at start; the primary answers as before', async () => {
    const [standby, primary] = await Promise.all([fetch(`${d.standbyServe.url}/readyz`), fetch(`${d.primaryServe.url}/readyz`)]);
    expect([standby.status, await standby.json()]).toEqual([200, { status: 'ready', database: 'standby', replayLagSeconds: expect.any(Number) }]);
    expect([primary.status, await primary.json()]).toEqual([200, { status: 'ready' }]);
    expect(d.standbyLog.find((l) => String(l['msg']).startsWith('the database is a hot standby'))?.['level']).toBe(30);
  });

  it("accepts a key created on the primary; its last use is recorded by the primary's serve, the standby's refusal logged as read-only", async () => {
    const key = await createApiKey(d.primary.db, 'crm-2');
    await d.cluster.caughtUp();
    const lastUse = async () => (await d.primary.query<{ used: boolean }>(sql`select last_used_at is not null as used from api_keys where name = 'crm-2'`))[0]!.used;
    expect((await gql(d.standbyServe.url, '{ extensions { id } }', key)).status).toBe(200);
    await expect.poll(() => d.standbyLog.find((l) => l['code'] === '25006')?.['msg'], { timeout: 30_000 }).toContain('read-only (a hot standby');
    expect(await lastUse()).toBe(false);
    expect((await gql(d.primaryServe.url, '{ extensions { id } }', key)).status).toBe(200);
    await expect.poll(lastUse, { timeout: 30_000 }).toBe(true);
    // The refused write changed nothing for the standby's requests.
    expect((await gql(d.standbyServe.url, '{ extensions { id } }', key)).status).toBe(200);
  });

  it('/media on the standby serves archived audio, refuses a RingCentral download with 503 naming the primary, and its links open on the primary', async () => {
    const voicemails = await d.primary.query<{ id: string; account_id: string }>(sql`select id, account_id from voicemails where readable and availability = 'Alive' and audio_uri is not null order by id limit 2`);
    const [archived, fetched] = voicemails as [{ id: string; account_id: string }, { id: string; account_id: string }];
    // The primary's serve fetches from RingCentral (the simulator); one copy goes into the shared archive.
    const original = await media(d.primaryServe.url, `/media/voicemails/${archived.id}`);
    expect([original.status, original.type?.startsWith('audio/'), original.bytes.length > 0]).toEqual([200, true, true]);
    await fileArchiveStore(d.archiveDir).put(archiveKey('voicemails', archived.account_id, archived.id), Readable.from(original.bytes), original.type!);
    const copy = await media(d.standbyServe.url, `/media/voicemails/${archived.id}`);
    expect([copy.status, copy.bytes.equals(original.bytes)]).toEqual([200, true]);

    const refused = await media(d.standbyServe.url, `/media/voicemails/${fetched.id}`);
    expect(refused.status).toBe(503);
    expect(refused.json().error.code).toBe('MEDIA_NEEDS_PRIMARY');
    expect(refused.json().error.message).toContain('on the primary (PUBLIC_BASE_URL)');
    // The replica's serve signs links to the primary's address (PUBLIC_BASE_URL), where they open without a key.
    const link = (await gql(d.standbyServe.url, `{ voicemail(id: "${fetched.id}") { audioUrl } }`)).body.data.voicemail.audioUrl as string;
    expect(link.startsWith(`${d.primaryServe.url}/media/voicemails/${fetched.account_id}/${fetched.id}?`)).toBe(true);
    const opened = await media(d.primaryServe.url, link.slice(d.primaryServe.url.length), undefined);
    expect([opened.status, opened.type?.startsWith('audio/')]).toEqual([200, true]);
  });
});
