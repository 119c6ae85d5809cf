import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges, isEnumType, isInputObjectType, isObjectType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { servedSchema, startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../src/store/api-keys.ts';
import { writeSyncState } from '../../src/store/sync-state.ts';
import { upsertExtensions } from '../../src/store/extensions.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

// The CRM contract as published next to the repository (../shared), else the snapshot committed with it;
// CI fails when the two differ (.ci/run). CALLSYNC_API_CONTRACT may name another contract to check against.
const PUBLISHED = fileURLToPath(new URL('../../../shared/api-contract.graphql', import.meta.url));
const CONTRACT = process.env.CALLSYNC_API_CONTRACT || (existsSync(PUBLISHED) ? PUBLISHED : fileURLToPath(new URL('../fixtures/api-contract.graphql', import.meta.url)));

describe('the served schema', () => {
  it('has no breaking change against the CRM contract (graphql-js findBreakingChanges)', () => {
    const changes = findBreakingChanges(buildSchema(readFileSync(CONTRACT, 'utf8')), servedSchema());
    expect(changes).toEqual([]);
  });

  it("describes every type, field and value of the contract in the contract's words", () => {
    const descriptions = (schema: GraphQLSchema) => {
      const out: Record<string, string | null | undefined> = {};
      for (const type of Object.values(schema.getTypeMap())) {
        if (type.name.startsWith('__')) continue;
        out[type.name] = type.description;
        if (isObjectType(type) || isInputObjectType(type)) for (const f of Object.values(type.getFields())) out[`${type.name}.${f.name}`] = f.description;
        if (isEnumType(type)) for (const v of type.getValues()) out[`${type.name}.${v.name}`] = v.description;
      }
      return out;
    };
    const served = descriptions(servedSchema());
    const contract = descriptions(buildSchema(readFileSync(CONTRACT, 'utf8')));
    expect(Object.fromEntries(Object.keys(contract).map((k) => [k, served[k]]))).toEqual(contract);
  });
});

let testDb: TestDatabase;
let server: ApiServer;
let key: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = testDb.database.db;
  await upsertExtensions(db, '1', [{ id: '101', extensionNumber: '101', name: 'Benno Dean', type: 'User', status: 'Enabled', uri: null }]);
  await writeSyncState(db, '1', 'call-log', { syncedThrough: new Date('2026-11-25T10:00:00Z'), lastSuccessAt: new Date('2026-11-25T10:00:01Z'), addRecords: 42 });
  await writeSyncState(db, '1', 'voicemails', { lastSuccessAt: new Date('2026-11-25T10:00:02Z') });
  await writeSyncState(db, '1', 'voicemail:101', { syncedThrough: new Date('2026-11-25T09:00:00Z'), addRecords: 3 });
  await writeSyncState(db, '1', 'voicemail:102', { syncedThrough: new Date('2026-11-25T09:30:00Z'), addRecords: 4 });
  key = await createApiKey(db, 'crm');
  server = await startApiServer({ database: testDb.database, port: 0, logger: silentLogger });
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
});

const post = (body: unknown, auth?: string) =>
  fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body) });

describe(`GraphQL API over HTTP (${databaseKind})`, () => {
  it('answers /healthz and /readyz without a key', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('refuses a request without a key with 401 and a GraphQL error saying so', async () => {
    const res = await post({ query: '{ extensions { id } }' });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toMatch(/missing API key/);
  });

  it('records when a key was last used', async () => {
    const fresh = await createApiKey(testDb.database.db, 'fresh');
    const lastUse = async () => (await listApiKeys(testDb.database.db)).find((k) => k.name === 'fresh')!.lastUsedAt;
    expect(await lastUse()).toBeNull();
    expect((await post({ query: '{ extensions { id } }' }, `Bearer ${fresh}`)).status).toBe(200);
    // Recorded beside the request, which does not wait for it.
    await vi.waitFor(async () => expect(await lastUse()).toBeInstanceOf(Date), { timeout: 30_000, interval: 20 });
    const first = await lastUse();
    // Within the minute a second use is only read, not written again.
    expect((await post({ query: '{ extensions { id } }' }, `Bearer ${fresh}`)).status).toBe(200);
    expect(await lastUse()).toEqual(first);
  });

  it('refuses a wrong or revoked key with 401', async () => {
    expect((await post({ query: '{ extensions { id } }' }, 'Bearer cs_nope')).status).toBe(401);
    const other = await createApiKey(testDb.database.db, 'temporary');
    expect((await post({ query: '{ extensions { id } }' }, `Bearer ${other}`)).status).toBe(200);
    await revokeApiKey(testDb.database.db, 'temporary');
    const res = await post({ query: '{ extensions { id } }' }, `Bearer ${other}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/unknown or revoked/);
  });

  it('serves extensions and syncStatus with a valid key', async () => {
    const res = await post({ query: '{ extensions { id extensionNumber name type status } syncStatus { streams { name syncedThrough lastSuccessAt recordsSynced lastError } } }' }, `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: {
        extensions: [{ id: '101', extensionNumber: '101', name: 'Benno Dean', type: 'User', status: 'Enabled' }],
        syncStatus: {
          streams: [
            { name: 'call-log', syncedThrough: '2026-11-25T10:00:00.000Z', lastSuccessAt: '2026-11-25T10:00:01.000Z', recordsSynced: 42, lastError: null },
            // One line for all mailboxes: through the least recent one, records summed.
            { name: 'voicemails', syncedThrough: '2026-11-25T09:00:00.000Z', lastSuccessAt: '2026-11-25T10:00:02.000Z', recordsSynced: 7, lastError: null },
          ],
        },
      },
    });
  });

  it('answers a query that does not fit the schema with a 4xx GraphQL error, not a 500', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/Cannot query field "nope"/);
  });
});

describe(`shutdown (${databaseKind})`, () => {
  it('lets a request under way finish before closing, then closes', async () => {
    const own = await startApiServer({ database: testDb.database, port: 0, logger: silentLogger });
    const { request } = await import('node:http');
    const body = JSON.stringify({ query: '{ extensions { id } }' });
    // "Expect: 100-continue": Node's server answers 100 as it hands the request to our handler, so once the
    // client sees it the request is under way, however slow the machine (a 50 ms sleep raced this).
    const req = request(`${own.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': String(body.length), expect: '100-continue' } });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => req.once('continue', resolve).once('error', reject));
    // Half the body now, the rest after close() has begun: the request is in flight when it is asked to stop.
    req.write(body.slice(0, 10));
    const closing = own.close();
    req.end(body.slice(10));
    expect(await answered).toBe(200);
    await closing;
  });
});
