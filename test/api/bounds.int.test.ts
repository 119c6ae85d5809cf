import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll } from '../../src/main.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';
import { FULL_CALL } from './full-call.ts';

/*
 * Every request's work is bounded before it runs: documents whose fragments expand exponentially, aliases
 * of leaf fields on full pages, nested lists and huge answers are answered or refused quickly, and the
 * process keeps answering. The server runs in this process, so process.cpuUsage() around a request is the
 * CPU the server spent on it (bounds are generous: no machine-speed assertions in practice).
 */

const CPU_BOUND_MS = 2_000;
const BODY_LIMIT = 100_000;

let harness: Harness;
let server: ApiServer;
let small: ApiServer; // the same API with a 1 MB answer limit
let key: string;

beforeAll(async () => {
  harness = await startHarness({ seed: 77, history: history(520, 2, 86_400_000) }, { SYNC_BACKFILL_DAYS: '4', SYNC_PAGE_SIZE: '1000' });
  const app = await harness.app();
  harness.sim.release();
  for (const r of await syncAll(app)) expect(r.error, r.stream).toBeUndefined();
  const { database } = harness.testDb;
  key = await createApiKey(database.db, 'crm');
  server = await startApiServer({ database, port: 0, logger: silentLogger });
  small = await startApiServer({ database, port: 0, logger: silentLogger, limits: { maxResponseBytes: 1_000_000 } });
});

afterAll(async () => {
  await small?.close();
  await server?.close();
  await harness?.close();
});

interface Answer {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  cpuMs: number;
  bytes: number;
}

/** POSTs a body and measures the CPU this process (server and client) spent until the answer was read. */
async function post(body: object | string, to = server): Promise<Answer> {
  const started = process.cpuUsage();
  const res = await fetch(`${to.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const used = process.cpuUsage(started);
  let parsed: Answer['body'];
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    parsed = { errors: [{ message: text }] };
  }
  return { status: res.status, body: parsed, cpuMs: (used.user + used.system) / 1000, bytes: Buffer.byteLength(text) };
}

const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.['code']);

/** A normal request right after: the process is healthy and answers it correctly. */
async function expectHealthy() {
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  const answer = await post({ query: '{ calls(first: 3) { edges { node { id } } } }' });
  expect(answer.status).toBe(200);
  expect(answer.body.data.calls.edges).toHaveLength(3);
}

/** Fragments F1 = { id } and Fk spreading F(k-1) `spreads` times: Fk expands to spreads^(k-1) fields. */
const chain = (n: number, spreads: number, first = 1) =>
  `{ calls(first: ${first}) { edges { node { ...F${n} } } } } fragment F1 on Call { id } ` +
  Array.from({ length: n - 1 }, (_, i) => `fragment F${i + 2} on Call { ${Array.from({ length: spreads }, () => `...F${i + 1}`).join(' ')} }`).join(' ');

const aliases = (count: number, field: string) => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');

describe(`bounded work per request (${databaseKind})`, () => {
  it.each([
    { n: 20, spreads: 2, why: 'the audited 838-byte chain' },
    { n: 30, spreads: 2, why: 'the 1.2 kB chain that ran for more than 15 minutes' },
    { n: 1000, spreads: 2, why: 'a chain as long as the body allows' },
    { n: 60, spreads: 40, why: 'a wide fan-out at every level' },
  ])('refuses fragments that expand exponentially ($why) quickly, before anything runs', async ({ n, spreads }) => {
    const query = chain(n, spreads);
    expect(query.length).toBeLessThan(BODY_LIMIT);
    const answer = await post({ query });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['QUERY_TOO_LARGE']);
    expect(answer.body.errors![0]!.message).toMatch(/more than 20,000 fields once its fragments are expanded/);
    expect(answer.body).not.toHaveProperty('data');
    expect(answer.cpuMs).toBeLessThan(CPU_BOUND_MS);
    await expectHealthy();
  });

  it('answers a chain that expands within the limit, the same as the query written out', async () => {
    const answer = await post({ query: chain(12, 2, 5) }); // 2,048 fields, one response key
    expect(answer.status).toBe(200);
    expect(answer.cpuMs).toBeLessThan(CPU_BOUND_MS);
    const plain = await post({ query: '{ calls(first: 5) { edges { node { id } } } }' });
    expect(answer.body.data).toEqual(plain.body.data);
  });

  it.each([4_000, 2_000])('refuses %i aliases of a text field on a page of 500 calls as too costly, naming the estimate', async (count) => {
    const answer = await post({ query: `{ calls(first: 500) { edges { node { ${aliases(count, 'dispositionReason')} } } } }` });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['QUERY_TOO_COSTLY']);
    expect(answer.body.errors![0]!.extensions).toMatchObject({ cost: 20 + 1 + 500 * (2 + count), maxCost: 250_000 });
    expect(answer.cpuMs).toBeLessThan(CPU_BOUND_MS);
    await expectHealthy();
  });

  it('answers a few aliases of a leaf on a full page', async () => {
    const answer = await post({ query: `{ calls(first: 500) { edges { node { id ${aliases(20, 'dispositionReason')} } } } }` });
    expect(answer.status).toBe(200);
    const nodes = answer.body.data.calls.edges.map((e: { node: Record<string, string> }) => e.node);
    expect(nodes.length).toBeGreaterThan(400);
    for (const node of nodes) expect(node['a19']).toBe(node['a0']);
  });

  it('refuses aliases of nested lists whose product is over the cost limit', async () => {
    const legs = aliases(30, `legs { from { ${aliases(5, 'name')} } }`);
    const answer = await post({ query: `{ calls(first: 500) { edges { node { ${legs} } } } }` });
    expect(codes(answer)).toEqual(['QUERY_TOO_COSTLY']);
    expect(answer.cpuMs).toBeLessThan(CPU_BOUND_MS);
    await expectHealthy();
  });

  it('refuses an answer over the response limit with 400 RESPONSE_TOO_LARGE and sends none of it', async () => {
    const query = `{ calls(first: 500) { edges { node ${FULL_CALL} } } }`;
    const full = await post({ query });
    expect(full.status).toBe(200);
    expect(full.bytes).toBeGreaterThan(1_000_000); // the default limit admits it
    const answer = await post({ query }, small);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      errors: [{ message: expect.stringMatching(/^The answer is larger than 1,000,000 bytes/), extensions: { code: 'RESPONSE_TOO_LARGE', maxResponseBytes: 1_000_000 } }],
    });
    expect((await post({ query: '{ calls(first: 3) { edges { node { id } } } }' }, small)).status).toBe(200);
  });
});

/** Random documents: fragment chains, aliases, lists and nesting, real and unknown fields, and noise. */
const fieldName = fc.constantFrom('id', 'dispositionReason', 'disposition', 'startTime', 'nope', '__typename', 'legs', 'from', 'callback');
const subSelection = fc.constantFrom('', '{ id }', '{ name phoneNumber }', '{ from { name } }', '{ call { id legs { id } } }', '{ ...F1 }');
const field = fc.tuple(fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { nil: undefined }), fieldName, subSelection)
  .map(([alias, name, below]) => `${alias ? `${alias}: ` : ''}${name} ${below}`);
const document = fc.oneof(
  fc.record({ n: fc.integer({ min: 1, max: 3_000 }), spreads: fc.integer({ min: 1, max: 60 }), first: fc.integer({ min: 0, max: 600 }) })
    .map(({ n, spreads, first }) => chain(n, spreads, first)),
  fc.record({ count: fc.integer({ min: 1, max: 12_000 }), name: fieldName, first: fc.integer({ min: 0, max: 500 }) })
    .map(({ count, name, first }) => `{ calls(first: ${first}) { edges { node { ${aliases(count, name)} } } } }`),
  fc.record({ fields: fc.array(field, { minLength: 1, maxLength: 300 }), first: fc.integer({ min: 0, max: 500 }), copies: fc.integer({ min: 1, max: 50 }) })
    .map(({ fields, first, copies }) => `{ ${Array.from({ length: copies }, (_, i) => `p${i}: calls(first: ${first}) { edges { node { ${fields.join(' ')} } } }`).join(' ')} } fragment F1 on Call { id legs { id } }`),
  fc.string({ unit: fc.constantFrom('{', '}', '...F1', ' a', ':', '(', ')', 'calls', 'fragment F1 on Call', ' '), maxLength: 20_000 }),
).map((query) => query.slice(0, BODY_LIMIT - 100));

describe(`random documents up to the body limit (${databaseKind})`, () => {
  it('are each answered or refused with a 200 or a 400, within the CPU bound, and the process keeps answering', async () => {
    await fc.assert(
      fc.asyncProperty(document, async (query) => {
        const answer = await post({ query });
        expect([200, 400]).toContain(answer.status);
        expect(answer.cpuMs).toBeLessThan(CPU_BOUND_MS);
      }),
      { numRuns: 60, seed: 20261206 },
    );
    await expectHealthy();
  });
});
