import { RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { SDK } from '@ringcentral/sdk';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { credentialKey, syncAll, type App } from '../../src/main.ts';
import { mediaForServe } from '../../src/media/connect.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import type { MediaArchiveDeps } from '../../src/media/archive.ts';
import { MAX_RECORDINGS_PER_PASS, MAX_VOICEMAILS_PER_PASS, MEDIA_ARCHIVE_STREAM } from '../../src/sync/media-archive.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * The media archive end to end: the real SDK client downloads from the simulator into MEDIA_ARCHIVE_DIR,
 * and /media serves the copies once the simulator has purged the recordings.
 */

interface Row { kind: string; id: string; bytes: number | null; sha256: string | null; content_type: string | null; failure_code: string | null; archived_at: Date }

let harness: Harness;
let app: App;
let dir: string;
let sdk: SDK;
let key: string;
/** Everything with audio the archive should copy: kind, id and RingCentral's content URI. */
let wanted: Array<{ kind: 'voicemails' | 'recordings'; id: string; uri: string }>;
/** The recording purged before the archive reached it (the oldest: archived last). */
let lost: { id: string };

const rows = () => harness.testDb.database.query<Row>(sql`select kind, id, bytes::int as bytes, sha256, content_type, failure_code, archived_at from media_archive order by kind, id`);
const archivePass = (target: App = app, signal?: AbortSignal) => syncAll(target, { streams: [MEDIA_ARCHIVE_STREAM], signal }).then((r) => r[0]!);

async function simulatorBytes(uri: string): Promise<Buffer> {
  return Buffer.from(await (await sdk.platform().get(uri)).arrayBuffer());
}

/** Files under the archive directory, relative to it. */
async function filesIn(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name))).sort();
}

/** The app with its archive downloads passed through `wrap` (a fault between the real client and the store). */
function withDownload(wrap: (real: MediaArchiveDeps['download']) => MediaArchiveDeps['download']): App {
  const archive = app.mediaArchive!;
  return { ...app, mediaArchive: { store: archive.store, download: wrap(archive.download) } };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callsync-archive-'));
  harness = await startHarness({ seed: 1212, history: history(150, 2, 3_600_000), recordingBytes: 20_000 }, { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000', MEDIA_ARCHIVE_DIR: dir });
  app = await harness.app();
  // The data passes without the archive stream, so the archive's own passes can be counted.
  for (const r of await syncAll(app, { streams: ['extensions', 'call-log', 'voicemails', 'derive'] })) expect(r.error, r.stream).toBeUndefined();
  const db = harness.testDb.database;
  const voicemails = await db.query<{ id: string; uri: string }>(sql`select id, audio_uri as uri from voicemails where readable and availability <> 'Purged' and audio_uri is not null`);
  const recordings = await db.query<{ id: string; uri: string }>(sql`
    select r.id, min(r.content_uri) as uri from recordings r join calls c on c.account_id = r.account_id and c.id = r.call_id
    where r.content_uri is not null group by r.id order by max(c.start_time), r.id`);
  wanted = [...voicemails.map((v) => ({ kind: 'voicemails' as const, ...v })), ...recordings.map((r) => ({ kind: 'recordings' as const, ...r }))];
  lost = recordings[0]!;
  sdk = new SDK({ server: harness.sim.url, clientId: harness.sim.credentials.clientId, clientSecret: harness.sim.credentials.clientSecret });
  await sdk.platform().login({ jwt: harness.sim.credentials.jwt });
  key = await createApiKey(db.db, 'archive-test');
}, 180_000);

afterAll(async () => {
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`media archive (${databaseKind})`, () => {
  it('has enough to archive for the caps to matter', () => {
    expect(wanted.filter((w) => w.kind === 'voicemails').length).toBeGreaterThan(MAX_VOICEMAILS_PER_PASS);
    expect(wanted.filter((w) => w.kind === 'recordings').length).toBeGreaterThan(4 * MAX_RECORDINGS_PER_PASS);
  });

  it('copies at most 8 voicemails (Medium) and 2 recordings (Heavy) a pass, newest first, in the pass after voicemails', async () => {
    const names = (await syncAll(app)).map((r) => r.stream);
    expect(names.indexOf(MEDIA_ARCHIVE_STREAM)).toBe(names.indexOf('voicemails') + 1);
    expect(names.indexOf('derive')).toBe(names.indexOf(MEDIA_ARCHIVE_STREAM) + 1);
    const first = await rows();
    expect(first.filter((r) => r.kind === 'voicemails')).toHaveLength(MAX_VOICEMAILS_PER_PASS);
    expect(first.filter((r) => r.kind === 'recordings')).toHaveLength(MAX_RECORDINGS_PER_PASS);
    // Newest first: the two recordings are the last two of the oldest-first list.
    const newest = wanted.filter((w) => w.kind === 'recordings').slice(-MAX_RECORDINGS_PER_PASS).map((w) => w.id).sort();
    expect(first.filter((r) => r.kind === 'recordings').map((r) => r.id).sort()).toEqual(newest);
    const second = await archivePass();
    expect(second.outcome).toBe('success');
    expect(second.requests.Heavy).toBeLessThanOrEqual(MAX_RECORDINGS_PER_PASS);
    expect(second.requests.Medium).toBeLessThanOrEqual(MAX_VOICEMAILS_PER_PASS);
    expect(second.inserted).toBe(Math.min(MAX_VOICEMAILS_PER_PASS, wanted.filter((w) => w.kind === 'voicemails').length - MAX_VOICEMAILS_PER_PASS) + MAX_RECORDINGS_PER_PASS);
  });

  it('leaves nothing partial when a download breaks mid-file, and copies it again next pass', async () => {
    const before = await rows();
    let calls = 0;
    const broken = withDownload((real) => async (uri, group, meter, signal) => {
      const download = await real(uri, group, meter, signal);
      if (++calls > 1) return download;
      // The connection drops after the first chunk: the store must keep nothing of it.
      const body = Readable.from((async function* () {
        for await (const chunk of download.body) {
          yield chunk as Buffer;
          throw new Error('socket hang up');
        }
      })());
      return { ...download, body };
    });
    const result = await archivePass(broken);
    expect(result.outcome).toBe('error');
    expect(result.error).toMatch(/socket hang up/);
    expect(await rows()).toEqual(before);
    expect((await filesIn(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect((await archivePass()).outcome).toBe('success');
    expect((await rows()).length).toBeGreaterThan(before.length);
  });

  it('stops at an abort mid-pass and resumes without duplicates', async () => {
    const before = (await rows()).length;
    const controller = new AbortController();
    let calls = 0;
    const aborting = withDownload((real) => (uri, group, meter, signal) => {
      if (++calls === 3) controller.abort();
      return real(uri, group, meter, signal);
    });
    const result = await archivePass(aborting, controller.signal);
    expect(result.outcome).toBe('aborted');
    expect((await rows()).length).toBe(before + 2);
    expect((await filesIn(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('records a recording RingCentral no longer has (404 CMN-102) once, and never asks for it again', async () => {
    harness.sim.purgeRecordings([lost.id]);
    for (let pass = 0; pass < 100; pass++) {
      const result = await archivePass();
      expect(result.error).toBeUndefined();
      if (result.inserted === 0) break;
    }
    const all = await rows();
    const missing = all.find((r) => r.kind === 'recordings' && r.id === lost.id);
    expect(missing).toMatchObject({ failure_code: 'CMN-102', bytes: null, sha256: null });
    const again = await archivePass();
    expect(again).toMatchObject({ outcome: 'success', inserted: 0 });
    expect(again.requests.Heavy + again.requests.Medium).toBe(0);
    expect((await rows()).find((r) => r.id === lost.id)!.archived_at).toEqual(missing!.archived_at);
  });

  it('holds every voicemail and recording with audio once, with the simulator\'s bytes and their SHA-256', async () => {
    const all = await rows();
    expect(all.map((r) => `${r.kind}/${r.id}`).sort()).toEqual(wanted.map((w) => `${w.kind}/${w.id}`).sort());
    for (const w of wanted.filter((x) => x.id !== lost.id)) {
      const row = all.find((r) => r.kind === w.kind && r.id === w.id)!;
      const truth = await simulatorBytes(w.uri);
      const copy = await readFile(path.join(dir, w.kind, harness.sim.accountId, `${w.id}.audio`));
      expect(copy.equals(truth), `${w.kind} ${w.id}`).toBe(true);
      expect(row).toMatchObject({ bytes: truth.length, sha256: createHash('sha256').update(truth).digest('hex'), content_type: 'audio/mpeg', failure_code: null });
    }
  });
});

describe(`/media serves the archive once RingCentral purged the audio (${databaseKind})`, () => {
  let server: ApiServer;
  let bare: ApiServer;
  let served: ApiServer;
  let recording: { id: string; uri: string };
  let truth: Buffer;
  const get = async (base: ApiServer, p: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base.url}${p}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  beforeAll(async () => {
    recording = wanted.find((w) => w.kind === 'recordings' && w.id !== lost.id)!;
    truth = await simulatorBytes(recording.uri);
    harness.sim.purgeRecordings(wanted.filter((w) => w.kind === 'recordings').map((w) => w.id));
    const database = harness.testDb.database;
    server = await startApiServer({ database, port: 0, logger: silentLogger, media: app.media });
    bare = await startApiServer({ database, port: 0, logger: silentLogger, media: { ...app.media, archive: undefined } });
    // `serve` with the archive and no RingCentral credentials: it can only read the copies.
    const media = await mediaForServe(loadConfig({ MEDIA_ARCHIVE_DIR: dir, LOG_LEVEL: 'silent' }), database, credentialKey, () => new RateBudget(), silentLogger);
    served = await startApiServer({ database, port: 0, logger: silentLogger, media });
  });

  afterAll(async () => {
    await Promise.all([server?.close(), bare?.close(), served?.close()]);
  });

  it('answers 200 with the same bytes from the archive, and 410 without one', async () => {
    const res = await get(server, `/media/recordings/${recording.id}`);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(truth)).toBe(true);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('content-length')).toBe(String(truth.length));
    expect((await get(bare, `/media/recordings/${recording.id}`)).status).toBe(410);
  });

  it('answers a Range from the archive with 206, and 416 past the end', async () => {
    const part = await get(server, `/media/recordings/${recording.id}`, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${truth.length}`);
    expect(part.bytes.equals(truth.subarray(1000, 2000))).toBe(true);
    const tail = await get(server, `/media/recordings/${recording.id}`, { range: 'bytes=-100' });
    expect(tail.status).toBe(206);
    expect(tail.bytes.equals(truth.subarray(truth.length - 100))).toBe(true);
    expect((await get(server, `/media/recordings/${recording.id}`, { range: `bytes=${truth.length}-` })).status).toBe(416);
  });

  it('serves archived audio from `serve` even without RingCentral credentials; the rest is 503 naming what to set', async () => {
    const res = await get(served, `/media/recordings/${recording.id}`);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(truth)).toBe(true);
    const notArchived = await get(served, `/media/recordings/${lost.id}`);
    expect(notArchived.status).toBe(503);
    expect(notArchived.bytes.toString()).toMatch(/RC_CLIENT_ID/);
  });
});
