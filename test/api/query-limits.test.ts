import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateCost, STATEMENT_COST as S } from '../../src/api/query-cost.ts';
import { typeDefs } from '../../src/api/server.ts';
import { maxDepthRule, queriesOnlyRule } from '../../src/api/validation-rules.ts';
import { FULL_CALL } from './full-call.ts';

const schema = buildSchema(typeDefs);
const limits = { maxPageSize: 500, maxCost: 250_000 };
const cost = (query: string, variableValues?: Record<string, unknown>) => estimateCost({ schema, document: parse(query), variableValues }, limits);
const depthErrors = (query: string, maxDepth = 10) => validate(schema, parse(query), [maxDepthRule(maxDepth)]).map((e) => e.message);

describe('estimated cost: values a query could return', () => {
  const rows: Array<{ query: string; variables?: Record<string, unknown>; cost: number; why: string }> = [
    { query: '{ syncStatus { streams { name } } }', cost: S + 1 + 10 * 2, why: 'an object and a short list, its leaf once per item' },
    { query: '{ extensions { id name } }', cost: S + 100 * 3, why: 'extensions are estimated at 100, each with two values' },
    { query: '{ calls { edges { node { id } } } }', cost: S + 1 + 50 * 3, why: "calls' schema default is 50" },
    { query: '{ callChanges { pageInfo { endCursor } } }', cost: S + 1 + 2, why: 'pageInfo alone reads no page' },
    { query: '{ callChanges { edges { node { id } } } }', cost: S + 1 + 100 * 3, why: "callChanges' default is 100" },
    { query: '{ calls(first: 10) { edges { node { legs { position } } } } }', cost: S + 1 + 10 * (2 + 10 * 2), why: 'legs are estimated at 10 per call' },
    { query: '{ calls(first: 99999) { edges { cursor } } }', cost: S + 1 + 500 * 2, why: 'first is capped at the page cap' },
    { query: 'query($n: Int) { calls(first: $n) { edges { cursor } } }', variables: { n: 7 }, cost: S + 1 + 7 * 2, why: 'first from a variable' },
    { query: 'query($n: Int = 3) { calls(first: $n) { edges { cursor } } }', cost: S + 1 + 3 * 2, why: "the variable's default" },
    { query: '{ a: calls(first: 5) { edges { cursor } } b: calls(first: 5) { edges { cursor } } }', cost: 2 * (S + 1 + 5 * 2), why: 'aliases run, and count, separately' },
    { query: '{ calls(first: 5) { edges { cursor } } calls(first: 5) { edges { node { id } } } }', cost: S + 1 + 5 * 4, why: 'one response key runs once' },
    { query: '{ ...F ...F } fragment F on Query { extensions { id } }', cost: S + 100 * 2, why: 'a fragment spread twice runs once' },
    { query: 'query($no: Boolean!) { extensions @include(if: $no) { id } }', variables: { no: false }, cost: 0, why: '@include(if: false) runs nothing' },
    { query: `{ calls(first: 500) { edges { node { ${Array.from({ length: 40 }, (_, i) => `t${i}: dispositionReason`).join(' ')} } } } }`, cost: S + 1 + 500 * (2 + 40), why: 'aliases of a leaf multiply the answer' },
    { query: '{ calls(first: 2) { edges { node { legs { from { name } } } } } }', cost: S + 1 + 2 * (2 + 10 * (1 + 1 + 1)), why: 'nested lists multiply' },
    { query: '{ __typename a: __typename }', cost: 2, why: '__typename is a value too' },
    { query: '{ a: call(id: "1") { id } b: call(id: "2") { id } c: voicemail(id: "3") { id } }', cost: 3 * 2, why: 'call and voicemail lookups share one statement' },
    { query: `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: calls(first: 1) { edges { cursor } }`).join(' ')} }`, cost: 3000 * (S + 3), why: 'each aliased connection runs a statement of its own' },
    { query: `{ calls(first: 500) { edges { cursor node ${FULL_CALL} } pageInfo { hasNextPage endCursor } } }`, cost: S + 204_004, why: 'a full page of full calls' },
  ];
  it.each(rows)('$why: $cost', ({ query, variables, cost: expected }) => {
    expect(cost(query, variables)).toBe(expected);
  });

  it('estimates GraphiQL introspection well under the limit, and introspection that multiplies the schema by itself far over it', () => {
    expect(cost(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }))).toBeLessThan(150_000);
    expect(cost('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }')).toBeGreaterThan(250_000);
  });

  it('counts in time linear in the document, however fragments multiply it', () => {
    // Each level spreads the one below under 20 aliases (twice under the same key, which execution merges).
    const aliases = (i: number) => Array.from({ length: 20 }, (_, a) => `a${a}: call { voicemail { ...F${i} } } a${a}: call { voicemail { id ...F${i} } }`);
    const levels = Array.from({ length: 9 }, (_, i) => `fragment F${i + 1} on Voicemail { ${aliases(i).join(' ')} }`);
    const bomb = `{ voicemails(first: 1) { edges { node { ...F9 } } } } fragment F0 on Voicemail { id } ${levels.join(' ')}`;
    // Each level is 20 keys of call + voicemail over the level below merged with an id. An exact answer
    // (rather than Infinity, from the backstop that stops a walk past maxCost fields) shows nothing was
    // walked twice.
    let below = 1; // F0: id
    for (let level = 1; level <= 9; level++) below = 20 * (2 + (level === 1 ? 1 : 1 + below));
    const started = process.cpuUsage();
    expect(cost(bomb)).toBe(S + 3 + below);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2_000);
  });

  it('leaves variables that do not fit the operation to execution', () => {
    expect(cost('query($n: Int!) { calls(first: $n) { edges { cursor } } }', { n: 'many' })).toBeUndefined();
  });
});

describe('depth limit', () => {
  it("admits the contract's deepest useful paths", () => {
    expect(depthErrors('{ callChanges { edges { node { callback { call { legs { extension { id } } } } } } } }')).toEqual([]);
    expect(depthErrors('{ voicemails { edges { node { call { legs { recording { id } } } } } } }')).toEqual([]);
    expect(depthErrors(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }))).toEqual([]);
  });

  it('names the depth and the limit, following fragments', () => {
    expect(depthErrors('{ calls { edges { node { ...C } } } } fragment C on Call { callback { call { legs { extension { id } } } } }', 7)).toEqual([
      'The query is 8 fields deep; this server allows at most 7. Nest fewer fields.',
    ]);
  });

  it('survives a fragment cycle (reported by graphql-js itself)', () => {
    expect(() => depthErrors('{ calls { edges { node { ...A } } } } fragment A on Call { callback { call { ...A } } }')).not.toThrow();
  });
});

describe('queries only', () => {
  it('refuses mutations and subscriptions with a clear message', () => {
    const errors = validate(schema, parse('mutation { x }'), [queriesOnlyRule]);
    expect(errors.map((e) => e.message)).toEqual(['This API has no mutations: it only answers queries.']);
  });
});
