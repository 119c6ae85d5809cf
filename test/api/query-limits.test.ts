import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateCost, STATEMENT_COST as S } from '../../src/api/query-cost.ts';
import { typeDefs } from '../../src/api/server.ts';
import { maxDepthRule, queriesOnlyRule } from '../../src/api/validation-rules.ts';
import { FULL_CALL } from './full-call.ts';

const schema = buildSchema(typeDefs);
const limits = { maxPageSize: 500, maxCost: 50_000 };
const cost = (query: string, variableValues?: Record<string, unknown>) => estimateCost({ schema, document: parse(query), variableValues }, limits);
const depthErrors = (query: string, maxDepth = 10) => validate(schema, parse(query), [maxDepthRule(maxDepth)]).map((e) => e.message);

describe('estimated cost: rows a query could return', () => {
  const rows: Array<{ query: string; variables?: Record<string, unknown>; cost: number; why: string }> = [
    { query: '{ syncStatus { streams { name } } }', cost: S + 1 + 10, why: 'an object and a short list' },
    { query: '{ extensions { id name } }', cost: S + 100, why: 'extensions are estimated at 100' },
    { query: '{ calls { edges { node { id } } } }', cost: S + 1 + 50 * 2, why: "calls' schema default is 50" },
    { query: '{ callChanges { pageInfo { endCursor } } }', cost: S + 2, why: 'pageInfo alone reads no page' },
    { query: '{ callChanges { edges { node { id } } } }', cost: S + 1 + 100 * 2, why: "callChanges' default is 100" },
    { query: '{ calls(first: 10) { edges { node { legs { position } } } } }', cost: S + 1 + 10 * (2 + 10), why: 'legs are estimated at 10 per call' },
    { query: '{ calls(first: 99999) { edges { cursor } } }', cost: S + 1 + 500, why: 'first is capped at the page cap' },
    { query: 'query($n: Int) { calls(first: $n) { edges { cursor } } }', variables: { n: 7 }, cost: S + 8, why: 'first from a variable' },
    { query: 'query($n: Int = 3) { calls(first: $n) { edges { cursor } } }', cost: S + 4, why: "the variable's default" },
    { query: '{ a: calls(first: 5) { edges { cursor } } b: calls(first: 5) { edges { cursor } } }', cost: 2 * S + 12, why: 'aliases run, and count, separately' },
    { query: '{ calls(first: 5) { edges { cursor } } calls(first: 5) { edges { node { id } } } }', cost: S + 1 + 5 * 2, why: 'one response key runs once' },
    { query: '{ ...F ...F } fragment F on Query { extensions { id } }', cost: S + 100, why: 'a fragment spread twice runs once' },
    { query: 'query($no: Boolean!) { extensions @include(if: $no) { id } }', variables: { no: false }, cost: 0, why: '@include(if: false) runs nothing' },
    { query: '{ a: call(id: "1") { id } b: call(id: "2") { id } c: voicemail(id: "3") { id } }', cost: 3, why: 'call and voicemail lookups share one statement' },
    { query: `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: calls(first: 1) { edges { cursor } }`).join(' ')} }`, cost: 3000 * (S + 2), why: 'each aliased connection runs a statement of its own' },
    { query: `{ calls(first: 500) { edges { cursor node ${FULL_CALL} } pageInfo { hasNextPage endCursor } } }`, cost: S + 32_502, why: 'a full page of full calls' },
  ];
  it.each(rows)('$why: $cost', ({ query, variables, cost: expected }) => {
    expect(cost(query, variables)).toBe(expected);
  });

  it('estimates GraphiQL introspection well under the limit, and introspection that multiplies the schema by itself far over it', () => {
    expect(cost(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }))).toBeLessThan(20_000);
    expect(cost('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }')).toBeGreaterThan(50_000);
  });

  it('counts in time linear in the document, however fragments multiply it', () => {
    // Each level spreads the one below under 20 aliases (twice under the same key, which execution merges).
    const aliases = (i: number) => Array.from({ length: 20 }, (_, a) => `a${a}: call { voicemail { ...F${i} } } a${a}: call { voicemail { id ...F${i} } }`);
    const levels = Array.from({ length: 9 }, (_, i) => `fragment F${i + 1} on Voicemail { ${aliases(i).join(' ')} }`);
    const bomb = `{ voicemails(first: 1) { edges { node { ...F9 } } } } fragment F0 on Voicemail { id } ${levels.join(' ')}`;
    // Each level is 20 keys of call + voicemail (2 rows) over the level below. An exact answer (rather than
    // Infinity, from the backstop that stops a walk past maxCost objects) shows nothing was walked twice.
    let below = 0;
    for (let level = 1; level <= 9; level++) below = 20 * (2 + below);
    const started = Date.now();
    expect(cost(bomb)).toBe(S + 3 + below);
    expect(Date.now() - started).toBeLessThan(2_000);
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
