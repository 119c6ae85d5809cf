// Simulator responses must validate against RingCentral's own (2021, v1.0.46) OpenAPI response
// schemas. The full spec (4 MB) lives outside the repository; test/fixtures/openapi-trimmed.json holds the
// response schemas these tests use, verbatim, made by scripts/trim-openapi.ts (CI regenerates it from the
// full spec when that is next to the clone, and fails when it differs).

import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { CALL_LOG, get, historyDays, login, messageStore, messageSync, TO } from './helpers.ts';

// CALLSYNC_OPENAPI_SPEC may name another spec (the full one, a newer one) to validate against instead.
const SPEC_PATH = process.env.CALLSYNC_OPENAPI_SPEC || new URL('../fixtures/openapi-trimmed.json', import.meta.url);
const spec: any = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));

/**
 * Enum values the platform returns that the 2021 spec does not list (api-notes §3.4 "Enum drift"):
 * both "Hang Up" and "Hang up" (RingCentral's widgets keep both), and the 2026 spelling "Line Busy"
 * next to the 2021 "line Busy". The simulator emits them on purpose so clients cannot rely on the
 * old enums; everything else must match the 2021 schema as published.
 */
const DOCUMENTED_DRIFT: Record<string, string[]> = { result: ['Hang up'], reason: ['Line Busy'] };

/** OpenAPI 3.0 → JSON Schema: inline $refs, turn `nullable` into a null type, add documented drift. */
function toJsonSchema(node: any, seen = new Set<string>(), property?: string): any {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, seen));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const ref: string = node.$ref;
    if (seen.has(ref)) return {};
    const target = ref.replace(/^#\//, '').split('/').reduce((o: any, k: string) => o?.[k], spec);
    return toJsonSchema(target, new Set([...seen, ref]), property);
  }
  const out: any = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as object).map(([name, s]) => [name, toJsonSchema(s, seen, name)]));
    } else if (k !== 'nullable' && k !== 'example' && k !== 'xml' && k !== 'discriminator') {
      out[k] = toJsonSchema(v, seen);
    }
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (property && Array.isArray(out.enum) && DOCUMENTED_DRIFT[property]) out.enum = [...out.enum, ...DOCUMENTED_DRIFT[property]];
  return out;
}

/** The JSON Schema of an operation's 200 (else default) JSON response; throws when the spec lacks it. */
function responseSchema(path: string, method = 'get'): any {
  const op = spec.paths[path]?.[method];
  const response = op?.responses?.['200'] ?? op?.responses?.default;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method.toUpperCase()} ${path} has no JSON response schema in ${SPEC_PATH}: list it in OPERATIONS in scripts/trim-openapi.ts and run npm run fixtures:openapi`);
  return toJsonSchema(schema);
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

function expectValid(schema: any, body: unknown): void {
  const validate = ajv.compile(schema);
  const ok = validate(body);
  expect(ok ? [] : validate.errors?.slice(0, 10)).toEqual([]);
}

const ACCOUNT = '/restapi/v1.0/account/{accountId}';

describe('simulator responses match the 2021 OpenAPI schemas', () => {
  let sim: Simulator;
  let token: string;
  const window = { dateFrom: new Date(TO.getTime() - 2 * 86_400_000).toISOString(), dateTo: TO.toISOString() };

  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, history: historyDays(2, 1500), rateLimits: false });
    token = (await login(sim)).access;
  });
  afterAll(() => sim.close());

  // The 2021 spec has no /restapi/oauth/token path and predates call-log-extract-sync (api-notes §1, §2.5), so
  // those two responses are checked field by field in auth.test.ts and extract-sync.test.ts. Should the spec
  // the tests use ever carry them, this fails: validate them here then.
  it('the spec has no token or call-log-extract-sync response to validate against (checked in auth and extract-sync tests)', () => {
    expect(spec.paths['/restapi/oauth/token']).toBeUndefined();
    expect(spec.paths[`${ACCOUNT}/call-log-extract-sync`]).toBeUndefined();
    expect(() => responseSchema('/restapi/oauth/token', 'post')).toThrow(/no JSON response schema/);
  });

  it('account info', async () => {
    const reply = await get(sim, token, '/restapi/v1.0/account/~');
    expectValid(responseSchema(ACCOUNT), reply.body);
  });

  it('extension list and single extension', async () => {
    expectValid(responseSchema(`${ACCOUNT}/extension`), (await get(sim, token, '/restapi/v1.0/account/~/extension')).body);
    expectValid(responseSchema(`${ACCOUNT}/extension/{extensionId}`), (await get(sim, token, '/restapi/v1.0/account/~/extension/~')).body);
  });

  it('call-log list, Detailed and Simple, with deleted records', async () => {
    const schema = responseSchema(`${ACCOUNT}/call-log`);
    for (const view of ['Detailed', 'Simple']) {
      const reply = await get(sim, token, CALL_LOG, { ...window, view, perPage: '1000', showDeleted: 'true' });
      expect(reply.body.records.length).toBe(1000);
      expectValid(schema, reply.body);
    }
  });

  it('every generated record (all scenarios) validates', async () => {
    const schema = responseSchema(`${ACCOUNT}/call-log`);
    const records = sim.truth().calls.map((c) => c.record);
    expectValid(schema, { uri: `${sim.url}${CALL_LOG}`, records, paging: { perPage: records.length }, navigation: {} });
  });

  it('the validator is real: an off-spec record fails', () => {
    const schema = responseSchema(`${ACCOUNT}/call-log`);
    const record = { ...sim.truth().calls[0]!.record, direction: 'Sideways', duration: 'long' };
    const validate = ajv.compile(schema);
    expect(validate({ uri: 'x', records: [record], paging: { perPage: 1 }, navigation: {} })).toBe(false);
  });

  it('single call-log record', async () => {
    const first = (await get(sim, token, CALL_LOG, { ...window, perPage: '1' })).body.records[0];
    const reply = await get(sim, token, `${CALL_LOG}/${first.id}`, { view: 'Detailed' });
    expectValid(responseSchema(`${ACCOUNT}/call-log/{callRecordId}`), reply.body);
  });

  // Message-store bodies are validated as JSON.parse reads them: an int64 beyond 2^53 still parses as an integer.
  const MAILBOX = `${ACCOUNT}/extension/{extensionId}`;
  const busiest = (): string => {
    const counts = new Map<string, number>();
    for (const m of sim.truth().messages) counts.set(m.mailboxExtensionId, (counts.get(m.mailboxExtensionId) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  };

  it('message-store list, with deleted and purged messages', async () => {
    const reply = await get(sim, token, messageStore(busiest()), { ...window, availability: ['Alive', 'Deleted', 'Purged'], perPage: '1000' });
    expect(reply.body.records.length).toBeGreaterThan(20);
    expect(reply.body.records.some((r: any) => r.availability === 'Purged')).toBe(true);
    expectValid(responseSchema(`${MAILBOX}/message-store`), reply.body);
  });

  it('every generated voicemail (all mailboxes, all states) validates as a single message', () => {
    const schema = responseSchema(`${MAILBOX}/message-store/{messageId}`);
    const messages = sim.truth().messages;
    expect(new Set(messages.map((m) => m.availability))).toEqual(new Set(['Alive', 'Deleted', 'Purged']));
    // JSON round trip: the validator sees what a client's JSON.parse sees (bigint ids become numbers).
    for (const m of messages) expectValid(schema, JSON.parse(JSON.stringify(m.message, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))));
  });

  it('single message, and each part of a 207 batch', async () => {
    const schema = responseSchema(`${MAILBOX}/message-store/{messageId}`);
    const ext = busiest();
    const [a, b] = sim.truth().messages.filter((m) => m.mailboxExtensionId === ext);
    expectValid(schema, (await get(sim, token, `${messageStore(a!.mailboxExtensionId)}/${a!.id}`)).body);
    const batch = await get(sim, token, `${messageStore(a!.mailboxExtensionId)}/${a!.id},${b!.id}`);
    const parts = String(batch.body).split(/--Boundary_\w+/).map((p) => p.split('\r\n\r\n')[1]).filter((p): p is string => !!p);
    expect(parts).toHaveLength(3);
    for (const part of parts.slice(1)) expectValid(schema, JSON.parse(part));
  });

  it('message-sync FSync and ISync (with {id, availability} records)', async () => {
    const schema = responseSchema(`${MAILBOX}/message-sync`);
    expect(schema).toBeDefined();
    const ext = busiest();
    // FSync reaches back 7 days from now by default; the history ends at the start of today, so name its
    // start, or how many messages fall inside would depend on the hour the test runs.
    const fsync = await get(sim, token, messageSync(ext), { syncType: 'FSync', dateFrom: window.dateFrom });
    expect(fsync.body.records.length).toBeGreaterThan(20);
    expectValid(schema, fsync.body);
    const isync = await get(sim, token, messageSync(ext), { syncType: 'ISync', syncToken: fsync.body.syncInfo.syncToken });
    expectValid(schema, isync.body);
    expectValid(schema, { ...isync.body, records: [{ id: 1, availability: 'Deleted' }, { id: 2, availability: 'Purged' }] });
  });

  it('the validator is real: an off-spec message fails', () => {
    const schema = responseSchema(`${MAILBOX}/message-store/{messageId}`);
    const m = sim.truth().messages.find((x) => x.availability === 'Alive')!;
    const bad = { ...JSON.parse(JSON.stringify(m.message, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))), availability: 'Gone', id: '12' };
    expect(ajv.compile(schema)(bad)).toBe(false);
  });

  it('authz-profile and authz-profile/check, for both roles', async () => {
    const profile = responseSchema(`${ACCOUNT}/extension/{extensionId}/authz-profile`);
    const check = responseSchema(`${ACCOUNT}/extension/{extensionId}/authz-profile/check`);
    const other = String(sim.truth().extensions[2]!.id);
    try {
      for (const role of ['SuperAdmin', 'UserAdmin'] as const) {
        sim.faults.adminRole = role;
        expectValid(profile, (await get(sim, token, '/restapi/v1.0/account/~/extension/~/authz-profile')).body);
        const reply = await get(sim, token, '/restapi/v1.0/account/~/extension/~/authz-profile/check', { permissionId: 'ReadMessages', targetExtensionId: other });
        expect(reply.body.successful).toBe(role === 'SuperAdmin');
        expectValid(check, reply.body);
      }
    } finally {
      sim.faults.clear();
    }
  });

  it('a sized company with forwarding legs from the owner: every record and extension validates', async () => {
    const big = await startSimulator({ seed: 11, company: { users: 150 }, history: historyDays(1, 3000), rateLimits: false });
    try {
      const truth = big.truth();
      expect(truth.calls.some((c) => c.record.legs?.some((l) => l.action === 'FollowMe'))).toBe(true);
      const records = truth.calls.map((c) => c.record);
      expectValid(responseSchema(`${ACCOUNT}/call-log`), { uri: `${big.url}${CALL_LOG}`, records, paging: { perPage: records.length }, navigation: {} });
      expectValid(responseSchema(`${ACCOUNT}/extension`), { uri: big.url, records: truth.extensions, paging: { perPage: 1000 }, navigation: {} });
    } finally {
      await big.close();
    }
  });
});
