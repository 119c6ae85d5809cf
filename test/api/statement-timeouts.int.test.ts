import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { upsertCallPage } from '../../src/store/calls.ts';
import { upsertExtensions } from '../../src/store/extensions.ts';
import { openDatabase, sql } from '../../src/store/db.ts';
import { writeSyncState } from '../../src/store/sync-state.ts';
import { entries, makeCallRecord } from '../builders.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';
import { FULL_CALL } from './full-call.ts';

/*
 * The statement timeout fires while other requests are being answered on the same connections. Whatever
 * it cancels, every other answer must stay exactly right: postgres.js 3.4 keeps a connection's row counter
 * across an error that arrives after some rows (porsager/postgres#1119, #1181), so the next statement on
 * that connection used to resolve with holes where its first rows belong: a valid key read as unknown
 * (401), a page with null calls under HTTP 200.
 */

const ACCOUNT = '37439510';
const CALLS = 3_000;
const REQUESTS = 400;

let testDb: TestDatabase;
let key: string;
let reference: ApiServer;

interface Answer {
  status: number;
  text: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(server: ApiServer, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Answer['body'] };
}

/** A mix of what integrations ask: big pages (long statements, cancelled mid-stream), small lookups, status. */
const QUERIES: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  { name: 'full page of 300', query: `query($after: String) { calls(first: 300, after: $after) { edges { cursor node ${FULL_CALL} } pageInfo { hasNextPage endCursor } } }` },
  { name: 'ids of 500', query: '{ calls(first: 500) { edges { node { id sessionId startTime } } } }' },
  { name: 'one session', query: 'query($s: String) { calls(filter: { sessionId: $s }) { edges { node { id sessionId legs { position extension { id name } } } } } }', variables: { s: '14860368777' } },
  { name: 'extensions', query: '{ extensions { id extensionNumber name } }' },
  { name: 'sync status', query: '{ syncStatus { streams { name recordsSynced syncedThrough } } }' },
  { name: 'one call', query: 'query($id: ID!) { call(id: $id) { id legs { position result } } }', variables: { id: 'REC000000001500' } },
];

// PGlite's wasm build cannot cancel a statement (see openDatabase): no statement is ever cut short there.
describe.skipIf(databaseKind === 'pglite')('statement timeouts under load (postgres)', () => {
  beforeAll(async () => {
    testDb = await createTestDatabase();
    const { db } = testDb.database;
    key = await createApiKey(db, 'crm');
    await upsertExtensions(db, ACCOUNT, Array.from({ length: 40 }, (_, i) => ({ id: String(133165000 + i), extensionNumber: String(100 + i), name: `Agent ${i}`, type: 'User', status: 'Enabled' }) as never));
    for (const stream of ['call-log', 'extensions', 'voicemails']) await writeSyncState(db, ACCOUNT, stream, { syncedThrough: new Date('2026-11-20T10:00:00Z'), lastSuccessAt: new Date('2026-11-20T10:00:00Z') });
    for (let page = 0; page < CALLS / 500; page++) {
      const records = Array.from({ length: 500 }, (_, i) => {
        const n = page * 500 + i + 1;
        const leg = (legType: string, ext: number) => ({ ...makeCallRecord().legs![0]!, legType, extension: { id: String(133165000 + (ext % 40)) } });
        return makeCallRecord({ id: `REC${String(n).padStart(12, '0')}`, startTime: new Date(Date.UTC(2026, 10, 1) + n * 60_000).toISOString(), legs: [leg('Accept', n), leg('FindMe', n + 1), leg('Voicemail', n + 2)] as never });
      });
      await db.transaction((tx) => upsertCallPage(tx, ACCOUNT, entries(...records)));
    }
    reference = await startApiServer({ database: testDb.database, databaseUrl: testDb.url, port: 0, logger: silentLogger });
  });

  afterAll(async () => {
    await reference?.close();
    await testDb?.drop();
  });

  it('answers every request either exactly as without a timeout or with a timeout error, never 401 or wrong rows', async () => {
    // Every page of the big query, so statements of different lengths run side by side.
    const cursors: Array<string | null> = [null];
    for (;;) {
      const page = await post(reference, QUERIES[0]!.query, { after: cursors.at(-1) });
      const info = (page.body.data as { calls: { pageInfo: { hasNextPage: boolean; endCursor: string } } }).calls.pageInfo;
      if (!info.hasNextPage) break;
      cursors.push(info.endCursor);
    }
    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const q = QUERIES[i % QUERIES.length]!;
      return { ...q, variables: i % QUERIES.length === 0 ? { after: cursors[Math.floor(i / QUERIES.length) % cursors.length] } : q.variables };
    });
    const expected = new Map<string, string>();
    for (const r of requests) {
      const id = JSON.stringify([r.query, r.variables]);
      if (expected.has(id)) continue;
      const answer = await post(reference, r.query, r.variables);
      expect(answer.status, `${r.name}: ${answer.text.slice(0, 300)}`).toBe(200);
      expected.set(id, answer.text);
    }

    const timed = await startApiServer({ database: testDb.database, databaseUrl: testDb.url, port: 0, logger: silentLogger, limits: { statementTimeoutMs: 20, maxConcurrentPerKey: REQUESTS, maxQueuedPerKey: REQUESTS } });
    try {
      const answers = await Promise.all(requests.map((r) => post(timed, r.query, r.variables)));
      const wrong: string[] = [];
      let timedOut = 0;
      answers.forEach((answer, i) => {
        const r = requests[i]!;
        if (answer.status === 200 && answer.text === expected.get(JSON.stringify([r.query, r.variables]))) return;
        const codes = (answer.body.errors ?? []).map((e) => e.extensions?.code);
        if (answer.status === 503 && codes.length > 0 && codes.every((c) => c === 'QUERY_TIMEOUT' || c === 'REQUEST_TIMEOUT')) return void timedOut++;
        wrong.push(`#${i} ${r.name}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
      });
      expect(wrong, `${wrong.length} of ${REQUESTS} answers wrong (${timedOut} timed out)`).toEqual([]);
      // The test proves nothing unless the timeout fired and answers came through beside it.
      expect(timedOut).toBeGreaterThan(0);
      expect(timedOut).toBeLessThan(REQUESTS);
    } finally {
      await timed.close();
    }
  });

  it('gives the next statement its rows whole after one failed mid-rows, on the same single connection', async () => {
    const pool = await openDatabase({ url: testDb.url, maxConnections: 1, exclusiveConnections: true });
    try {
      // Three rows, then division by zero: the error arrives after rows, as a cancel mid-stream does.
      const failing = pool.query(sql`select i, 1 / (4 - i) as boom from generate_series(1, 10) i`);
      const next = pool.query<{ x: number }>(sql`select x from generate_series(1, 5) x`);
      await expect(failing).rejects.toMatchObject({ code: '22012' });
      const rows = await next;
      expect(rows.map((r) => r?.x)).toEqual([1, 2, 3, 4, 5]);
      expect(Object.keys(rows)).toEqual(['0', '1', '2', '3', '4']);
    } finally {
      await pool.close();
    }
  });

  it('starts no statement for work whose signal has aborted, and stops its wait for a connection', async () => {
    const controller = new AbortController();
    const pool = await openDatabase({ url: testDb.url, maxConnections: 1, exclusiveConnections: true, signal: () => controller.signal });
    try {
      const running = pool.query(sql`select pg_sleep(0.5)`);
      const waiting = pool.query(sql`select 1`);
      // Both have asked for the connection (a statement starts when its promise is first awaited).
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new Error('request stopped'));
      await expect(waiting).rejects.toThrow('request stopped');
      await expect(pool.query(sql`select 1`)).rejects.toThrow('request stopped');
      await expect(running).resolves.toHaveLength(1);
    } finally {
      await pool.close();
    }
  });
});
