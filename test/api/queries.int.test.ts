import { PgDialect } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll } from '../../src/main.ts';
import type { Database } from '../../src/store/db.ts';
import { startApi, type ApiClient } from '../helpers/api.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * The query side of the contract over HTTP, on a synced and derived simulator account: pagination, every
 * CallFilter field (each checked against the fields the API itself returns), voicemails, the summary.
 */

const CALL_FIELDS = `id accountId sessionId telephonySessionId direction type startTime endTime durationSeconds result
  disposition dispositionReason final pendingReason deleted lastModifiedTime updatedAt
  from { phoneNumber extensionNumber extensionId name location } to { phoneNumber extensionId name }
  extension { id name } callback { secondsAfterEnd call { id direction startTime } }
  legs { position legType direction action result reason startTime durationSeconds master extension { id } recording { id } from { phoneNumber } to { phoneNumber } }
  recording { id type contentUri }
  voicemail { id creationTime availability link { method confidence secondsAfterCallStart } call { id } }`;

interface Call {
  id: string;
  direction: 'INBOUND' | 'OUTBOUND';
  startTime: string;
  durationSeconds: number;
  disposition: string;
  final: boolean;
  deleted: boolean;
  sessionId: string | null;
  telephonySessionId: string | null;
  from: { phoneNumber: string | null };
  to: { phoneNumber: string | null };
  extension: { id: string } | null;
  callback: { secondsAfterEnd: number; call: { id: string; direction: string; startTime: string } } | null;
  legs: Array<{ extension: { id: string } | null; recording: { id: string } | null }>;
  recording: { id: string } | null;
  voicemail: { id: string; link: { method: string; confidence: number } | null; call: { id: string } | null } | null;
}

let harness: Harness;
let api: ApiClient;
/** Every call, tombstones included, walked page by page (the walk itself is under test below). */
let everything: Call[];

async function walk(filter: Record<string, unknown>, pageSize: number, orderBy = 'START_TIME_DESC'): Promise<Call[]> {
  const out: Call[] = [];
  let after: string | null = null;
  for (;;) {
    const res: any = await api.gql(
      `query($filter: CallFilter, $first: Int, $after: String, $orderBy: CallOrder) {
        calls(filter: $filter, first: $first, after: $after, orderBy: $orderBy) { edges { cursor node { ${CALL_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { filter, first: pageSize, after, orderBy },
    );
    expect(res.errors).toBeUndefined();
    const { edges, pageInfo } = res.data.calls;
    out.push(...edges.map((e: { node: Call }) => e.node));
    if (!pageInfo.hasNextPage) return out;
    expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
    after = pageInfo.endCursor;
  }
}

const ids = (calls: Call[]) => calls.map((c) => c.id);

beforeAll(async () => {
  harness = await startHarness(
    { seed: 404, history: history(560, 2), late: { heldFraction: 0.05, modifiedFraction: 0.1, deletedFraction: 0.05 } },
    { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000', SYNC_LOOKBACK_HOURS: '72' },
  );
  const app = await harness.app();
  harness.sim.release();
  for (const r of await syncAll(app)) expect(r.error, r.stream).toBeUndefined();
  // Whether any call is still pending depends on how close to now the seed put its last calls: hold a few
  // open, as a call waiting for its voicemail would be, so `final: false` always has something to find.
  await harness.testDb.database.query(sql`
    update call_dispositions set final = false, pending_reason = 'voicemail expected'
    where call_id in (select call_id from call_dispositions order by call_id limit 3)`);
  api = await startApi(harness.testDb.database);
  everything = await walk({ includeDeleted: true }, 500);
}, 180_000);

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

describe(`calls: keyset pagination (${databaseKind})`, () => {
  it('walks every stored call once, newest first, in pages of any size', async () => {
    const [stored] = await harness.testDb.database.query<{ n: number; alive: number }>(sql`select count(*)::int as n, count(*) filter (where not deleted)::int as alive from calls`);
    expect(everything.length).toBe(stored!.n);
    expect(new Set(ids(everything)).size).toBe(everything.length);
    const alive = await walk({}, 37);
    expect(alive.length).toBe(stored!.alive);
    expect(ids(alive)).toEqual(ids(everything.filter((c) => !c.deleted)));
    for (let i = 1; i < alive.length; i++) expect(alive[i - 1]!.startTime >= alive[i]!.startTime).toBe(true);
  });

  it('walks oldest first with START_TIME_ASC, the exact reverse', async () => {
    const ascending = await walk({ includeDeleted: true }, 61, 'START_TIME_ASC');
    expect(ids(ascending)).toEqual(ids(everything).reverse());
  });

  it('leaves tombstones out unless includeDeleted', () => {
    expect(everything.some((c) => c.deleted)).toBe(true);
  });
});

describe(`calls: every CallFilter field agrees with the fields it filters on (${databaseKind})`, () => {
  const alive = () => everything.filter((c) => !c.deleted);
  const unanswered = new Set(['MISSED', 'VOICEMAIL', 'ABANDONED']);
  const cases: Array<[string, () => Record<string, unknown>, (c: Call) => boolean]> = [
    ['direction', () => ({ direction: 'OUTBOUND' }), (c) => c.direction === 'OUTBOUND'],
    ['dispositions', () => ({ dispositions: ['VOICEMAIL', 'ABANDONED'] }), (c) => ['VOICEMAIL', 'ABANDONED'].includes(c.disposition)],
    ['dispositions with UNKNOWN (also calls not derived yet)', () => ({ dispositions: ['UNKNOWN', 'MISSED'] }), (c) => ['UNKNOWN', 'MISSED'].includes(c.disposition)],
    ['hasVoicemail true', () => ({ hasVoicemail: true }), (c) => c.voicemail !== null],
    ['hasVoicemail false', () => ({ hasVoicemail: false }), (c) => c.voicemail === null],
    ['hasRecording', () => ({ hasRecording: true }), (c) => c.recording !== null],
    ['final true', () => ({ final: true }), (c) => c.final],
    ['final false', () => ({ final: false }), (c) => !c.final],
    ['calledBack true', () => ({ calledBack: true }), (c) => c.callback !== null],
    ['calledBack false', () => ({ calledBack: false }), (c) => c.direction === 'INBOUND' && unanswered.has(c.disposition) && c.callback === null],
    ['startedAfter/startedBefore', () => ({ startedAfter: alive()[200]!.startTime, startedBefore: alive()[100]!.startTime }), (c) => c.startTime >= alive()[200]!.startTime && c.startTime < alive()[100]!.startTime],
    ['sessionId', () => ({ sessionId: alive()[7]!.sessionId }), (c) => c.sessionId === alive()[7]!.sessionId],
    ['telephonySessionId', () => ({ telephonySessionId: alive()[9]!.telephonySessionId }), (c) => c.telephonySessionId === alive()[9]!.telephonySessionId],
    ['includeDeleted with final', () => ({ includeDeleted: true, final: true }), (c) => c.final],
  ];
  for (const [name, filter, predicate] of cases) {
    it(`${name}`, async () => {
      const base = (filter().includeDeleted ? everything : alive());
      const expected = ids(base.filter(predicate));
      expect(expected.length, 'the scenario should exercise this filter').toBeGreaterThan(0);
      expect(ids(await walk(filter(), 500))).toEqual(expected);
    });
  }

  it('extensionId: calls in which the extension took part on any leg', async () => {
    const counts = new Map<string, number>();
    for (const c of alive()) for (const l of c.legs) if (l.extension) counts.set(l.extension.id, (counts.get(l.extension.id) ?? 0) + 1);
    const [extensionId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const expected = alive().filter((c) => c.extension?.id === extensionId || c.legs.some((l) => l.extension?.id === extensionId));
    expect(ids(await walk({ extensionId }, 500))).toEqual(ids(expected));
  });

  it('phoneNumber: the same calls whichever common format the number is written in', async () => {
    const e164 = alive().map((c) => (c.direction === 'INBOUND' ? c.from.phoneNumber : c.to.phoneNumber)).find((n) => n?.startsWith('+1') && !n.includes('X'))!;
    const expected = ids(alive().filter((c) => c.from.phoneNumber === e164 || c.to.phoneNumber === e164));
    expect(expected.length).toBeGreaterThan(0);
    const national = e164.slice(2);
    for (const written of [e164, `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`, `1-${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`, `+1 ${national}`]) {
      expect(ids(await walk({ phoneNumber: written }, 500)), written).toEqual(expected);
    }
  });

  it('startedAfter and startedBefore hold to the microsecond, not to the millisecond a Date keeps', async () => {
    const call = alive()[50]!;
    const justAfter = `${call.startTime.slice(0, -1)}001Z`; // one microsecond after the call started
    expect(ids(await walk({ startedAfter: justAfter, startedBefore: justAfter }, 500))).toEqual([]);
    expect(ids(await walk({ startedAfter: call.startTime, startedBefore: justAfter }, 500))).toContain(call.id);
    const after = ids(await walk({ startedAfter: justAfter }, 500));
    expect(after).not.toContain(call.id);
    expect(after).toEqual(ids(alive().filter((c) => c.startTime > call.startTime)));
  });

  it('combines filters with AND', async () => {
    const expected = alive().filter((c) => c.direction === 'INBOUND' && c.disposition === 'MISSED');
    expect(ids(await walk({ direction: 'INBOUND', dispositions: ['MISSED'] }, 500))).toEqual(ids(expected));
  });
});

describe(`call and its parts (${databaseKind})`, () => {
  it('answers call(id) with the same data as the list, and null for an unknown id', async () => {
    const sample = everything.find((c) => c.voicemail && c.legs.length > 1)!;
    const res = await api.gql(`query($id: ID!) { call(id: $id) { ${CALL_FIELDS} } missing: call(id: "no-such-call") { id } }`, { id: sample.id });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ call: sample, missing: null });
  });

  it('reads what a page selects however it is written: aliases, fragments, inline fragments, only __typename', async () => {
    // The page statement builds just the selected fields (store/call-json.ts): a field the lookahead missed
    // would come back null, or as an error on a non-null field.
    const res: any = await api.gql(`
      fragment Leg on CallLeg { legType extension { name } }
      fragment Parts on Call { ... on Call { legs { ...Leg at: startTime } } }
      query { calls(first: 40, filter: { includeDeleted: true }) { edges { node {
        key: id when: startTime ...Parts from { __typename } to { number: phoneNumber }
        recording { __typename } legs { position recording { contentUri } }
        voicemail { call { disposition updatedAt } } } } } }`);
    expect(res.errors).toBeUndefined();
    const byId = new Map(everything.map((c) => [c.id, c]));
    const nodes = res.data.calls.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(40);
    for (const n of nodes) {
      const full: any = byId.get(n.key);
      const { data }: any = await api.gql(`query($id: ID!) { call(id: $id) { startTime updatedAt disposition
        legs { legType startTime position extension { name } recording { contentUri } } } }`, { id: n.key });
      expect(n.when).toBe(full.startTime);
      expect(n.from).toEqual({ __typename: 'Party' });
      expect(n.to).toEqual({ number: full.to.phoneNumber });
      expect(n.recording).toEqual(full.recording ? { __typename: 'Recording' } : null);
      expect(n.legs).toEqual(data.call.legs.map((l: any) => ({ legType: l.legType, at: l.startTime, position: l.position, extension: l.extension, recording: l.recording })));
      expect(n.voicemail).toEqual(full.voicemail ? { call: { disposition: data.call.disposition, updatedAt: data.call.updatedAt } } : null);
    }
    expect(nodes.some((n: any) => n.voicemail) && nodes.some((n: any) => n.legs.some((l: any) => l.recording && l.extension))).toBe(true);
  });

  it('links voicemail and call both ways, and callbacks point at a later outbound call', () => {
    const withVoicemail = everything.filter((c) => c.voicemail);
    expect(withVoicemail.length).toBeGreaterThan(0);
    for (const c of withVoicemail) expect(c.voicemail!.call?.id).toBe(c.id);
    const calledBack = everything.filter((c) => c.callback);
    expect(calledBack.length).toBeGreaterThan(0);
    for (const c of calledBack) {
      expect(c.callback!.call.direction).toBe('OUTBOUND');
      expect(c.callback!.call.startTime > c.startTime).toBe(true);
    }
  });

  it('gives the stored linking verdicts through voicemails(), newest first, filtered', async () => {
    const all: any[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await api.gql(`query($after: String) { voicemails(first: 40, after: $after) { edges { cursor node { id creationTime availability extension { id } call { id } link { method confidence secondsAfterCallStart } } } pageInfo { hasNextPage endCursor } } }`, { after });
      expect(res.errors).toBeUndefined();
      all.push(...res.data.voicemails.edges.map((e: any) => e.node));
      if (!res.data.voicemails.pageInfo.hasNextPage) break;
      after = res.data.voicemails.pageInfo.endCursor;
    }
    const [stored] = await harness.testDb.database.query<{ n: number; linked: number }>(sql`
      select count(*)::int as n, count(l.call_id)::int as linked from voicemails v left join voicemail_links l on l.account_id = v.account_id and l.voicemail_id = v.id`);
    expect(all.length).toBe(stored!.n);
    expect(new Set(all.map((v) => v.id)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) expect(all[i - 1].creationTime >= all[i].creationTime).toBe(true);
    // A voicemail's creationTime is where its link says it is, messages purged before callsync saw them too.
    const calls = new Map(everything.map((c) => [c.id, c]));
    for (const v of all.filter((x) => x.call)) {
      const seconds = (Date.parse(v.creationTime) - Date.parse(calls.get(v.call.id)!.startTime)) / 1000;
      expect(Math.abs(seconds - v.link.secondsAfterCallStart), `voicemail ${v.id}`).toBeLessThanOrEqual(1);
    }
    // The creation filter reads the creationTime the API shows.
    const pivot = all[Math.floor(all.length / 2)].creationTime;
    const since: any = await api.gql(`query($t: DateTime) { voicemails(first: 500, filter: { createdAfter: $t }) { edges { node { id } } } }`, { t: pivot });
    expect(since.data.voicemails.edges.map((e: any) => e.node.id)).toEqual(all.filter((v) => v.creationTime >= pivot).map((v) => v.id));
    expect(all.filter((v) => v.call).length).toBe(stored!.linked);
    for (const v of all) expect(v.link === null).toBe(v.call === null);

    const linked: any = await api.gql(`{ voicemails(first: 500, filter: { linked: false }) { edges { node { id call { id } } } } }`);
    expect(linked.data.voicemails.edges.map((e: any) => e.node.id)).toEqual(all.filter((v) => !v.call).map((v) => v.id));
    const mailbox = all[0].extension.id;
    const byMailbox: any = await api.gql(`query($x: ID) { voicemails(first: 500, filter: { extensionId: $x }) { edges { node { id } } } }`, { x: mailbox });
    expect(byMailbox.data.voicemails.edges.map((e: any) => e.node.id)).toEqual(all.filter((v) => v.extension.id === mailbox).map((v) => v.id));

    const one = all.find((v) => v.call)!;
    const single: any = await api.gql(`query($id: ID!) { voicemail(id: $id) { id call { id voicemail { id } } } }`, { id: one.id });
    expect(single.data.voicemail).toEqual({ id: one.id, call: { id: one.call.id, voicemail: { id: one.id } } });
  });
});

describe(`dispositionSummary (${databaseKind})`, () => {
  const from = () => everything.at(-1)!.startTime;
  const to = () => new Date(Date.parse(everything[0]!.startTime) + 1).toISOString();

  it('counts every call of the period once, in every grouping', async () => {
    const alive = everything.filter((c) => !c.deleted);
    const expected = new Map<string, { count: number; seconds: number }>();
    for (const c of alive) {
      const key = `${c.startTime.slice(0, 10)}|${c.direction}|${c.disposition}`;
      const b = expected.get(key) ?? { count: 0, seconds: 0 };
      expected.set(key, { count: b.count + 1, seconds: b.seconds + c.durationSeconds });
    }
    const res: any = await api.gql(`query($from: DateTime!, $to: DateTime!) { dispositionSummary(from: $from, to: $to, groupBy: [DAY, DIRECTION]) { day extensionId direction disposition count totalDurationSeconds } }`, { from: from(), to: to() });
    expect(res.errors).toBeUndefined();
    const got = new Map(res.data.dispositionSummary.map((b: any) => [`${b.day}|${b.direction}|${b.disposition}`, { count: b.count, seconds: b.totalDurationSeconds }]));
    expect(got).toEqual(expected);
    expect(res.data.dispositionSummary.every((b: any) => b.extensionId === null)).toBe(true);

    for (const groupBy of [[], ['EXTENSION'], ['DAY', 'EXTENSION', 'DIRECTION']]) {
      const r: any = await api.gql(`query($from: DateTime!, $to: DateTime!, $g: [SummaryDimension!]) { dispositionSummary(from: $from, to: $to, groupBy: $g) { count extensionId day } }`, { from: from(), to: to(), g: groupBy });
      expect(r.data.dispositionSummary.reduce((n: number, b: any) => n + b.count, 0), groupBy.join()).toBe(alive.length);
    }
  });
});

describe(`bad arguments are clear 400s (${databaseKind})`, () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['an unknown cursor', 'query($a: String) { calls(after: $a) { edges { cursor } } }', { a: 'bm90LWEtY3Vyc29y' }, /not a cursor/],
    ['a cursor of another connection', 'query($a: String) { callChanges(after: $a) { edges { cursor } } }', { a: 'CURSOR_OF_CALLS' }, /not a cursor/],
    ['first above the cap', '{ calls(first: 501) { edges { cursor } } }', {}, /between 0 and 500/],
    ['a negative first', '{ callChanges(first: -1) { edges { cursor } } }', {}, /between 0 and 500/],
    ['a phone number that is none', '{ calls(filter: { phoneNumber: "call me" }) { edges { cursor } } }', {}, /not a phone number/],
    ['an inverted period', '{ dispositionSummary(from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z") { count } }', {}, /is after/],
  ];
  for (const [name, query, variables, message] of cases) {
    it(name, async () => {
      const vars = { ...variables };
      if (vars.a === 'CURSOR_OF_CALLS') vars.a = ((await api.gql('{ calls(first: 1) { pageInfo { endCursor } } }')) as any).data.calls.pageInfo.endCursor;
      const res = await api.gql(query, vars);
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.message).toMatch(message);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  }
});

/** An API over the test database that counts the SQL statements it runs; `reset()` starts the count over. */
async function withCountingApi(use: (api: ApiClient, statements: { reset(): void; readonly n: number }) => Promise<void>) {
  const database = harness.testDb.database;
  let n = 0;
  // The key's lookup and its once-a-minute last-use write (which runs beside the request, so it may land in
  // a later count) are the same for every request: only the statements the query itself runs are counted.
  const dialect = new PgDialect();
  const counting: Database = {
    ...database,
    query: (statement) => {
      if (!/\bapi_keys\b/.test(dialect.sqlToQuery(statement).sql)) n += 1;
      return database.query(statement);
    },
  };
  const counted = await startApi(counting);
  try {
    await use(counted, { reset: () => void (n = 0), get n() { return n; } });
  } finally {
    await counted.close();
  }
}

describe(`no N+1 (${databaseKind})`, () => {
  it('answers many aliased call(id) and voicemail(id) lookups with one statement each', async () => {
    await withCountingApi(async (counted, statements) => {
      const database = harness.testDb.database;
      const [vm] = await database.query<{ id: string }>(sql`select id from voicemails order by id limit 1`);
      const count = async (n: number) => {
        const fields = everything.slice(0, n).map((c, i) => `c${i}: call(id: "${c.id}") { id } v${i}: voicemail(id: "${vm!.id}") { id }`);
        statements.reset();
        const res: any = await counted.gql(`{ ${fields.join(' ')} missing: call(id: "no-such-call") { id } }`);
        expect(res.errors).toBeUndefined();
        expect(res.data.missing).toBeNull();
        expect(res.data[`c${n - 1}`]).toEqual({ id: everything[n - 1]!.id });
        expect(res.data[`v${n - 1}`]).toEqual({ id: vm!.id });
        return statements.n;
      };
      expect(await count(100)).toBe(await count(2));
    });
  });

  it('runs the same number of SQL statements for a page of 10 calls as for a page of 500', async () => {
    await withCountingApi(async (counted, statements) => {
      const run = async (first: number, filter: Record<string, unknown>) => {
        statements.reset();
        const res: any = await counted.gql(`query($first: Int, $filter: CallFilter) { calls(first: $first, filter: $filter) { edges { node { ${CALL_FIELDS} } } } }`, { first, filter });
        expect(res.errors).toBeUndefined();
        const nodes: Call[] = res.data.calls.edges.map((e: { node: Call }) => e.node);
        expect(nodes).toHaveLength(first);
        // Both pages hold every part, so a part loaded per call would show as a difference.
        expect(nodes.some((c) => c.callback) && nodes.some((c) => c.voicemail) && nodes.some((c) => c.recording)).toBe(true);
        return statements.n;
      };
      // Ten calls that hold every part a page can: some call of them has a callback, a voicemail, a recording.
      const hasAll = (calls: Call[]) => calls.some((c) => c.callback) && calls.some((c) => c.voicemail) && calls.some((c) => c.recording);
      const startedBefore = everything
        .map((c) => new Date(Date.parse(c.startTime) + 1).toISOString())
        .find((before) => hasAll(everything.filter((c) => c.startTime < before).slice(0, 10)));
      expect(startedBefore, 'the scenario has ten consecutive calls with every part').toBeDefined();
      const small = await run(10, { includeDeleted: true, startedBefore });
      const large = await run(500, { includeDeleted: true });
      expect(large).toBe(small);
      // The page (legs, recordings, voicemail and extensions read with it as JSON), the callbacks with their
      // calls, and the voicemails' calls (a page's nodes hold only what it selected); the key's check is not
      // counted.
      expect(small).toBe(3);
    });
  });
});
