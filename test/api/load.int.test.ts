import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type ApiServerLimits } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { upsertCallPage } from '../../src/store/calls.ts';
import { sql } from '../../src/store/db.ts';
import { entries, makeCallRecord } from '../builders.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

/*
 * The API under load from one key: the flood's requests are held (a test transaction holds calls in ACCESS
 * EXCLUSIVE mode, so their reads wait) for as long as each test needs, which makes the outcomes exact
 * without timing anything. Timers here only turn a request that never comes back into a failure.
 */

let testDb: TestDatabase;
let floodKey: string;
let lightKey: string;
const CALL_ID = 'REC-LOAD-1';
/** Long enough on any machine: the timers only catch a request that is never answered. */
const GENEROUS_MS = 60_000;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(server: ApiServer, key: string, query: string): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

/** The API with statements that outlive any test, unless the test says otherwise. */
const start = (limits: Partial<ApiServerLimits> = {}) =>
  startApiServer({ database: testDb.database, databaseUrl: testDb.url, port: 0, logger: silentLogger, limits: { statementTimeoutMs: 3 * GENEROUS_MS, requestTimeoutMs: 3 * GENEROUS_MS, ...limits } });

/** Holds `table` in ACCESS EXCLUSIVE mode from a session of its own until release(). */
async function hold(table: string): Promise<{ release(): Promise<void> }> {
  const client = postgres(testDb.url!, { max: 1, onnotice: () => {} });
  const session = await client.reserve();
  await session`begin`;
  await session.unsafe(`lock table ${table} in access exclusive mode`);
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= (async () => {
        await session`rollback`;
        session.release();
        await client.end();
      })()),
  };
}

/** Statements of the API's pool waiting for a lock on `table`. */
async function waitingFor(table: string): Promise<number> {
  const [row] = await testDb.database.query<{ n: number }>(sql`
    select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation join pg_stat_activity a on a.pid = l.pid
    where not l.granted and c.relname = ${table} and a.datname = current_database() and a.application_name = 'callsync'`);
  return row!.n;
}

/** Polls until `condition` holds; throws naming `what` after GENEROUS_MS, or returns false once `stop()`. */
async function waitUntil(condition: () => Promise<boolean> | boolean, what: string, stop: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + GENEROUS_MS;
  while (!(await condition())) {
    if (stop()) return false;
    if (Date.now() > deadline) throw new Error(`waited ${GENEROUS_MS / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** `promise`, or 'timed out' after GENEROUS_MS. */
async function within<T>(promise: Promise<T>): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), GENEROUS_MS)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const FLOOD_QUERY = '{ calls(first: 5) { edges { node { id } } } }';
const LIGHT_QUERY = '{ syncStatus { streams { name } } }';

// Holding a request needs a second session's lock, which embedded PGlite (one session) cannot take.
describe.skipIf(databaseKind === 'pglite')('the API under load (postgres)', () => {
  beforeAll(async () => {
    testDb = await createTestDatabase();
    floodKey = await createApiKey(testDb.database.db, 'flood');
    lightKey = await createApiKey(testDb.database.db, 'light');
    await testDb.database.db.transaction((tx) => upsertCallPage(tx, '37439510', entries(makeCallRecord({ id: CALL_ID }))));
  });

  afterAll(() => testDb?.drop());

  it("answers another key's light request while the flood's requests are still held", async () => {
    const server = await start(); // the default pool (5) and per-key limit (4)
    const calls = await hold('calls');
    try {
      let floodAnswered = 0;
      const flood = Array.from({ length: 20 }, () => post(server, floodKey, FLOOD_QUERY).finally(() => floodAnswered++));
      await waitUntil(async () => (await waitingFor('calls')) >= 4, 'the flood to hold 4 connections');
      const light = await within(post(server, lightKey, LIGHT_QUERY));
      expect(light, `another key's request was not answered within ${GENEROUS_MS / 1000} s while one key flooded`).not.toBe('timed out');
      expect(light).toMatchObject({ status: 200, body: { data: { syncStatus: { streams: [] } } } });
      expect(floodAnswered, 'the flood was still held when the light request was answered').toBe(0);
      await calls.release();
      expect((await Promise.all(flood)).map((a) => a.status)).toEqual(Array(20).fill(200));
    } finally {
      await calls.release();
      await server.close();
    }
  });

  it('refuses requests of one key past its running and queued limits with 429, Retry-After and the limits named', async () => {
    const server = await start({ maxConcurrentPerKey: 2, maxQueuedPerKey: 3 });
    const calls = await hold('calls');
    try {
      const answered: Answer[] = [];
      const flood = Array.from({ length: 8 }, () => post(server, floodKey, FLOOD_QUERY).then((a) => (answered.push(a), a)));
      await waitUntil(() => answered.length >= 3, 'the requests past the queue to be refused');
      await waitUntil(async () => (await waitingFor('calls')) >= 2, 'the running requests to be held');
      expect(answered).toHaveLength(3);
      for (const refused of answered) {
        expect(refused.status).toBe(429);
        expect(refused.retryAfter).toBe('1');
        expect(refused.body.errors).toEqual([
          {
            message: 'This API key already has 2 requests running and 3 waiting, the most this server allows (API_MAX_CONCURRENT_PER_KEY=2, API_MAX_QUEUED_PER_KEY=3). Send fewer requests at once: wait for answers before sending more.',
            extensions: { code: 'TOO_MANY_REQUESTS', maxConcurrentPerKey: 2, maxQueuedPerKey: 3, retryAfterSeconds: 1 },
          },
        ]);
      }
      // Another key is not refused for the flood's sake.
      expect((await post(server, lightKey, LIGHT_QUERY)).status).toBe(200);
      await calls.release();
      const statuses = (await Promise.all(flood)).map((a) => a.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    } finally {
      await calls.release();
      await server.close();
    }
  });

  it('answers a request past API_REQUEST_TIMEOUT_MS with 503 REQUEST_TIMEOUT and starts none of its further statements', async () => {
    const server = await start({ requestTimeoutMs: 300 });
    // The request's first statement (the call) waits for calls; its next one (the callback) would read callbacks.
    const calls = await hold('calls');
    const callbacks = await hold('callbacks');
    let closed = false;
    try {
      const answer = await within(post(server, lightKey, `{ call(id: "${CALL_ID}") { id callback { call { id } } } }`));
      expect(answer).toEqual({
        status: 503,
        retryAfter: null,
        body: { errors: [{ message: 'The request took longer than 300 ms and was stopped. Ask for less (a smaller first, fewer fields) or, if the server is busy, try again later.', extensions: { code: 'REQUEST_TIMEOUT', requestTimeoutMs: 300 } }] },
      });
      // The first statement gets its rows now. Unless the request's work has stopped, the callback's statement
      // would start and wait for callbacks, keeping the server from closing.
      await calls.release();
      const shut = server.close().then(() => (closed = true));
      const started = await waitUntil(async () => (await waitingFor('callbacks')) > 0, 'the server to close', () => closed);
      expect(started, 'a statement of the timed-out request started after its answer').toBe(false);
      await shut;
    } finally {
      await calls.release();
      await callbacks.release();
      if (!closed) await server.close();
    }
  });
});
