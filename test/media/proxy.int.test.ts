import { SDK } from '@ringcentral/sdk';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { credentialKey, syncAll, type App } from '../../src/main.ts';
import { linkSigner, signedPath } from '../../src/secrets/signed-links.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { tokensOf } from '../../src/ringcentral/auth-storage.ts';
import { readAuthSession } from '../../src/store/auth-sessions.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * /media end to end: the real SDK client talks HTTP to the simulator, the API streams what it gets. Every
 * answer the proxy gives is kept, to check that the RingCentral session never leaks into one.
 */

const PUBLIC_BASE = 'https://crm-gateway.example.test/callsync';

let harness: Harness;
let app: App;
let server: ApiServer;
let key: string;
let sdk: SDK;
/** A voicemail with audio, a recording, and RingCentral's content URIs for each. */
let voicemail: { id: string; uri: string };
let recording: { id: string; uri: string; callId: string };
const answers: Array<{ status: number; headers: string; body: string }> = [];

/** GETs a path of the API (or an absolute URL), keeping the whole answer for the token check. */
async function get(pathOrUrl: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; bytes: Buffer; json: any }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${server.url}${pathOrUrl}`;
  const res = await fetch(url, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  answers.push({ status: res.status, headers: JSON.stringify([...res.headers]), body: bytes.toString('latin1') });
  const json = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: res.status, headers: res.headers, bytes, json };
}

const withKey = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

/** What the simulator itself sends for a content URI, fetched with a session of the test's own. */
async function simulatorBytes(uri: string, range?: string): Promise<Buffer> {
  const res = await sdk.platform().get(uri, undefined, range ? { headers: { range } } : undefined);
  return Buffer.from(await res.arrayBuffer());
}

async function gql(query: string): Promise<any> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...withKey(), 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = await res.json();
  answers.push({ status: res.status, headers: JSON.stringify([...res.headers]), body: JSON.stringify(body) });
  return body;
}

/** The link GraphQL hands out, pointed at the test's server instead of the public address (a proxy strips the prefix). */
const local = (audioUrl: string) => `${server.url}${audioUrl.slice(PUBLIC_BASE.length)}`;

beforeAll(async () => {
  harness = await startHarness({ seed: 1212, history: history(400, 2, 3_600_000) }, { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000', PUBLIC_BASE_URL: PUBLIC_BASE, MEDIA_LINK_TTL_HOURS: '48' });
  app = await harness.app();
  for (const r of await syncAll(app)) expect(r.error, r.stream).toBeUndefined();
  server = await startApiServer({ database: harness.testDb.database, port: 0, logger: silentLogger, media: app.media });
  key = await createApiKey(harness.testDb.database.db, 'media-test');
  const [vm] = await harness.testDb.database.query<{ id: string; audio_uri: string }>(sql`
    select id, audio_uri from voicemails where readable and availability = 'Alive' and audio_uri is not null order by id limit 1`);
  const [rec] = await harness.testDb.database.query<{ id: string; content_uri: string; call_id: string }>(sql`
    select id, content_uri, call_id from recordings where content_uri is not null order by id limit 1`);
  voicemail = { id: vm!.id, uri: vm!.audio_uri };
  recording = { id: rec!.id, uri: rec!.content_uri, callId: rec!.call_id };
  sdk = new SDK({ server: harness.sim.url, clientId: harness.sim.credentials.clientId, clientSecret: harness.sim.credentials.clientSecret });
  await sdk.platform().login({ jwt: harness.sim.credentials.jwt });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

describe(`/media streams RingCentral's audio (${databaseKind})`, () => {
  it('passes a voicemail through byte for byte with its type and length, opened with an API key', async () => {
    const res = await get(`/media/voicemails/${voicemail.id}`, withKey());
    expect(res.status).toBe(200);
    expect(res.bytes.equals(await simulatorBytes(voicemail.uri))).toBe(true);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('content-length')).toBe(String(res.bytes.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="voicemail-${voicemail.id}.mp3"`);
  });

  it('passes a recording through byte for byte (the simulator route, Heavy group)', async () => {
    const res = await get(`/media/recordings/${recording.id}`, withKey());
    expect(res.status).toBe(200);
    expect(res.bytes.length).toBe(65_536);
    expect(res.bytes.equals(await simulatorBytes(recording.uri))).toBe(true);
  });

  it('answers a Range with 206, the slice and its Content-Range, for recordings and voicemails', async () => {
    const part = await get(`/media/recordings/${recording.id}`, withKey({ range: 'bytes=1000-1999' }));
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/65536');
    expect(part.headers.get('content-length')).toBe('1000');
    expect(part.bytes.equals((await simulatorBytes(recording.uri)).subarray(1000, 2000))).toBe(true);
    const tail = await get(`/media/voicemails/${voicemail.id}`, withKey({ range: 'bytes=-100' }));
    const whole = await simulatorBytes(voicemail.uri);
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${whole.length - 100}-${whole.length - 1}/${whole.length}`);
    expect(tail.bytes.equals(whole.subarray(whole.length - 100))).toBe(true);
  });

  it('answers 416 with a JSON body for a range past the end', async () => {
    const res = await get(`/media/recordings/${recording.id}`, withKey({ range: 'bytes=70000-' }));
    expect(res.status).toBe(416);
    expect(res.json.error.code).toBe('RANGE_NOT_SATISFIABLE');
  });
});

describe(`/media access: API key or signed link (${databaseKind})`, () => {
  it('GraphQL gives absolute signed audioUrls under PUBLIC_BASE_URL that open without a key', async () => {
    const body = await gql(`{ voicemail(id: "${voicemail.id}") { audioUrl } call(id: "${recording.callId}") { recording { audioUrl } legs { recording { id audioUrl } } } }`);
    expect(body.errors).toBeUndefined();
    const audioUrl: string = body.data.voicemail.audioUrl;
    expect(audioUrl).toMatch(new RegExp(`^${PUBLIC_BASE}/media/voicemails/${harness.sim.accountId}/${voicemail.id}\\?exp=\\d+&sig=[\\w-]{43}$`));
    const opened = await get(local(audioUrl));
    expect(opened.status).toBe(200);
    expect(opened.bytes.equals(await simulatorBytes(voicemail.uri))).toBe(true);
    // The link says how long it may be cached: up to its expiry, 48 to 49 hours away.
    const maxAge = Number(/max-age=(\d+)/.exec(opened.headers.get('cache-control') ?? '')?.[1]);
    expect(opened.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(maxAge).toBeGreaterThan(48 * 3600 - 60);
    expect(maxAge).toBeLessThanOrEqual(49 * 3600);
    // audioUrl alone is enough: the recording's id is read for it whatever the selection.
    const recorded = body.data.call.recording ?? body.data.call.legs.find((l: any) => l.recording?.id === recording.id).recording;
    expect(recorded.audioUrl).toMatch(new RegExp(`^${PUBLIC_BASE}/media/recordings/${harness.sim.accountId}/${recording.id}\\?exp=`));
    const viaLink = await get(local(recorded.audioUrl), { range: 'bytes=0-99' });
    expect(viaLink.status).toBe(206);
    expect(viaLink.bytes.equals((await simulatorBytes(recording.uri)).subarray(0, 100))).toBe(true);
  });

  it('defaults audioUrl to the server\'s own address without PUBLIC_BASE_URL', async () => {
    const own = await startApiServer({ database: harness.testDb.database, port: 0, logger: silentLogger, media: { ...app.media, publicBaseUrl: undefined } });
    try {
      const res = await fetch(`${own.url}/graphql`, { method: 'POST', headers: { ...withKey(), 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ voicemail(id: "${voicemail.id}") { audioUrl } }` }) });
      const { data } = (await res.json()) as any;
      expect(data.voicemail.audioUrl.startsWith(`${own.url}/media/voicemails/${harness.sim.accountId}/${voicemail.id}?exp=`)).toBe(true);
      expect((await fetch(data.voicemail.audioUrl)).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('refuses no credentials and a wrong key with 401, saying what to send', async () => {
    const none = await get(`/media/voicemails/${voicemail.id}`);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('UNAUTHENTICATED');
    expect(none.json.error.message).toContain('Authorization: Bearer');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="callsync"');
    const wrong = await get(`/media/voicemails/${voicemail.id}`, { authorization: 'Bearer not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toContain('unknown or revoked API key');
  });

  it('refuses an expired, an altered and a moved link with 403, each saying why', async () => {
    const signer = linkSigner(app.media.keyring);
    const path = `/media/voicemails/${voicemail.id}`;
    const expired = await get(signedPath(signer, path, new Date(Date.now() - 60_000)));
    expect(expired.status).toBe(403);
    expect(expired.json.error.code).toBe('LINK_EXPIRED');
    expect(expired.json.error.message).toContain('ask callsync for a fresh one');
    const good = signedPath(signer, path, new Date(Date.now() + 3_600_000));
    const altered = good.replace(/exp=(\d+)/, (_, exp: string) => `exp=${Number(exp) + 3600}`);
    const res = await get(altered);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('LINK_INVALID');
    // The signature of one voicemail does not open another item.
    const moved = good.replace(path, `/media/recordings/${recording.id}`);
    expect((await get(moved)).status).toBe(403);
    expect((await get(good)).status).toBe(200);
  });
});

describe(`/media: unavailable audio is a clear 404 or 410, never a 500 (${databaseKind})`, () => {
  it('answers 404 for an id callsync does not know, and for a non-numeric one', async () => {
    const unknown = await get('/media/voicemails/123456789', withKey());
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining('callsync knows no voicemail 123456789') });
    expect((await get('/media/recordings/abc', withKey())).json.error.code).toBe('NOT_FOUND');
    expect((await get('/media/faxes/1', withKey())).status).toBe(404);
  });

  it('answers 404 NOT_READABLE for a stub in a mailbox callsync may not read, 410 for a purged voicemail', async () => {
    const db = harness.testDb.database;
    const [stub, purged] = await db.query<{ id: string }>(sql`
      select id from voicemails where readable and availability = 'Alive' and audio_uri is not null and id <> ${voicemail.id} order by id limit 2`);
    await db.query(sql`update voicemails set readable = false, audio_uri = null where id = ${stub!.id}`);
    await db.query(sql`update voicemails set availability = 'Purged' where id = ${purged!.id}`);
    const notReadable = await get(`/media/voicemails/${stub!.id}`, withKey());
    expect(notReadable.status).toBe(404);
    expect(notReadable.json.error.code).toBe('NOT_READABLE');
    expect(notReadable.json.error.message).toContain('CMN-419');
    const gone = await get(`/media/voicemails/${purged!.id}`, withKey());
    expect(gone.status).toBe(410);
    expect(gone.json.error.message).toContain('MEDIA_ARCHIVE_DIR');
    // GraphQL gives no link for audio callsync never knew.
    expect((await gql(`{ voicemail(id: "${stub!.id}") { audioUrl } }`)).data.voicemail.audioUrl).toBeNull();
  });

  it('answers 410 GONE when RingCentral has deleted the recording (404 CMN-102)', async () => {
    const [other] = await harness.testDb.database.query<{ id: string }>(sql`select id from recordings where id <> ${recording.id} order by id desc limit 1`);
    harness.sim.purgeRecordings([other!.id]);
    const res = await get(`/media/recordings/${other!.id}`, withKey());
    expect(res.status).toBe(410);
    expect(res.json.error.code).toBe('GONE');
    expect(res.json.error.message).toContain('CMN-102');
  });

  it('answers 503 with Retry-After when RingCentral keeps refusing (429), without waiting out its penalty', async () => {
    harness.sim.faults.set({ rateLimitStorm: { group: 'Medium', count: 1 } });
    const limited = await get(`/media/voicemails/${voicemail.id}`, withKey());
    expect(limited.status).toBe(503);
    expect(limited.json.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The budget now knows the group is penalised: the next request is answered at once, not after a wait.
    const next = await get(`/media/voicemails/${voicemail.id}`, withKey());
    expect(next.status).toBe(503);
    expect(next.headers.get('retry-after')).not.toBeNull();
  });

  it('never lets the RingCentral session out: no answer carries its access or refresh token', async () => {
    const credentials = { serverUrl: harness.sim.url, ...harness.sim.credentials };
    const stored = await readAuthSession(harness.testDb.database.db, credentialKey(credentials), app.media.keyring);
    expect(stored?.opened).toBe(true);
    const held = stored!.opened ? tokensOf(stored!.data) : undefined;
    const tokens = held ? [held.accessToken, held.refreshToken] : [];
    expect(tokens.every((t) => t.length > 10)).toBe(true);
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) for (const token of tokens) {
      expect(answer.headers.includes(token)).toBe(false);
      expect(answer.body.includes(token)).toBe(false);
    }
  });
});
