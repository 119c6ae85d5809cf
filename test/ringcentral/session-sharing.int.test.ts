import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { RequestMeter } from '../../src/ringcentral/client.ts';
import { tokensOf } from '../../src/ringcentral/auth-storage.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { loadAuthSession, saveAuthSession } from '../../src/store/auth-sessions.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';
import { historyDays, tokenRequest } from '../simulator/helpers.ts';
import { CREDENTIAL_KEY, hammer, sessionClient, sessionKeyring, type Tally } from './session-load.ts';

/** The SDK refreshes 60 s before expiry, so each access token of this lifetime is fit for one second. */
const SHORT_TTL_SEC = 61;
const DURATION_MS = 6_000;
const ACCOUNT = '/restapi/v1.0/account/~';
const WORKER = path.resolve('test/ringcentral/session-worker.ts');

let testDb: TestDatabase;
let sim: Simulator | undefined;
const extraDatabases: Database[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const db of extraDatabases.splice(0)) await db.close();
  await testDb.database.query(sql`delete from auth_sessions`);
});

async function simulator(accessTokenTtlSec?: number): Promise<Simulator> {
  // maxSessions 5 as RingCentral: a second login would not fail here, it would be counted.
  sim = await startSimulator({ history: historyDays(1, 20), rateLimits: false, maxSessions: 5, ...(accessTokenTtlSec ? { accessTokenTtlSec } : {}) });
  return sim;
}

const credentials = (s: Simulator) => ({ serverUrl: s.url, ...s.credentials });

/** A second handle on the test database: on Postgres its own pool, so only the database lock serialises. */
async function otherHandle(): Promise<Database> {
  if (!testDb.url) return testDb.database;
  const db = await openDatabase({ url: testDb.url });
  extraDatabases.push(db);
  return db;
}

function expectOneSession(s: Simulator, tallies: Tally[]): void {
  const stats = s.stats();
  for (const tally of tallies) expect(tally.failures).toEqual([]);
  expect(stats.tokenGrants.jwt).toBe(1);
  // Several expiries went by, each answered by one refresh...
  expect(stats.tokenGrants.refresh_token).toBeGreaterThanOrEqual(3);
  // ...and no refresh token was ever refused (a spent one would be: OAU-211), nor any other token request.
  expect(stats.tokenErrors).toBe(0);
  expect(stats.sessions).toBe(1);
  // Every token request the clients sent is one of those grants: adopting a stored session costs none.
  expect(tallies.reduce((n, t) => n + t.tokenRequests, 0)).toBe(stats.tokenGrants.jwt + stats.tokenGrants.refresh_token);
  console.info(`[session-sharing ${databaseKind}] requests ok: ${tallies.map((t) => t.ok).join('+')}, token requests per client: ${tallies.map((t) => t.tokenRequests).join('+')}, grants: ${JSON.stringify(stats.tokenGrants)}, 401s: ${stats.byStatus['401'] ?? 0}`);
}

describe('one RingCentral session for every process on a database', () => {
  it('two clients with their own memory, requesting concurrently across several token lifetimes: one JWT login, no failed request, no refused refresh token', async () => {
    const s = await simulator(SHORT_TTL_SEC);
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const a = sessionClient(testDb.database, credentials(s), logger);
    const b = sessionClient(await otherHandle(), credentials(s), logger);
    const tallies = await Promise.all([a, b].map((client) => hammer(client, { loops: 3, durationMs: DURATION_MS, pauseMs: 10 })));
    expectOneSession(s, tallies);

    // Tokens and secrets never reach the logs, though the logs speak of the session.
    const log = lines.join('');
    expect(log).toContain('logged in to RingCentral with the JWT');
    expect(log).toContain('refreshed the RingCentral session');
    const stored = tokensOf(await loadAuthSession(testDb.database.db, CREDENTIAL_KEY, sessionKeyring(credentials(s))));
    for (const secret of [stored.accessToken, stored.refreshToken, s.credentials.jwt, s.credentials.clientSecret]) {
      expect(secret.length).toBeGreaterThan(0);
      expect(log).not.toContain(secret);
    }
    // Nothing shaped like one of the simulator's tokens (32 random bytes, base64url) either.
    expect(log).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });

  it('a client started after another takes the stored session: no login of its own, no token request', async () => {
    const s = await simulator();
    const meterA = new RequestMeter();
    const meterB = new RequestMeter();
    await sessionClient(testDb.database, credentials(s), silentLogger).get(ACCOUNT, {}, 'Light', meterA);
    await sessionClient(await otherHandle(), credentials(s), silentLogger).get(ACCOUNT, {}, 'Light', meterB);
    expect(meterA.requests.Auth).toBe(1);
    expect(meterB.requests.Auth).toBe(0);
    expect(s.stats().tokenGrants).toEqual({ jwt: 1, refresh_token: 0 });
  });

  it('a 401 because another process refreshed (killing the token held) re-reads the stored session and takes it, without a token request', async () => {
    const s = await simulator();
    const client = sessionClient(testDb.database, credentials(s), silentLogger);
    const meter = new RequestMeter();
    await client.get(ACCOUNT, {}, 'Light', meter);
    expect(meter.requests.Auth).toBe(1);

    // Another process refreshes the session, long before it is due, and stores the result as the SDK does.
    const stored = await loadAuthSession(testDb.database.db, CREDENTIAL_KEY, sessionKeyring(credentials(s)));
    const before = JSON.parse(stored['rc-platform']!);
    const reply = await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: before.refresh_token });
    expect(reply.status).toBe(200);
    const now = Date.now();
    const after = { ...before, ...reply.body, expire_time: now + reply.body.expires_in * 1000, refresh_token_expire_time: now + reply.body.refresh_token_expires_in * 1000 };
    await saveAuthSession(testDb.database.db, CREDENTIAL_KEY, { 'rc-platform': JSON.stringify(after) }, sessionKeyring(credentials(s)));

    // The client's token is dead now (single use); its next request gets a 401, then succeeds with the stored one.
    const account = (await client.get(ACCOUNT, {}, 'Light', meter)) as { id: unknown };
    expect(String(account.id)).toBe(s.accountId);
    expect(s.stats().byStatus['401']).toBe(1);
    expect(meter.requests.Auth).toBe(1);
    expect(s.stats().tokenGrants).toEqual({ jwt: 1, refresh_token: 1 });
    expect(s.stats().tokenErrors).toBe(0);
    // It stored nothing of its own: the session is still the one the other process stored.
    expect(tokensOf(await loadAuthSession(testDb.database.db, CREDENTIAL_KEY, sessionKeyring(credentials(s)))).accessToken).toBe(reply.body.access_token);
  });

  it('a session whose refresh token is refused (revoked) is replaced by one JWT login, which the other clients then share', async () => {
    const s = await simulator();
    const a = sessionClient(testDb.database, credentials(s), silentLogger);
    const b = sessionClient(await otherHandle(), credentials(s), silentLogger);
    const meter = new RequestMeter();
    await a.get(ACCOUNT, {}, 'Light', meter);
    await b.get(ACCOUNT, {}, 'Light', meter);
    s.faults.revokeTokens();
    await Promise.all([a, b, a, b].map((client) => client.get(ACCOUNT, {}, 'Light', meter)));
    const stats = s.stats();
    expect(stats.tokenGrants.jwt).toBe(2);
    // One refresh with the revoked token was tried and refused; no other.
    expect(stats.tokenErrors).toBe(1);
    expect(stats.sessions).toBe(1);
  });

  // PGlite's files belong to one process; separate processes share a database only on PostgreSQL.
  if (databaseKind === 'postgres') {
    it('three separate processes on PostgreSQL, requesting concurrently across several token lifetimes: one JWT login, no failed request, no refused refresh token', async () => {
      const s = await simulator(SHORT_TTL_SEC);
      const env = {
        ...(process.env as Record<string, string>),
        DATABASE_URL: testDb.url!,
        RC_SERVER_URL: s.url,
        RC_CLIENT_ID: s.credentials.clientId,
        RC_CLIENT_SECRET: s.credentials.clientSecret,
        RC_JWT: s.credentials.jwt,
        LOOPS: '3',
        DURATION_MS: String(DURATION_MS),
        PAUSE_MS: '10',
      };
      const tallies = await Promise.all([1, 2, 3].map(() => runWorker(env)));
      expectOneSession(s, tallies);
    });
  }
});

function runWorker(env: Record<string, string>): Promise<Tally> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Tally);
    }),
  );
}
