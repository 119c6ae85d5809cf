import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger, silentLogger, type Logger } from '../../src/logger.ts';
import { createApp, syncAll } from '../../src/main.ts';
import { tokensOf } from '../../src/ringcentral/auth-storage.ts';
import { listAuthSessions, saveAuthSession, type OpenedAuthSession } from '../../src/store/auth-sessions.ts';
import { secretKeyring, SecretKey, type SecretKeyring } from '../../src/secrets/box.ts';
import { credentialSecretKey, DEMO_KEY_FILE } from '../../src/secrets/keys.ts';
import { databaseKind } from '../helpers/database.ts';
import { FAST_RETRY, history, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ seed: 11, history: history(60, 2) });
});
afterAll(() => harness?.close());
beforeEach(async () => {
  harness.sim.faults.clear();
  await harness.testDb.database.query(sql`delete from auth_sessions`);
});

const newKey = () => randomBytes(32);
const keyEnv = (...keys: Buffer[]) => ({ CALLSYNC_SECRET_KEY: keys.map((k) => k.toString('base64')).join(',') });
const ring = (...keys: Buffer[]) => secretKeyring(keys.map((k) => new SecretKey(k)), 'test');
const idOf = (key: Buffer) => new SecretKey(key).id;
/** The key callsync derives from the simulator's credentials when no CALLSYNC_SECRET_KEY is set. */
const derivedRing = () => secretKeyring([credentialSecretKey(harness.sim.credentials)], 'derived');
const grants = () => ({ ...harness.sim.stats().tokenGrants });

/** The one stored session (each test starts with none), opened with `keyring`. */
async function storedSession(keyring: SecretKeyring): Promise<OpenedAuthSession> {
  const sessions = await listAuthSessions(harness.testDb.database.db, keyring);
  expect(sessions).toHaveLength(1);
  return sessions[0]!;
}

/** Marks the stored access token expired, sealed again with `keyring`'s first key: the next use refreshes. */
async function expireStoredSession(keyring: SecretKeyring): Promise<void> {
  const session = await storedSession(keyring);
  if (!session.opened) throw new Error(`the stored session does not open: ${session.reason}`);
  const expired = Object.fromEntries(Object.entries(session.data).map(([k, v]) => [k, JSON.stringify({ ...JSON.parse(v), expire_time: 0 })]));
  await saveAuthSession(harness.testDb.database.db, session.credentialKey, expired, keyring);
}

function capture(): { logger: Logger; lines: () => Array<{ level: number; msg: string }> } {
  const lines: string[] = [];
  return { logger: createLogger('info', { write: (line: string) => void lines.push(line) }), lines: () => lines.map((l) => JSON.parse(l)) };
}

/** Every row of every table, as JSON text: every text and jsonb column of the database. */
async function everyRow(): Promise<{ tables: string[]; text: string }> {
  const tables = await harness.testDb.database.query<{ schema: string; name: string }>(sql`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`);
  const rows: string[] = [];
  for (const t of tables) {
    const found = await harness.testDb.database.query<{ j: string }>(sql.raw(`select row_to_json(t)::text as j from "${t.schema}"."${t.name}" t`));
    rows.push(...found.map((r) => r.j));
  }
  return { tables: tables.map((t) => `${t.schema}.${t.name}`), text: rows.join('\n') };
}

describe(`RingCentral sessions sealed at rest (${databaseKind})`, () => {
  it('after a sync the tokens the client holds, the JWT and the client secret appear nowhere in the database', async () => {
    const app = await harness.app();
    const results = await syncAll(app);
    expect(results.map((r) => r.outcome)).not.toContain('failed');

    // Without CALLSYNC_SECRET_KEY the session is sealed with the key derived from the credentials.
    const session = await storedSession(derivedRing());
    if (!session.opened) throw new Error(`the stored session does not open: ${session.reason}`);
    const { accessToken, refreshToken } = tokensOf(session.data);
    // These are the live tokens of the client's session: RingCentral takes the access token.
    const probe = await fetch(`${harness.sim.url}/restapi/v1.0/account/~`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(probe.status).toBe(200);

    const dump = await everyRow();
    expect(dump.tables).toEqual(expect.arrayContaining(['public.auth_sessions', 'public.calls', 'public.accounts']));
    // The scan does read the synced data and the sealed session...
    expect(dump.text).toContain(harness.sim.truth().calls[0]!.id);
    expect(dump.text).toMatch(/"sealed":"v1\.[A-Za-z0-9_-]{8}\./);
    // ...and none of the secrets.
    for (const secret of [accessToken, refreshToken, harness.sim.credentials.jwt, harness.sim.credentials.clientSecret]) {
      expect(secret.length).toBeGreaterThan(6);
      expect(dump.text).not.toContain(secret);
    }
  });

  it('a second app with the same CALLSYNC_SECRET_KEY takes the stored session without a token request', async () => {
    const key = newKey();
    await harness.app(keyEnv(key));
    const before = grants();
    const { logger, lines } = capture();
    const app = await harness.app(keyEnv(key), { logger });
    await syncAll(app, { streams: ['extensions'] });
    expect(grants()).toEqual(before);
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
    expect(await storedSession(ring(key))).toMatchObject({ opened: true, keyId: idOf(key), current: true });
    // A CALLSYNC_SECRET_KEY seals on its own: the credentials alone do not open the session.
    expect(await storedSession(derivedRing())).toMatchObject({ opened: false, reason: 'unknown-key' });
  });

  it('a wrong key: one warning naming CALLSYNC_SECRET_KEY, one JWT login, and the session stored again under the new key', async () => {
    const [oldKey, wrongKey] = [newKey(), newKey()];
    await harness.app(keyEnv(oldKey));
    const before = grants();
    const { logger, lines } = capture();
    const app = await harness.app(keyEnv(wrongKey), { logger });
    await syncAll(app, { streams: ['extensions'] });
    // The same process again (a new app on the session now stored): no further warning or login.
    await syncAll(await harness.app(keyEnv(wrongKey), { logger }), { streams: ['extensions'] });

    expect(grants()).toEqual({ jwt: before.jwt + 1, refresh_token: before.refresh_token });
    const warnings = lines().filter((l) => l.level >= 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('CALLSYNC_SECRET_KEY');
    expect(warnings[0]).toMatchObject({ reason: 'unknown-key', keyId: idOf(oldKey) });
    expect(await storedSession(ring(wrongKey))).toMatchObject({ opened: true, keyId: idOf(wrongKey) });
    expect(await storedSession(ring(oldKey))).toMatchObject({ opened: false });
  });

  it('an altered session is no session: one warning, one JWT login, overwritten', async () => {
    const key = newKey();
    await harness.app(keyEnv(key));
    const [row] = await harness.testDb.database.query<{ sealed: string }>(sql`select sealed from auth_sessions`);
    const fields = row!.sealed.split('.');
    fields[4] = (fields[4]!.startsWith('A') ? 'B' : 'A') + fields[4]!.slice(1);
    await harness.testDb.database.query(sql`update auth_sessions set sealed = ${fields.join('.')}`);
    const before = grants();
    const { logger, lines } = capture();
    await harness.app(keyEnv(key), { logger });
    expect(grants().jwt).toBe(before.jwt + 1);
    expect(lines().filter((l) => l.level >= 40)).toMatchObject([{ reason: 'rejected', msg: expect.stringContaining('altered') }]);
    expect(await storedSession(ring(key))).toMatchObject({ opened: true });
  });

  it('rotation: with CALLSYNC_SECRET_KEY=new,old the session the old key sealed is taken as it is and re-sealed with the new key at its next refresh; then the old key can go', async () => {
    const [oldKey, newerKey] = [newKey(), newKey()];
    await harness.app(keyEnv(oldKey));
    const before = grants();
    const { logger, lines } = capture();

    await harness.app(keyEnv(newerKey, oldKey), { logger });
    expect(grants()).toEqual(before);
    // Only adopted: nothing was written, so the old key still seals it.
    expect(await storedSession(ring(newerKey, oldKey))).toMatchObject({ opened: true, keyId: idOf(oldKey), current: false });

    await expireStoredSession(ring(oldKey));
    await harness.app(keyEnv(newerKey, oldKey), { logger });
    expect(grants()).toEqual({ jwt: before.jwt, refresh_token: before.refresh_token + 1 });
    expect(await storedSession(ring(newerKey))).toMatchObject({ opened: true, keyId: idOf(newerKey), current: true });

    // Every process runs with the new key first and the session was refreshed: the old key is no longer needed.
    await harness.app(keyEnv(newerKey), { logger });
    expect(grants()).toEqual({ jwt: before.jwt, refresh_token: before.refresh_token + 1 });
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
  });

  it('setting CALLSYNC_SECRET_KEY on a deployment that had none keeps its session, re-sealed at the next refresh', async () => {
    const key = newKey();
    const { logger, lines } = capture();
    await harness.app({}, { logger });
    expect(lines().map((l) => l.msg)).toContain('RingCentral sessions are stored sealed with a key derived from RC_CLIENT_SECRET and RC_JWT; set CALLSYNC_SECRET_KEY to seal them with a key of their own');
    const before = grants();
    await expireStoredSession(derivedRing());
    await harness.app(keyEnv(key), { logger });
    expect(grants()).toEqual({ jwt: before.jwt, refresh_token: before.refresh_token + 1 });
    expect(await storedSession(ring(key))).toMatchObject({ opened: true, keyId: idOf(key) });
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
  });

  it('demo mode makes its own key file (mode 0600) under CALLSYNC_DATA_DIR, and reuses it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-demo-key-'));
    try {
      const demoApp = async () => {
        const app = await createApp(loadConfig({ CALLSYNC_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), {
          logger: silentLogger, retry: FAST_RETRY, database: harness.testDb.database, demo: { seed: 3, history: history(5, 1), rateLimits: false },
        });
        await app.close();
      };
      await demoApp();
      const file = path.join(dataDir, DEMO_KEY_FILE);
      if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8');
      await demoApp();
      expect(readFileSync(file, 'utf8')).toBe(key);
      // Each demo run has its own simulator (a new credential): both sessions open with the file's one key.
      const keyring = secretKeyring([new SecretKey(Buffer.from(key.trim(), 'base64'))], 'demo');
      const sessions = await listAuthSessions(harness.testDb.database.db, keyring);
      expect(sessions.map((s) => s.opened)).toEqual([true, true]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
