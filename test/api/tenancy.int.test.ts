import { sql } from 'drizzle-orm';
import type { GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey, pinUnscopedKeys } from '../../src/store/api-keys.ts';
import { databaseKind } from '../helpers/database.ts';
import { introspect, pagesWithAfter, reachableFields, requiredArgs, rootQuery } from '../helpers/schema-queries.ts';
import { SETTLED, foreignValues, identifyingValues, leaksIn, startTenancyRig, type TenancyRig, type Tenant } from '../helpers/tenancy.ts';

/*
 * Tenancy: three RingCentral accounts synced into one database — A and B different companies, C the same
 * seed as A in a company of another size, so C's call, voicemail and recording ids are A's (ids are unique
 * only per account). A key reads the accounts of its scope and nothing of any other, through every field
 * of the schema (the queries are built from its introspection), and a key created without --account is
 * refused once the database holds more than one account.
 */

/** Limits wide enough for a query of every field, nested. */
const WIDE = { maxDepth: 40, maxCost: 50_000_000, maxSelections: 100_000, maxResponseBytes: 500_000_000, maxConcurrentPerKey: 8 };

let rig: TenancyRig;
let A: Tenant, B: Tenant, C: Tenant;
let server: ApiServer;
let schema: GraphQLSchema;
const keys: Record<'a' | 'b' | 'c' | 'ab' | 'ac' | 'legacy' | 'pinned', string> = {} as never;
/** What the unscoped key answered while A was the database's only account. */
let soleAccountAnswer: any;

interface Answer {
  status: number;
  data?: any;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function gql(key: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, ...((await res.json()) as object) };
}

const callIdsOf = async (accountId: string) =>
  (await rig.database.query<{ id: string }>(sql`select id from calls where account_id = ${accountId} order by id`)).map((r) => r.id);
const voicemailIdsOf = async (accountId: string) =>
  (await rig.database.query<{ id: string }>(sql`select id from voicemails where account_id = ${accountId} order by id`)).map((r) => r.id);

beforeAll(async () => {
  rig = await startTenancyRig();
  A = await rig.add({ seed: 101, history: SETTLED(40) });
  const db = rig.database.db;
  // A key of the one-account era, pinned to that account when a second comes (what `account add` does).
  keys.pinned = await createApiKey(db, 'pinned');
  await pinUnscopedKeys(db, A.accountId);
  keys.legacy = await createApiKey(db, 'legacy');
  server = await startApiServer({ database: rig.database, port: 0, logger: silentLogger, limits: WIDE, media: A.app.media, keyring: A.app.media.keyring, metricsToken: 'scrape-token' });
  soleAccountAnswer = await gql(keys.legacy, '{ accounts { id } calls(first: 500, filter: { includeDeleted: true }) { edges { node { accountId id } } } }');
  B = await rig.add({ seed: 202, history: SETTLED(40) });
  C = await rig.add({ seed: 101, company: { users: 12 }, history: SETTLED(40) });
  keys.a = await createApiKey(db, 'a', [A.accountId]);
  keys.b = await createApiKey(db, 'b', [B.accountId]);
  keys.c = await createApiKey(db, 'c', [C.accountId]);
  keys.ab = await createApiKey(db, 'ab', [A.accountId, B.accountId]);
  keys.ac = await createApiKey(db, 'ac', [A.accountId, C.accountId]);
  schema = await introspect((query) => gql(keys.a, query));
}, 600_000);

afterAll(async () => {
  await server?.close();
  await rig?.close();
});

/** Every root field, with the arguments each needs (the ones a new root field needs must be added here). */
function rootArguments(field: string, probe: { callIds: string[]; voicemailIds: string[]; foreign: Foreign }): Array<Record<string, unknown>> | undefined {
  const dimensions = (schema.getType('SummaryDimension') as any).getValues().map((v: { name: string }) => v.name);
  switch (field) {
    case 'call': return probe.callIds.map((id) => ({ id }));
    case 'voicemail': return probe.voicemailIds.map((id) => ({ id }));
    case 'dispositionSummary':
      return [[], dimensions, ...dimensions.map((d: string) => [d])].map((groupBy) => ({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', groupBy }));
    // Root fields without required arguments run as they are, and with filters naming the other accounts' things.
    case 'calls':
      return [{ first: 100 }, { first: 100, orderBy: 'START_TIME_ASC', filter: { includeDeleted: true } },
        ...probe.foreign.extensionIds.slice(0, 5).map((extensionId) => ({ filter: { extensionId } })),
        ...probe.foreign.phoneNumbers.slice(0, 5).map((phoneNumber) => ({ filter: { phoneNumber } })),
        ...probe.foreign.sessionIds.slice(0, 5).map((sessionId) => ({ filter: { sessionId } }))];
    case 'voicemails': return [{ first: 100 }, ...probe.foreign.extensionIds.slice(0, 5).map((extensionId) => ({ filter: { extensionId } }))];
    case 'callChanges': return [{ first: 100 }, { first: 10 }];
  }
  return undefined;
}

interface Foreign {
  values: Set<string>;
  callIds: string[];
  voicemailIds: string[];
  extensionIds: string[];
  phoneNumbers: string[];
  sessionIds: string[];
}

/** What belongs to the other accounts only: their identifying values, and the ids and numbers to probe with. */
async function foreignOf(own: string[], others: string[]): Promise<Foreign> {
  const values = foreignValues(await identifyingValues(rig.database, others), await identifyingValues(rig.database, own));
  const column = async (query: ReturnType<typeof sql>) => (await rig.database.query<{ v: string }>(query)).map((r) => r.v).filter((v) => values.has(v));
  const scope = sql.param(others);
  return {
    values,
    callIds: await column(sql`select id as v from calls where account_id = any(${scope}::text[])`),
    voicemailIds: await column(sql`select id as v from voicemails where account_id = any(${scope}::text[])`),
    extensionIds: await column(sql`select id as v from extensions where account_id = any(${scope}::text[])`),
    phoneNumbers: await column(sql`select distinct from_e164 as v from calls where account_id = any(${scope}::text[]) and from_e164 is not null`),
    sessionIds: await column(sql`select session_id as v from calls where account_id = any(${scope}::text[]) and session_id is not null`),
  };
}

/**
 * Runs every root field of the schema with every field below it selected, as `key`, paging connections to
 * their end; returns the answers (with what each sent) and the schema coordinates the queries covered.
 */
async function readEverything(key: string, own: string[], foreign: Foreign) {
  const ownCalls = (await Promise.all(own.map(callIdsOf))).flat();
  const ownVoicemails = (await Promise.all(own.map(voicemailIdsOf))).flat();
  const probe = { callIds: [...ownCalls.slice(0, 8), ...foreign.callIds], voicemailIds: [...ownVoicemails.slice(0, 8), ...foreign.voicemailIds], foreign };
  const covered = new Set<string>();
  const answers: Array<{ field: string; sent: string; answer: Answer }> = [];
  for (const field of Object.values(schema.getQueryType()!.getFields())) {
    const argumentSets = rootArguments(field.name, probe) ?? (requiredArgs(field).length ? undefined : [{}]);
    if (!argumentSets) throw new Error(`Query.${field.name} needs arguments: add it to rootArguments so its answers are checked`);
    for (const args of argumentSets) {
      const query = rootQuery(schema, field, { ...args, ...(pagesWithAfter(field) ? { after: null } : {}) }, covered);
      let after: string | null = null;
      do {
        const variables = { ...args, ...(pagesWithAfter(field) ? { after } : {}) };
        const answer = await gql(key, query, variables);
        answers.push({ field: field.name, sent: JSON.stringify(variables), answer });
        const page = answer.data?.[field.name];
        after = pagesWithAfter(field) && page?.pageInfo?.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    }
  }
  return { answers, covered };
}

/** Every `accountId` property anywhere in an answer. */
function accountIdsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => accountIdsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'accountId' && typeof v === 'string') out.add(v);
      else accountIdsIn(v, out);
    }
  }
  return out;
}

describe(`tenancy: a key reads its accounts and nothing else (${databaseKind})`, () => {
  it('has three accounts, C sharing call ids with A (the collisions below are real)', async () => {
    expect(new Set([A.accountId, B.accountId, C.accountId]).size).toBe(3);
    const shared = (await callIdsOf(A.accountId)).filter(new Set(await callIdsOf(C.accountId)).has, new Set(await callIdsOf(C.accountId)));
    expect(shared.length).toBeGreaterThan(10);
  });

  for (const [name, own, others] of [['a', ['A'], ['B', 'C']], ['b', ['B'], ['A', 'C']], ['ab', ['A', 'B'], ['C']], ['c', ['C'], ['A', 'B']]] as const) {
    it(`key ${name}: no value of ${others.join(' or ')} in any answer to any field; by-id lookups of theirs are null`, async () => {
      const tenants = { A, B, C };
      const ownIds = own.map((t) => tenants[t].accountId);
      const foreign = await foreignOf(ownIds, others.map((t) => tenants[t].accountId));
      expect(foreign.values.size).toBeGreaterThan(100);
      const { answers, covered } = await readEverything(keys[name], ownIds, foreign);
      // Every field of the schema was selected: a field added later is read here too.
      expect([...reachableFields(schema)].filter((f) => !covered.has(f))).toEqual([]);
      for (const { field, sent, answer } of answers) {
        expect(answer.status, `${field} ${sent}: ${JSON.stringify(answer.errors)}`).toBe(200);
        expect(leaksIn(answer, foreign.values, sent), `${field} ${sent}`).toEqual([]);
        expect([...accountIdsIn(answer.data)].filter((id) => !ownIds.includes(id)), `${field} ${sent}`).toEqual([]);
        const byId = JSON.parse(sent) as { id?: string };
        if ((field === 'call' && foreign.callIds.includes(byId.id!)) || (field === 'voicemail' && foreign.voicemailIds.includes(byId.id!))) expect(answer.data[field]).toBeNull();
      }
      // And the answers hold the key's own data: the feed and the list are every call of its accounts.
      const [mine] = await rig.database.query<{ n: number }>(sql`select count(*)::int as n from calls where account_id = any(${sql.param(ownIds)}::text[])`);
      const listed = answers.filter((a) => a.field === 'calls' && a.sent.includes('START_TIME_ASC')).flatMap((a) => a.answer.data.calls.edges);
      expect(listed.length).toBe(mine!.n);
      // The feed is read within the scope, not filtered after: a page that says more follow is a full page.
      for (const { sent, answer } of answers.filter((a) => a.field === 'callChanges' && a.answer.data.callChanges.pageInfo.hasNextPage)) {
        expect(answer.data.callChanges.edges.length).toBe(JSON.parse(sent).first);
      }
      const fed = new Set(answers.filter((a) => a.field === 'callChanges').flatMap((a) => a.answer.data.callChanges.edges.map((e: any) => `${e.node.accountId}/${e.node.id}`)));
      expect(fed.size).toBe(mine!.n);
    }, 600_000);
  }

  it('dispositionSummary totals are the key\'s own accounts\' calls, and ACCOUNT/EXTENSION buckets name the account', async () => {
    const truth = async (ids: string[]) => rig.database.query<{ disposition: string; count: number; totalDurationSeconds: number }>(sql`
      select coalesce(d.disposition, 'UNKNOWN') as disposition, count(*)::int as count, sum(coalesce(c.duration_seconds, 0))::int as "totalDurationSeconds"
      from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
      where c.account_id = any(${sql.param(ids)}::text[]) and not c.deleted group by 1 order by 1`);
    const summary = (key: string, groupBy: string[]) => gql(key, 'query($g: [SummaryDimension!]) { dispositionSummary(from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: $g) { accountId extensionId disposition count totalDurationSeconds } }', { g: groupBy });
    for (const [key, ids] of [[keys.a, [A.accountId]], [keys.ab, [A.accountId, B.accountId]]] as const) {
      const { data } = await summary(key, []);
      expect(data.dispositionSummary.map(({ disposition, count, totalDurationSeconds }: any) => ({ disposition, count, totalDurationSeconds }))).toEqual(await truth([...ids]));
      expect(data.dispositionSummary.every((b: any) => b.accountId === null)).toBe(true);
    }
    const byAccount = (await summary(keys.ab, ['ACCOUNT'])).data.dispositionSummary;
    expect(new Set(byAccount.map((b: any) => b.accountId))).toEqual(new Set([A.accountId, B.accountId]));
    const byExtension = (await summary(keys.ac, ['EXTENSION'])).data.dispositionSummary;
    expect(byExtension.filter((b: any) => b.extensionId !== null).every((b: any) => b.accountId === A.accountId || b.accountId === C.accountId)).toBe(true);
  });

  it('an id in two accounts: each key reads its own call; a key of both must say which (accountId)', async () => {
    const cIds = new Set(await callIdsOf(C.accountId));
    const shared = (await callIdsOf(A.accountId)).find((id) => cIds.has(id))!;
    const lookUp = 'query($id: ID!, $acc: ID) { call(id: $id, accountId: $acc) { accountId id from { phoneNumber } } }';
    expect((await gql(keys.a, lookUp, { id: shared })).data.call.accountId).toBe(A.accountId);
    expect((await gql(keys.c, lookUp, { id: shared })).data.call.accountId).toBe(C.accountId);
    expect((await gql(keys.a, lookUp, { id: shared, acc: C.accountId })).data.call).toBeNull();
    const ambiguous = await gql(keys.ac, lookUp, { id: shared });
    expect(ambiguous.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(ambiguous.errors?.[0]?.message).toContain('pass accountId');
    expect((await gql(keys.ac, lookUp, { id: shared, acc: C.accountId })).data.call.accountId).toBe(C.accountId);
    const refused = await gql(keys.a, '{ calls(filter: { accountId: "nope" }) { edges { cursor } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages through two accounts with equal ids: every call once, whatever the page size; old cursors still resume', async () => {
    const walk = async (connection: 'calls' | 'voicemails', first: number) => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const filter = connection === 'calls' ? ', filter: { includeDeleted: true }' : '';
        const { data } = await gql(keys.ac, `query($after: String) { ${connection}(first: ${first}, after: $after${filter}) { edges { node { accountId id } } pageInfo { hasNextPage endCursor } } }`, { after });
        seen.push(...data[connection].edges.map((e: any) => `${e.node.accountId}/${e.node.id}`));
        after = data[connection].pageInfo.hasNextPage ? data[connection].pageInfo.endCursor : null;
      } while (after);
      return seen;
    };
    const calls = (await callIdsOf(A.accountId)).length + (await callIdsOf(C.accountId)).length;
    for (const first of [1, 7, 500]) {
      const seen = await walk('calls', first);
      expect(seen.length).toBe(calls);
      expect(new Set(seen).size).toBe(calls);
    }
    const voicemails = (await voicemailIdsOf(A.accountId)).length + (await voicemailIdsOf(C.accountId)).length;
    expect(new Set(await walk('voicemails', 3)).size).toBe(voicemails);
    // A cursor of before accounts were data (time and id only) resumes after that position.
    const [first] = (await gql(keys.a, '{ calls(first: 1) { edges { node { id startTime } } } }')).data.calls.edges;
    const us = BigInt(Date.parse(first.node.startTime)) * 1000n;
    const old = Buffer.from(`call:${us}:${first.node.id}`).toString('base64url');
    const resumed = await gql(keys.a, 'query($after: String) { calls(first: 2, after: $after) { edges { node { id } } } }', { after: old });
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data.calls.edges.map((e: any) => e.node.id)).not.toContain(first.node.id);
  });

  it('a follower of one account ends past the other accounts\' changes: its next poll does not walk them again', async () => {
    const follow = async (key: string) => {
      let after: string | null = null;
      let ids: string[] = [];
      for (;;) {
        const { data } = await gql(key, 'query($after: String) { callChanges(first: 25, after: $after) { edges { node { accountId } } pageInfo { hasNextPage endCursor } } }', { after });
        ids = [...ids, ...data.callChanges.edges.map((e: any) => e.node.accountId)];
        after = data.callChanges.pageInfo.endCursor;
        if (!data.callChanges.pageInfo.hasNextPage) return { after, accounts: new Set(ids) };
      }
    };
    const [a, c] = [await follow(keys.a), await follow(keys.c)];
    expect([a.accounts, c.accounts]).toEqual([new Set([A.accountId]), new Set([C.accountId])]);
    // C was synced last: the feed's last change is C's, and A's follower ends there too.
    expect(a.after).toBe(c.after);
    expect((await gql(keys.a, 'query($after: String) { callChanges(after: $after) { edges { cursor } } }', { after: a.after })).data.callChanges.edges).toEqual([]);
  });

  it('lists the key\'s accounts; extensions and syncStatus carry theirs', async () => {
    const { data } = await gql(keys.ab, '{ accounts { id name } extensions { accountId } syncStatus { streams { accountId name } } }');
    expect(data.accounts.map((a: any) => a.id).sort()).toEqual([A.accountId, B.accountId].sort());
    expect(data.accounts.every((a: any) => typeof a.name === 'string')).toBe(true);
    expect(new Set(data.extensions.map((e: any) => e.accountId))).toEqual(new Set([A.accountId, B.accountId]));
    expect(new Set(data.syncStatus.streams.map((s: any) => s.accountId))).toEqual(new Set([A.accountId, B.accountId]));
  });

  it('an unscoped key reads the sole account while there is one, and is refused once there are three; a pinned one keeps its account', async () => {
    expect(soleAccountAnswer.errors).toBeUndefined();
    expect(soleAccountAnswer.data.accounts).toEqual([{ id: A.accountId }]);
    expect(soleAccountAnswer.data.calls.edges.length).toBe((await callIdsOf(A.accountId)).length);
    const refused = await gql(keys.legacy, '{ accounts { id } }');
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions?.code).toBe('KEY_NOT_SCOPED');
    expect(refused.errors?.[0]?.message).toContain('now holds 3 accounts');
    expect(refused.errors?.[0]?.message).toContain('--account');
    const pinned = await gql(keys.pinned, '{ accounts { id } calls(first: 500) { edges { node { accountId } } } }');
    expect(pinned.data.accounts).toEqual([{ id: A.accountId }]);
    expect(new Set(pinned.data.calls.edges.map((e: any) => e.node.accountId))).toEqual(new Set([A.accountId]));
  });
});
