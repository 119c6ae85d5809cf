import { request } from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { openDatabase, sql } from '../../src/store/db.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';
import { FULL_CALL } from './full-call.ts';

let testDb: TestDatabase;
let server: ApiServer;
let key: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  key = await createApiKey(testDb.database.db, 'crm');
  server = await startApiServer({ database: testDb.database, port: 0, logger: silentLogger });
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
});

interface Answer {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** A POST as a plain HTTP client sends it: `Accept: application/json`, the legacy media type. */
async function post(body: string | object, options: { to?: ApiServer; contentType?: string } = {}): Promise<Answer> {
  const res = await fetch(`${(options.to ?? server).url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
const fullPage = (first: number | string) => `calls(first: ${first}) { edges { cursor node ${FULL_CALL} } pageInfo { hasNextPage endCursor } }`;

describe(`query limits (${databaseKind})`, () => {
  it('refuses a query nested deeper than the limit with 400, naming its depth and the limit', async () => {
    const answer = await post({ query: '{ voicemails { edges { node { call { callback { call { callback { call { legs { extension { id } } } } } } } } } } }' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ message: 'The query is 11 fields deep; this server allows at most 10. Nest fewer fields.', extensions: { code: 'QUERY_TOO_DEEP', depth: 11, maxDepth: 10 } })]);
    expect(answer.body).not.toHaveProperty('data');
  });

  it('follows fragments when measuring depth, also for a document it has seen before', async () => {
    const query = '{ voicemails { edges { node { ...V } } } } fragment V on Voicemail { call { callback { call { callback { call { legs { extension { id } } } } } } } }';
    for (let i = 0; i < 2; i++) expect(codes(await post({ query }))).toEqual(['QUERY_TOO_DEEP']);
  });

  it("admits the contract's deepest useful paths and GraphiQL's introspection", async () => {
    for (const query of ['{ callChanges { edges { node { callback { call { legs { extension { id } } } } } } } }', '{ voicemails { edges { node { call { legs { recording { id } } } } } } }']) {
      const answer = await post({ query });
      expect(codes(answer)).not.toContain('QUERY_TOO_DEEP');
      expect(codes(answer)).not.toContain('QUERY_TOO_COSTLY');
    }
    const introspection = await post({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }) });
    expect(introspection.status).toBe(200);
    expect(introspection.body.data).toHaveProperty('__schema.queryType.name', 'Query');
  });

  it('admits one full page of 500 calls with every field', async () => {
    const answer = await post({ query: `{ ${fullPage(500)} }` });
    expect(codes(answer)).not.toContain('QUERY_TOO_COSTLY');
  });

  it('refuses pages multiplied by aliases with 400, naming the estimate and the limit, and runs nothing', async () => {
    const answer = await post({ query: `{ a: ${fullPage(500)} b: ${fullPage(500)} }` });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['QUERY_TOO_COSTLY']);
    expect(answer.body.errors![0]!.message).toMatch(/^The query could return about 408,048 values \(its estimated cost\); this server allows at most 250,000\./);
    expect(answer.body).not.toHaveProperty('data');
  });

  it('estimates with the variables the query is sent with', async () => {
    const query = `query Pages($n: Int) { a: ${fullPage('$n')} b: ${fullPage('$n')} }`;
    expect(codes(await post({ query, variables: { n: 500 } }))).toEqual(['QUERY_TOO_COSTLY']);
    expect(codes(await post({ query, variables: { n: 100 } }))).not.toContain('QUERY_TOO_COSTLY');
    // Without the variable, first is the schema's default 50.
    expect(codes(await post({ query }))).not.toContain('QUERY_TOO_COSTLY');
  });

  it('refuses introspection that multiplies the schema by itself', async () => {
    const answer = await post({ query: '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors![0]!.message).toBe('Maximum introspection depth exceeded'); // graphql-js's own rule
  });

  it('refuses thousands of nested braces with 400 before parsing (graphql-js would overflow its stack)', async () => {
    const answer = await post({ query: `{ __type(name: "Call") { ${'ofType { '.repeat(5000)} name ${'} '.repeat(5000)} } }` });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['QUERY_TOO_DEEP']);
  });
});

describe(`malformed requests get a clear 4xx (${databaseKind})`, () => {
  const cases: Array<{ why: string; body: string | object; contentType?: string; status: number; message: RegExp }> = [
    { why: 'a body that is not JSON', body: '{"query": "{ extensions { id } }"', status: 400, message: /POST body sent invalid JSON/ },
    { why: 'a body in another format', body: 'query=1', contentType: 'text/plain', status: 415, message: /send the query as JSON/ },
    { why: 'no query', body: {}, status: 400, message: /Must provide query string/ },
    { why: 'a syntax error', body: { query: '{ extensions { id }' }, status: 400, message: /Syntax Error/ },
    { why: 'an unknown field', body: { query: '{ extensions { id nope } }' }, status: 400, message: /Cannot query field "nope" on type "Extension"/ },
    { why: 'an unknown enum value', body: { query: '{ calls(orderBy: NEWEST) { edges { cursor } } }' }, status: 400, message: /Value "NEWEST" does not exist in "CallOrder" enum/ },
    { why: 'a wrong argument type', body: { query: '{ calls(first: "ten") { edges { cursor } } }' }, status: 400, message: /Int cannot represent non-integer value/ },
    { why: 'a malformed DateTime', body: { query: '{ dispositionSummary(from: "yesterday", to: "2026-11-25T00:00:00Z") { count } }' }, status: 400, message: /"yesterday" is not a DateTime/ },
    {
      why: 'a malformed DateTime variable',
      body: { query: 'query($from: DateTime!) { dispositionSummary(from: $from, to: "2026-11-25T00:00:00Z") { count } }', variables: { from: '2026-11-01 08:00' } },
      status: 400,
      message: /Variable "\$from" got invalid value "2026-11-01 08:00"/,
    },
    { why: 'a mutation', body: { query: 'mutation { extensions { id } }' }, status: 400, message: /This API has no mutations/ },
    // Variables are coerced by graphql-jit, whose errors carry no extensions object.
    { why: 'a variable of the wrong type', body: { query: 'query($n: Int) { calls(first: $n) { edges { cursor } } }', variables: { n: 'x' } }, status: 400, message: /Variable "\$n" got invalid value "x"/ },
    { why: 'an unknown enum value in a variable', body: { query: 'query($d: [Disposition!]) { calls(filter: { dispositions: $d }) { edges { cursor } } }', variables: { d: ['LOST'] } }, status: 400, message: /Variable "\$d" got invalid value "LOST"/ },
    { why: 'an unknown field of an input variable', body: { query: 'query($f: CallFilter) { calls(filter: $f) { edges { cursor } } }', variables: { f: { bogus: 1 } } }, status: 400, message: /Variable "\$f" got invalid value/ },
    { why: 'a required variable left out', body: { query: 'query($id: ID!) { call(id: $id) { id } }', variables: {} }, status: 400, message: /Variable "\$id" of required type "ID!" was not provided/ },
    { why: 'a day the month does not have', body: { query: '{ dispositionSummary(from: "2026-11-30T00:00:00Z", to: "2026-11-31T00:00:00Z") { count } }' }, status: 400, message: /"2026-11-31T00:00:00Z" is not a DateTime: 2026-11 has no day 31/ },
    { why: 'February 29 of a common year', body: { query: '{ calls(filter: { startedAfter: "2027-02-29T00:00:00Z" }) { edges { cursor } } }' }, status: 400, message: /2027-02 has no day 29/ },
    { why: 'a year before 0001 in UTC', body: { query: '{ calls(filter: { startedAfter: "0001-01-01T00:00:00+01:00" }) { edges { cursor } } }' }, status: 400, message: /the year must be between 0001 and 9999 in UTC/ },
    { why: 'a year after 9999 in UTC', body: { query: '{ calls(filter: { startedBefore: "9999-12-31T23:00:00-05:00" }) { edges { cursor } } }' }, status: 400, message: /the year must be between 0001 and 9999 in UTC/ },
    { why: 'a call cursor past the range of time', body: { query: `{ calls(after: "${Buffer.from('call:9223372036854775807:x').toString('base64url')}") { edges { cursor } } }` }, status: 400, message: /is not a cursor of this connection/ },
    { why: 'a voicemail cursor past the range of time', body: { query: `{ voicemails(after: "${Buffer.from('voicemail:-9999999999999999999:x').toString('base64url')}") { edges { cursor } } }` }, status: 400, message: /is not a cursor of this connection/ },
    { why: 'an empty cursor', body: { query: '{ calls(after: "") { edges { cursor } } }' }, status: 400, message: /"" is not a cursor of this connection/ },
    { why: 'an empty phone number', body: { query: '{ calls(filter: { phoneNumber: "" }) { edges { cursor } } }' }, status: 400, message: /phoneNumber "" is not a phone number/ },
    { why: 'a NUL character in a string', body: { query: 'query($s: String) { calls(filter: { sessionId: $s }) { edges { cursor } } }', variables: { s: 'a\u0000b' } }, status: 400, message: /contains a NUL character/ },
    { why: 'a NUL character in an ID literal', body: { query: '{ call(id: "a\\u0000b") { id } }' }, status: 400, message: /contains a NUL character/ },
    { why: 'a wrong enum value inside an input variable, named by its path', body: { query: 'query($f: CallFilter) { calls(filter: $f) { edges { cursor } } }', variables: { f: { direction: 'SIDEWAYS' } } }, status: 400, message: /^Variable "\$f" got invalid value "SIDEWAYS" at "f\.direction"; Value "SIDEWAYS" does not exist in "Direction" enum/ },
    { why: 'an impossible date in a variable, with its reason', body: { query: 'query($d: DateTime!) { calls(filter: { startedAfter: $d }) { edges { cursor } } }', variables: { d: '2026-11-31T00:00:00Z' } }, status: 400, message: /^Variable "\$d" got invalid value "2026-11-31T00:00:00Z"; .*2026-11 has no day 31/ },
    { why: 'a field repeated past what graphql-js will compare', body: { query: `{ ${'__typename '.repeat(2000)} }` }, status: 400, message: /repeats the same fields too many times to be checked/ },
    { why: 'a feed cursor no transaction has reached', body: { query: `{ callChanges(after: "${Buffer.from(`feed:${2n ** 62n}:0`).toString('base64url')}") { pageInfo { endCursor } } }` }, status: 400, message: /is ahead of this server's change feed/ },
  ];
  it.each(cases)('$why: $status', async ({ body, contentType, status, message }) => {
    const answer = await post(body, contentType ? { contentType } : {});
    expect(answer.status).toBe(status);
    expect(answer.body.errors?.[0]?.message).toMatch(message);
  });

  it('runs the operation operationName names, also when another operation of the document ran before', async () => {
    const query = 'query Calls($n: Int) { calls(first: $n) { edges { cursor } } } query Extensions { extensions { id } }';
    for (let i = 0; i < 2; i++) {
      expect((await post({ query, operationName: 'Extensions' })).body).toEqual({ data: { extensions: [] } });
      expect((await post({ query, operationName: 'Calls', variables: { n: 2 } })).body).toEqual({ data: { calls: { edges: [] } } });
    }
    // The cost limit holds for the operation that runs.
    const heavy = `query Cheap { extensions { id } } query Heavy($n: Int) { a: ${fullPage('$n')} b: ${fullPage('$n')} }`;
    expect((await post({ query: heavy, operationName: 'Cheap' })).status).toBe(200);
    expect(codes(await post({ query: heavy, operationName: 'Heavy', variables: { n: 500 } }))).toEqual(['QUERY_TOO_COSTLY']);
  });

  it('reads a Content-Type written in capitals', async () => {
    expect((await post({ query: '{ extensions { id } }' }, { contentType: 'APPLICATION/JSON; charset=UTF-8' })).status).toBe(200);
  });

  it('answers an Accept header it cannot satisfy with 406 and a GraphQL error saying what to accept', async () => {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/xml', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ extensions { id } }' }) });
    expect(res.status).toBe(406);
    expect(((await res.json()) as Answer['body']).errors?.[0]).toMatchObject({ message: expect.stringMatching(/accept application\/json/), extensions: { code: 'NOT_ACCEPTABLE' } });
  });

  it('ignores a malformed Host header instead of failing the request', async () => {
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${server.url}/graphql`, { method: 'POST', headers: { host: 'a b', 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString())).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ extensions { id } }' }));
    });
    expect(answer).toEqual({ status: 200, text: JSON.stringify({ data: { extensions: [] } }) });
  });

  it('serves GraphiQL to a browser without a key, also with the query GraphiQL keeps in the URL, and runs nothing', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ extensions { id } }')}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/graphiql/i);
  });

  it('answers a CORS preflight without a key (browsers send none), and a keyless POST still gets 401', async () => {
    const preflight = await fetch(`${server.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://bi.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://bi.example.com');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const keyless = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { origin: 'https://bi.example.com', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ extensions { id } }' }) });
    expect(keyless.status).toBe(401);
  });

  it('answers a GET whose variables are not JSON with 400, naming the parameter', async () => {
    const query = encodeURIComponent('query($n: Int) { calls(first: $n) { edges { cursor } } }');
    const res = await fetch(`${server.url}/graphql?query=${query}&variables=${encodeURIComponent('{bad')}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Answer['body']).errors?.[0]?.message).toMatch(/the "variables" query parameter is not JSON/);
  });

  it('still answers a GET with the query in the URL', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ extensions { id } }')}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { extensions: [] } });
  });
});

/** Sends a body through node:http, so the test controls its headers and how much of it is ever sent. */
function rawPost(headers: Record<string, string>, send: (write: (chunk: string) => boolean, answered: () => boolean) => Promise<void>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers } }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString())).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    // The server closes the connection after a 413; a write racing that close fails, which is expected.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    void send((chunk) => req.write(chunk), () => answered);
  });
}

describe(`request body limit (${databaseKind})`, () => {
  const tooLarge = { errors: [{ message: 'request body larger than 100000 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };

  it('answers 413 from Content-Length at once, without waiting for the body', async () => {
    // Declares 10 MB, sends 10 bytes: an answer proves the server did not wait to read the rest.
    const answer = await rawPost({ 'content-length': String(10_000_000) }, async (write) => void write('{"query":"'));
    expect(answer).toEqual({ status: 413, body: tooLarge });
  });

  it('answers 413 to a chunked body once its bytes pass the limit', async () => {
    const chunk = `{"query":"{ extensions { id } }","padding":"${'x'.repeat(10_000)}`;
    const answer = await rawPost({ 'transfer-encoding': 'chunked' }, async (write, answered) => {
      for (let i = 0; i < 1_000 && !answered(); i++) {
        write(chunk);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    expect(answer).toEqual({ status: 413, body: tooLarge });
  });

  it('answers a body just under the limit', async () => {
    const query = `{ extensions { id } } # ${'x'.repeat(90_000)}`;
    expect((await post({ query })).status).toBe(200);
  });

  it('answers 413 to a body just over it (sent with Content-Length)', async () => {
    const answer = await post({ query: `{ extensions { id } } # ${'x'.repeat(100_000)}` });
    expect(answer).toEqual({ status: 413, body: tooLarge });
  });
});

// PGlite's wasm build cannot cancel a statement (see openDatabase), so the timeout is a Postgres promise.
describe.skipIf(databaseKind === 'pglite')('statement timeout (postgres)', () => {
  it('cancels a statement of the API pool past the timeout, and not one of the sync pool', async () => {
    const apiPool = await openDatabase({ url: testDb.url, statementTimeoutMs: 100 });
    try {
      await expect(apiPool.query(sql`select pg_sleep(1)`)).rejects.toMatchObject({ code: '57014' });
      await expect(testDb.database.query(sql`select pg_sleep(0.3)`)).resolves.toHaveLength(1);
    } finally {
      await apiPool.close();
    }
  });

  it('answers a query whose statement ran past the timeout with QUERY_TIMEOUT 503, and recovers', async () => {
    const timed = await startApiServer({ database: testDb.database, databaseUrl: testDb.url, port: 0, logger: silentLogger, limits: { statementTimeoutMs: 100 } });
    // Another session holds the extensions table, so the API's read of it waits: a real slow statement.
    const blocker = postgres(testDb.url!, { max: 1, onnotice: () => {} });
    const session = await blocker.reserve();
    try {
      await session`begin`;
      await session`lock table extensions in access exclusive mode`;
      const answer = await post({ query: '{ extensions { id } }' }, { to: timed });
      expect(answer.status).toBe(503);
      expect(codes(answer)).toEqual(['QUERY_TIMEOUT']);
      expect(answer.body.errors![0]!.message).toBe('The query ran longer than 100 ms and was cancelled. Ask for less: a smaller first or a narrower filter.');
    } finally {
      await session`rollback`;
      session.release();
      await blocker.end();
    }
    expect((await post({ query: '{ extensions { id } }' }, { to: timed })).status).toBe(200);
    await timed.close();
  });
});
